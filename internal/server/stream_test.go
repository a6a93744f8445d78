package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/ssetest"
	"github.com/timdhq/timd/internal/store/postgres"
	"github.com/timdhq/timd/internal/usersig"
)

// streamEnv is a timd served on a loopback port, restartable on the same data.
type streamEnv struct {
	cfg  config.Config
	srv  *server.Server
	addr string
	done chan error
}

// forEachStore runs fn on SQLite, and on PostgreSQL when TIMD_TEST_POSTGRES_DSN is set.
func forEachStore(t *testing.T, fn func(t *testing.T, e *streamEnv)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newStreamEnv(t, "")) })
	if dsn := os.Getenv("TIMD_TEST_POSTGRES_DSN"); dsn != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, newStreamEnv(t, dsn)) })
	}
}

// newStreamEnv starts timd with rate limits off, on SQLite or, with dsn, on a fresh
// PostgreSQL schema.
func newStreamEnv(t *testing.T, dsn string) *streamEnv {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	app := &cfg.Apps[0]
	app.SecretKey = testKey
	app.RateLimits = config.RateLimits{}
	app.Messages.SendRate = 0
	if dsn != "" {
		schema, drop, err := postgres.NewTestSchema(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = drop() })
		cfg.PostgresDSN = schema
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	e := &streamEnv{cfg: cfg}
	e.start(t, "127.0.0.1:0")
	t.Cleanup(func() { e.stop(t) })
	e.mustOK(t, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob", "carol", "dave", "erin"}})
	return e
}

// start serves a new server for e's configuration on addr.
func (e *streamEnv) start(t *testing.T, addr string) {
	t.Helper()
	srv, err := server.New(context.Background(), e.cfg, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	e.srv, e.addr, e.done = srv, ln.Addr().String(), make(chan error, 1)
	go func() { e.done <- srv.Serve(ln) }()
}

// stop shuts the server down, closing its streams.
func (e *streamEnv) stop(t *testing.T) {
	t.Helper()
	if e.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if err := <-e.done; err != nil {
		t.Errorf("serve: %v", err)
	}
	e.srv = nil
}

// restart stops the server and starts another on the same data and port.
func (e *streamEnv) restart(t *testing.T) {
	t.Helper()
	addr := e.addr
	e.stop(t)
	e.start(t, addr)
}

// query is the query of a call as identifier, with a fresh UserSig.
func (e *streamEnv) query(identifier string) url.Values {
	app := e.cfg.Apps[0]
	return url.Values{
		"sdkappid": {fmt.Sprint(app.SDKAppID)}, "identifier": {identifier},
		"usersig": {usersig.Mint(app.SDKAppID, identifier, app.SecretKey, 86400, time.Now())},
		"random":  {"1"}, "contenttype": {"json"},
	}
}

// call runs a REST command as the admin and returns its decoded answer.
func (e *streamEnv) call(t *testing.T, command string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	u := "http://" + e.addr + "/v4/" + command + "?" + e.query(e.cfg.Apps[0].Admins[0]).Encode()
	resp, err := http.Post(u, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// mustOK runs a REST command and fails the test unless it answers OK.
func (e *streamEnv) mustOK(t *testing.T, command string, body any) map[string]any {
	t.Helper()
	out := e.call(t, command, body)
	if out["ErrorCode"] != json.Number("0") {
		t.Fatalf("%s: got %v, want OK", command, out)
	}
	return out
}

// send sends text to group from sender and returns its MsgSeq.
func (e *streamEnv) send(t *testing.T, group, from, text string, extra map[string]any) string {
	t.Helper()
	body := map[string]any{"GroupId": group, "From_Account": from, "Random": time.Now().UnixNano() & 0xffffffff,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}}
	for k, v := range extra {
		body[k] = v
	}
	return e.mustOK(t, "group_open_http_svc/send_group_msg", body)["MsgSeq"].(json.Number).String()
}

// group creates a Public group owned by alice with the other members given.
func (e *streamEnv) group(t *testing.T, id string, others ...string) {
	t.Helper()
	var ms []map[string]any
	for _, o := range others {
		ms = append(ms, map[string]any{"Member_Account": o})
	}
	e.mustOK(t, "group_open_http_svc/create_group", map[string]any{"GroupId": id, "Owner_Account": "alice", "Type": "Public", "Name": id, "MemberList": ms})
}

// connect opens the stream of user, with the Last-Event-ID given ("" for none) and
// extra query parameters; the stream is closed when the test ends.
func (e *streamEnv) connect(t *testing.T, user, lastID string, extra url.Values) *ssetest.Client {
	t.Helper()
	q := e.query(user)
	for k, v := range extra {
		q[k] = v
	}
	return ssetest.Connect(t, "http://"+e.addr+"/v4/stream?"+q.Encode(), lastID)
}

// messageText returns the text of a message event's first element.
func messageText(ev ssetest.Event) string {
	m, _ := ev.Data["Message"].(map[string]any)
	body, _ := m["MsgBody"].([]any)
	if len(body) == 0 {
		return ""
	}
	content, _ := body[0].(map[string]any)["MsgContent"].(map[string]any)
	s, _ := content["Text"].(string)
	return s
}

// nextMessage returns the next message event of c, skipping tips.
func nextMessage(t *testing.T, c *ssetest.Client) ssetest.Event {
	t.Helper()
	for {
		ev := c.Next(t)
		if ev.Name == "message" && ev.Data["Message"].(map[string]any)["IsSystemMsg"] == json.Number("1") {
			continue
		}
		return ev
	}
}

// TestStreamDelivers connects users with their own UserSig, sends through REST and
// checks the message event, exactly, for a receiver and for the sender (Own).
func TestStreamDelivers(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *streamEnv) {
		e.group(t, "room", "bob", "carol")
		bob := e.connect(t, "bob", "", nil)
		if got := bob.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("Access-Control-Allow-Origin: got %q, want *", got)
		}
		carol := e.connect(t, "carol", "", nil)
		seq := e.send(t, "room", "carol", "hello", map[string]any{"CloudCustomData": "cc"})
		ev := bob.Next(t)
		msg := ev.Data["Message"].(map[string]any)
		want := ssetest.Event{Name: "message", ID: "room:" + seq, Data: map[string]any{
			"GroupId": "room", "Notify": true, "Own": false,
			"Message": map[string]any{
				"From_Account": "carol", "IsPlaceMsg": json.Number("0"), "IsSystemMsg": json.Number("0"),
				"MsgBody":     []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hello"}}},
				"MsgPriority": json.Number("2"), "MsgRandom": msg["MsgRandom"], "MsgSeq": json.Number(seq),
				"MsgTimeStamp": msg["MsgTimeStamp"], "CloudCustomData": "cc",
			},
		}}
		if d := cmp.Diff(want, ev); d != "" {
			t.Errorf("bob's event (-want +got):\n%s", d)
		}
		own := carol.Next(t)
		if own.Data["Own"] != true || own.Data["Notify"] != false || own.ID != "room:"+seq {
			t.Errorf("carol's own send: got %v, want Own true, Notify false", own)
		}
		// The same message in history: the stream's shape is group_msg_get_simple's.
		h := e.mustOK(t, "group_open_http_svc/group_msg_get_simple", map[string]any{"GroupId": "room", "ReqMsgNumber": 1})
		if d := cmp.Diff(h["RspMsgList"].([]any)[0], ev.Data["Message"]); d != "" {
			t.Errorf("stream vs history (-history +stream):\n%s", d)
		}
	})
}

// TestStreamRefusesBadSig checks that the stream takes a UserSig signed for the user
// only.
func TestStreamRefusesBadSig(t *testing.T) {
	e := newStreamEnv(t, "")
	q := e.query("bob")
	q.Set("identifier", "carol")
	resp, err := http.Get("http://" + e.addr + "/v4/stream?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	if out["ErrorCode"] != float64(70013) {
		t.Errorf("a sig of bob for carol: got %s, want ErrorCode 70013", b)
	}
	post, err := http.Post("http://"+e.addr+"/v4/stream?"+e.query("bob").Encode(), "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed || post.Header.Get("Allow") != "GET" {
		t.Errorf("POST: got %d, Allow %q; want 405, GET", post.StatusCode, post.Header.Get("Allow"))
	}
}

// TestStreamMsgFlag checks each MsgFlag value, and a mention.
func TestStreamMsgFlag(t *testing.T) {
	e := newStreamEnv(t, "")
	e.group(t, "room", "bob", "carol", "dave", "erin")
	flags := map[string]string{"bob": "AcceptAndNotify", "carol": "AcceptNotNotify", "dave": "Discard", "erin": "AcceptNotNotifyExceptAt"}
	for who, f := range flags {
		e.mustOK(t, "group_open_http_svc/modify_group_member_info", map[string]any{"GroupId": "room", "Member_Account": who, "MsgFlag": f})
	}
	c := map[string]*ssetest.Client{}
	for who := range flags {
		c[who] = e.connect(t, who, "", nil)
	}
	e.send(t, "room", "alice", "plain", nil)
	e.send(t, "room", "alice", "at erin", map[string]any{"GroupAtInfo": []any{map[string]any{"GroupAtAllFlag": 0, "GroupAt_Account": "erin"}}})
	e.mustOK(t, "group_open_http_svc/send_group_system_notification", map[string]any{"GroupId": "room", "Content": "fence"})
	for _, tc := range []struct {
		who    string
		notify []any // of "plain" and "at erin"; nil when nothing arrives
	}{
		{"bob", []any{true, true}},
		{"carol", []any{false, false}},
		{"dave", nil},
		{"erin", []any{false, true}},
	} {
		var got []any
		for {
			ev := nextMessage(t, c[tc.who])
			if ev.Name == "system" {
				break
			}
			got = append(got, ev.Data["Notify"])
		}
		if d := cmp.Diff(tc.notify, got); d != "" {
			t.Errorf("%s (%s): Notify of the messages (-want +got):\n%s", tc.who, flags[tc.who], d)
		}
	}
	// A MsgFlag changed while connected counts from the next message.
	e.mustOK(t, "group_open_http_svc/modify_group_member_info", map[string]any{"GroupId": "room", "Member_Account": "dave", "MsgFlag": "AcceptAndNotify"})
	e.mustOK(t, "group_open_http_svc/modify_group_member_info", map[string]any{"GroupId": "room", "Member_Account": "bob", "MsgFlag": "Discard"})
	e.send(t, "room", "alice", "after the change", nil)
	e.mustOK(t, "group_open_http_svc/send_group_system_notification", map[string]any{"GroupId": "room", "Content": "fence 2"})
	if ev := nextMessage(t, c["dave"]); messageText(ev) != "after the change" || ev.Data["Notify"] != true {
		t.Errorf("dave, Discard then AcceptAndNotify: got %v, want the message with Notify true", ev)
	}
	if ev := nextMessage(t, c["bob"]); ev.Name != "system" {
		t.Errorf("bob, AcceptAndNotify then Discard: got %v, want no message before the fence", ev)
	}
}

// TestStreamResume checks that a client resuming with Last-Event-ID, or with since,
// gets what it missed and then live messages, without gap or duplicate, also after a
// restart of the server.
func TestStreamResume(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *streamEnv) {
		e.group(t, "room", "bob")
		e.group(t, "other", "bob")
		bob := e.connect(t, "bob", "", nil)
		e.send(t, "room", "alice", "m1", nil)
		first := nextMessage(t, bob)
		bob.Close()
		e.send(t, "room", "alice", "m2", nil)
		e.send(t, "other", "alice", "o1", nil)
		e.send(t, "room", "alice", "m3", nil)

		bob = e.connect(t, "bob", first.ID, url.Values{"since": {"other:0"}})
		e.send(t, "room", "alice", "m4", nil)
		// Each group in order; the groups interleave as they may.
		got := map[string][]string{}
		var last ssetest.Event // the last event of room
		for range 4 {
			ev := nextMessage(t, bob)
			g := ev.Data["GroupId"].(string)
			got[g] = append(got[g], messageText(ev))
			if g == "room" {
				last = ev
			}
		}
		want := map[string][]string{"room": {"m2", "m3", "m4"}, "other": {"o1"}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("resumed (-want +got):\n%s", d)
		}
		bob.Quiet(t, 200*time.Millisecond)
		bob.Close()

		e.restart(t)
		e.send(t, "room", "alice", "m5", nil)
		bob = e.connect(t, "bob", last.ID, nil)
		if ev := nextMessage(t, bob); messageText(ev) != "m5" {
			t.Errorf("after a restart: got %q (%v), want m5", messageText(ev), ev)
		}
		e.send(t, "room", "alice", "m6", nil)
		if ev := nextMessage(t, bob); messageText(ev) != "m6" {
			t.Errorf("live after the replay: got %q, want m6", messageText(ev))
		}
	})
}

// TestStreamMembership checks the member events: a new member is told and receives,
// a removed one is told and stops receiving, and a destroyed group is reported.
func TestStreamMembership(t *testing.T) {
	e := newStreamEnv(t, "")
	e.group(t, "room", "bob")
	bob := e.connect(t, "bob", "", nil)
	carol := e.connect(t, "carol", "", nil)
	e.mustOK(t, "group_open_http_svc/add_group_member", map[string]any{"GroupId": "room", "MemberList": []any{map[string]any{"Member_Account": "carol"}}})
	if ev := carol.Next(t); ev.Name != "message" || ev.Data["Message"].(map[string]any)["IsSystemMsg"] != json.Number("1") {
		t.Errorf("carol after being added: got %v, want the invite tip", ev)
	}
	if ev := carol.Next(t); ev.Name != "joined" || ev.Data["GroupId"] != "room" {
		t.Errorf("carol after being added: got %v, want joined", ev)
	}
	e.send(t, "room", "alice", "to both", nil)
	if ev := nextMessage(t, carol); messageText(ev) != "to both" {
		t.Errorf("carol: got %v, want the message", ev)
	}
	e.mustOK(t, "group_open_http_svc/delete_group_member", map[string]any{"GroupId": "room", "MemberToDel_Account": []string{"bob"}})
	if ev := nextMessage(t, bob); messageText(ev) != "to both" {
		t.Errorf("bob: got %v, want the message", ev)
	}
	if ev := nextMessage(t, bob); ev.Name != "removed" {
		t.Errorf("bob after removal: got %v, want removed", ev)
	}
	e.send(t, "room", "alice", "after", nil)
	if ev := nextMessage(t, carol); messageText(ev) != "after" {
		t.Errorf("carol: got %v, want the message", ev)
	}
	bob.Quiet(t, 300*time.Millisecond)
	e.mustOK(t, "group_open_http_svc/destroy_group", map[string]any{"GroupId": "room"})
	if ev := nextMessage(t, carol); ev.Name != "destroyed" || ev.Data["GroupId"] != "room" {
		t.Errorf("carol: got %v, want destroyed", ev)
	}
}

// TestStreamOnline checks that get_online_member_num and query_online_status count the
// members with a stream open.
func TestStreamOnline(t *testing.T) {
	e := newStreamEnv(t, "")
	e.group(t, "room", "bob", "carol")
	count := func() string {
		t.Helper()
		return e.mustOK(t, "group_open_http_svc/get_online_member_num", map[string]any{"GroupId": "room"})["OnlineMemberNum"].(json.Number).String()
	}
	states := func() []any {
		t.Helper()
		return e.mustOK(t, "openim/query_online_status", map[string]any{"To_Account": []string{"bob", "carol", "dave"}})["QueryResult"].([]any)
	}
	if got := count(); got != "0" {
		t.Errorf("nobody connected: got %s online, want 0", got)
	}
	bob := e.connect(t, "bob", "", nil)
	bob2 := e.connect(t, "bob", "", nil) // a second stream of the same user counts once
	e.connect(t, "dave", "", nil)        // no member
	if got := count(); got != "1" {
		t.Errorf("bob connected twice, dave not a member: got %s online, want 1", got)
	}
	want := []any{
		map[string]any{"To_Account": "bob", "State": "Online"},
		map[string]any{"To_Account": "carol", "State": "Offline"},
		map[string]any{"To_Account": "dave", "State": "Online"},
	}
	if d := cmp.Diff(want, states()); d != "" {
		t.Errorf("query_online_status (-want +got):\n%s", d)
	}
	bob.Close()
	if got := count(); got != "1" {
		t.Errorf("one of bob's streams closed: got %s online, want 1", got)
	}
	bob2.Close()
	waitFor(t, func() bool { return count() == "0" }) // a client that leaves is offline at once
}

// waitFor polls cond until it holds, failing the test after 5 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("condition not met within 5s")
		}
	}
}

// TestStreamKick checks that kick closes the user's streams, telling them why, and
// refuses the UserSigs issued before it, not those issued after.
func TestStreamKick(t *testing.T) {
	e := newStreamEnv(t, "")
	e.group(t, "room", "bob")
	old := e.query("bob")
	bob := e.connect(t, "bob", "", nil)
	e.mustOK(t, "im_open_login_svc/kick", map[string]any{"UserID": "bob"})
	if ev := bob.Next(t); ev.Name != "close" || ev.Data["Reason"] != "Kicked" {
		t.Errorf("after kick: got %v, want close Kicked", ev)
	}
	select {
	case <-bob.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end")
	}
	resp, err := http.Get("http://" + e.addr + "/v4/stream?" + old.Encode())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"ErrorCode":70001`) {
		t.Errorf("a sig issued before the kick: got %s, want ErrorCode 70001", b)
	}
	app := e.cfg.Apps[0]
	fresh := e.query("bob")
	fresh.Set("usersig", usersig.Mint(app.SDKAppID, "bob", app.SecretKey, 86400, time.Now().Add(time.Second)))
	e.connect(t, "bob", "", fresh)
	if got := e.mustOK(t, "group_open_http_svc/get_online_member_num", map[string]any{"GroupId": "room"})["OnlineMemberNum"]; got != json.Number("1") {
		t.Errorf("signed again after the kick: got %v online, want 1", got)
	}
}

// newStreamReplicas starts n servers on one fresh PostgreSQL schema, as replicas.
func newStreamReplicas(t *testing.T, dsn string, n int) []*streamEnv {
	t.Helper()
	first := newStreamEnv(t, dsn)
	out := []*streamEnv{first}
	for range n - 1 {
		e := &streamEnv{cfg: first.cfg}
		e.cfg.DataDir = t.TempDir()
		e.start(t, "127.0.0.1:0")
		t.Cleanup(func() { e.stop(t) })
		out = append(out, e)
	}
	return out
}

// TestStreamReplicas checks that an event committed on one replica reaches the streams
// of the others: messages, tips, system notifications, member changes, and a kick.
func TestStreamReplicas(t *testing.T) {
	dsn := os.Getenv("TIMD_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("TIMD_TEST_POSTGRES_DSN is not set")
	}
	rs := newStreamReplicas(t, dsn, 3)
	rs[0].group(t, "room", "bob", "carol")
	bob := rs[0].connect(t, "bob", "", nil)
	carol := rs[1].connect(t, "carol", "", nil)
	dave := rs[2].connect(t, "dave", "", nil)
	seq := rs[2].send(t, "room", "alice", "across", nil)
	for who, c := range map[string]*ssetest.Client{"bob": bob, "carol": carol} {
		if ev := nextMessage(t, c); messageText(ev) != "across" || ev.ID != "room:"+seq {
			t.Errorf("%s: got %v, want the message sent on another replica", who, ev)
		}
	}
	rs[1].mustOK(t, "group_open_http_svc/add_group_member", map[string]any{"GroupId": "room", "MemberList": []any{map[string]any{"Member_Account": "dave"}}})
	if ev := nextMessage(t, dave); ev.Name != "joined" {
		t.Errorf("dave added on another replica: got %v, want joined", ev)
	}
	big := strings.Repeat("x", 9000) // over a NOTIFY payload: kept in the store
	rs[0].mustOK(t, "group_open_http_svc/send_group_system_notification", map[string]any{"GroupId": "room", "Content": big})
	for who, c := range map[string]*ssetest.Client{"carol": carol, "dave": dave} {
		ev := nextMessage(t, c)
		if ev.Name != "system" || ev.Data["Content"] != big {
			t.Errorf("%s: got %s event, want the 9,000-byte system notification", who, ev.Name)
		}
	}
	rs[0].mustOK(t, "im_open_login_svc/kick", map[string]any{"UserID": "carol"})
	if ev := nextMessage(t, carol); ev.Name != "close" || ev.Data["Reason"] != "Kicked" {
		t.Errorf("carol kicked on another replica: got %v, want close Kicked", ev)
	}
}

// TestStreamWatch checks that an app admin may watch a group it is no member of, and
// nobody else may.
func TestStreamWatch(t *testing.T) {
	e := newStreamEnv(t, "")
	e.group(t, "room", "bob")
	e.send(t, "room", "alice", "before", nil)
	admin := e.cfg.Apps[0].Admins[0]
	w := e.connect(t, admin, "", url.Values{"group": {"room"}, "since": {"room:0"}})
	if ev := nextMessage(t, w); messageText(ev) != "before" || ev.Data["Notify"] != false {
		t.Errorf("replay to the watching admin: got %v, want before, Notify false", ev)
	}
	e.send(t, "room", "alice", "to bob only", map[string]any{"To_Account": []string{"bob"}})
	if ev := nextMessage(t, w); messageText(ev) != "to bob only" {
		t.Errorf("live to the watching admin: got %v, want every message", ev)
	}
	q := e.query("bob")
	q.Set("group", "room")
	resp, err := http.Get("http://" + e.addr + "/v4/stream?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"ErrorCode":60010`) {
		t.Errorf("bob watching: got %s, want ErrorCode 60010", b)
	}
}

// TestStreamReplicasOnline checks that every replica counts the streams open on all of
// them.
func TestStreamReplicasOnline(t *testing.T) {
	dsn := os.Getenv("TIMD_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("TIMD_TEST_POSTGRES_DSN is not set")
	}
	rs := newStreamReplicas(t, dsn, 3)
	rs[0].group(t, "room", "bob", "carol")
	count := func(e *streamEnv) string {
		return e.mustOK(t, "group_open_http_svc/get_online_member_num", map[string]any{"GroupId": "room"})["OnlineMemberNum"].(json.Number).String()
	}
	bob := rs[0].connect(t, "bob", "", nil)
	rs[1].connect(t, "carol", "", nil)
	for i, e := range rs {
		waitFor(t, func() bool { return count(e) == "2" })
		states := e.mustOK(t, "openim/query_online_status", map[string]any{"To_Account": []string{"bob", "dave"}})["QueryResult"]
		want := []any{map[string]any{"To_Account": "bob", "State": "Online"}, map[string]any{"To_Account": "dave", "State": "Offline"}}
		if d := cmp.Diff(want, states); d != "" {
			t.Errorf("replica %d: query_online_status (-want +got):\n%s", i, d)
		}
	}
	bob.Close()
	for _, e := range rs {
		waitFor(t, func() bool { return count(e) == "1" })
	}
}

// TestStreamTopics checks that a Community topic's messages, tips and recalls stay off
// the stream (docs/compatibility.md §14), while the Community's own messages come.
func TestStreamTopics(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *streamEnv) {
		const g = "@TGS#_comm"
		e.mustOK(t, "group_open_http_svc/create_group", map[string]any{"GroupId": g, "Type": "Community",
			"Name": "c", "Owner_Account": "alice", "SupportTopic": 1, "MemberList": []map[string]any{{"Member_Account": "bob"}}})
		topic := g + "@TOPIC#_t1"
		e.mustOK(t, "million_group_open_http_svc/create_topic", map[string]any{"GroupId": g, "TopicId": topic, "TopicName": "t1"})
		bob := e.connect(t, "bob", "", nil)
		seq := e.send(t, g, "alice", "in topic", map[string]any{"TopicId": topic})
		e.mustOK(t, "group_open_http_svc/group_msg_recall", map[string]any{"GroupId": g, "TopicId": topic,
			"MsgSeqList": []map[string]any{{"MsgSeq": json.Number(seq)}}})
		own := e.send(t, g, "alice", "in the community", nil)
		ev := nextMessage(t, bob)
		if ev.Name != "message" || ev.ID != g+":"+own || messageText(ev) != "in the community" {
			t.Errorf("bob's first event: got %v, want the community's own message %s", ev, own)
		}
		bob.Quiet(t, 200*time.Millisecond)
	})
}
