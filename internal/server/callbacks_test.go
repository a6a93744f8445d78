package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/webhook"
	"github.com/timdhq/timd/timtest"
)

// These tests run timd with a callback URL pointing at a real HTTP receiver and check
// each callback's query and body field by field (Tencent's docs, see docs/compatibility.md Sources, docs/compatibility.md §7).

const (
	cbToken     = "xxxxyyyy"
	cbOK        = `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`
	cmdImport   = "im_open_login_svc/multiaccount_import"
	cmdCreate   = "group_open_http_svc/create_group"
	cmdAdd      = "group_open_http_svc/add_group_member"
	cmdDelete   = "group_open_http_svc/delete_group_member"
	cmdDestroy  = "group_open_http_svc/destroy_group"
	cmdBase     = "group_open_http_svc/modify_group_base_info"
	cmdModify   = "group_open_http_svc/modify_group_member_info"
	cmdOwner    = "group_open_http_svc/change_group_owner"
	cmdImportG  = "group_open_http_svc/import_group"
	cmdImportM  = "group_open_http_svc/import_group_member"
	cmdInfo     = "group_open_http_svc/get_group_info"
	cmdMembers  = "group_open_http_svc/get_group_member_info"
	waitTimeout = 10 * time.Second
)

// callback is one request the receiver got, its body decoded with json.Number numbers.
type callback struct {
	Query url.Values
	Body  map[string]any
	Raw   []byte
}

// Command returns the CallbackCommand of the query.
func (c callback) Command() string { return c.Query.Get("CallbackCommand") }

// cbReceiver is an app's callback endpoint. It records every callback and answers each
// command with the body set for it (cbOK by default), or with gate's status while gate
// is not 200.
type cbReceiver struct {
	srv *httptest.Server

	mu      sync.Mutex
	got     []callback
	answers map[string]string
	delays  map[string]time.Duration
	status  int // HTTP status of after-callbacks; 200 when zero
}

func newCBReceiver(tb testing.TB) *cbReceiver {
	tb.Helper()
	rc := &cbReceiver{answers: map[string]string{}, delays: map[string]time.Duration{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	tb.Cleanup(rc.srv.Close)
	return rc
}

func (rc *cbReceiver) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	c := callback{Query: r.URL.Query(), Raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&c.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, c)
	answer, ok := rc.answers[c.Command()]
	delay, status := rc.delays[c.Command()], rc.status
	rc.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 && status != http.StatusOK && strings.Contains(c.Command(), ".CallbackAfter") {
		w.WriteHeader(status)
		return
	}
	if !ok {
		answer = cbOK
	}
	io.WriteString(w, answer)
}

// answer makes the receiver answer command with body.
func (rc *cbReceiver) answer(command, body string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.answers[command] = body
}

// delay makes the receiver answer command only after d.
func (rc *cbReceiver) delay(command string, d time.Duration) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.delays[command] = d
}

// setStatus makes the receiver answer after-callbacks with HTTP status.
func (rc *cbReceiver) setStatus(status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status = status
}

// all returns every callback received so far.
func (rc *cbReceiver) all() []callback {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]callback(nil), rc.got...)
}

// of returns the callbacks of command received so far, for group (any group if "").
func (rc *cbReceiver) of(command, group string) []callback {
	var out []callback
	for _, c := range rc.all() {
		if c.Command() == command && (group == "" || c.Body["GroupId"] == group) {
			out = append(out, c)
		}
	}
	return out
}

// mustWait waits until n callbacks of command for group (any if "") have arrived and
// returns them.
func (rc *cbReceiver) mustWait(tb testing.TB, command, group string, n int) []callback {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		got := rc.of(command, group)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			tb.Fatalf("got %d %s callbacks for group %q within %v, want %d; all: %s", len(got), command, group, waitTimeout, n, rc.summary())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// summary lists the commands received, for failure messages.
func (rc *cbReceiver) summary() string {
	var b strings.Builder
	for _, c := range rc.all() {
		fmt.Fprintf(&b, "\n  %s %s", c.Command(), c.Raw)
	}
	return b.String()
}

// newCBServer starts timd with callbacks to a new receiver; edit may change the callback
// configuration further.
func newCBServer(tb testing.TB, edit func(*webhook.Config)) (*timtest.Server, *cbReceiver) {
	tb.Helper()
	rc := newCBReceiver(tb)
	s := timtest.NewServer(tb, &timtest.Options{
		MemberFields: []string{"Level"},
		GroupFields:  []string{"Topic"},
		Configure: func(c *config.Config) {
			c.Apps[0].RateLimits = config.RateLimits{}
			cb := webhook.Config{
				URL: rc.srv.URL + "/im/callback", Token: cbToken, Timeout: 300 * time.Millisecond,
				RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond,
			}
			if edit != nil {
				edit(&cb)
			}
			c.Apps[0].Callback = cb
		},
	})
	s.MustOK(tb, cmdImport, map[string]any{"Accounts": []string{"alice", "bob", "carol", "dave", "erin"}})
	return s, rc
}

// mustQuery checks the query of c: Tencent's five parameters and a valid signature.
func mustQuery(tb testing.TB, s *timtest.Server, c callback, command string) {
	tb.Helper()
	q := c.Query
	want := map[string]string{
		"SdkAppid": strconv.FormatUint(s.SDKAppID(), 10), "CallbackCommand": command, "contenttype": "json",
		"ClientIP": "127.0.0.1", "OptPlatform": "RESTAPI",
	}
	for k, v := range want {
		if got := q.Get(k); got != v {
			tb.Errorf("%s query %s: got %q, want %q", command, k, got, v)
		}
	}
	rt, err := strconv.ParseInt(q.Get("RequestTime"), 10, 64)
	if err != nil || rt < s.Now().Unix()-60 || rt > s.Now().Unix()+1 {
		tb.Errorf("%s query RequestTime: got %q, want the unix time of the server", command, q.Get("RequestTime"))
	}
	sum := sha256.Sum256([]byte(cbToken + q.Get("RequestTime")))
	if got, want := q.Get("Sign"), hex.EncodeToString(sum[:]); got != want {
		tb.Errorf("%s query Sign: got %q, want sha256(token+RequestTime) = %q", command, got, want)
	}
	if len(q) != 7 {
		tb.Errorf("%s query has %d keys, want 7: %v", command, len(q), q)
	}
}

// mustBody checks the body of c field by field: EventTime is a JSON integer of unix
// milliseconds near the server's time, and the other fields are exactly want (numbers as
// json.Number) plus CallbackCommand.
func mustBody(tb testing.TB, s *timtest.Server, c callback, want map[string]any) {
	tb.Helper()
	got := map[string]any{}
	for k, v := range c.Body {
		got[k] = v
	}
	command := c.Command()
	n, ok := got["EventTime"].(json.Number)
	ms, err := n.Int64()
	if now := s.Now().UnixMilli(); !ok || err != nil || ms < now-60_000 || ms > now+1000 {
		tb.Errorf("%s EventTime: got %#v, want a JSON integer of unix ms near %d", command, got["EventTime"], now)
	}
	delete(got, "EventTime")
	w := map[string]any{"CallbackCommand": command}
	for k, v := range want {
		w[k] = v
	}
	if diff := cmp.Diff(w, got); diff != "" {
		tb.Errorf("%s body mismatch (-want +got):\n%s\nraw: %s", command, diff, c.Raw)
	}
}

// mustCallback checks one callback's query and body.
func mustCallback(tb testing.TB, s *timtest.Server, c callback, want map[string]any) {
	tb.Helper()
	mustQuery(tb, s, c, c.Command())
	mustBody(tb, s, c, want)
}

// accounts is a callback's list of {"Member_Account": ...} as decoded JSON.
func accounts(ids ...string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"Member_Account": id}
	}
	return out
}

// members is a REST MemberList.
func members(ids ...string) []map[string]any {
	out := make([]map[string]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"Member_Account": id}
	}
	return out
}

// mustGroup creates a Public group id owned by alice with the other members.
func mustGroup(tb testing.TB, s *timtest.Server, id string, others ...string) {
	tb.Helper()
	s.MustOK(tb, cmdCreate, map[string]any{"GroupId": id, "Owner_Account": "alice", "Type": "Public", "Name": "team " + id, "MemberList": members(others...)})
}

// mustCode fails the test unless the answer of command has ErrorCode want.
func mustCode(tb testing.TB, s *timtest.Server, command string, body any, want int) *timtest.Response {
	tb.Helper()
	r := s.MustCall(tb, command, body)
	if r.ErrorCode != want {
		tb.Fatalf("%s: got ErrorCode %d (%s), want %d", command, r.ErrorCode, r.ErrorInfo, want)
	}
	return r
}

// fence changes the group's Introduction and waits for its callback. Callbacks of one
// group arrive in order, so once the fence has arrived every earlier event of the group
// has too; n is how many fences the group has had before.
func fence(tb testing.TB, s *timtest.Server, rc *cbReceiver, group string, n int) {
	tb.Helper()
	s.MustOK(tb, cmdBase, map[string]any{"GroupId": group, "Introduction": fmt.Sprintf("fence %d", n)})
	rc.mustWait(tb, webhook.AfterGroupInfoChanged, group, n+1)
}

// commandsOf lists the commands of after-callbacks for group, in arrival order.
func commandsOf(rc *cbReceiver, group string) []string {
	var out []string
	for _, c := range rc.all() {
		if c.Body["GroupId"] == group && strings.HasPrefix(c.Command(), "Group.CallbackAfter") {
			out = append(out, c.Command())
		}
	}
	return out
}

func TestCallbackCreateGroup(t *testing.T) {
	s, rc := newCBServer(t, nil)
	s.MustOK(t, cmdCreate, map[string]any{
		"GroupId": "team-1", "Owner_Account": "alice", "Type": "Public", "Name": "team",
		"MemberList": members("bob", "carol"), "AppDefinedData": []map[string]string{{"Key": "Topic", "Value": "go"}},
	})
	before := rc.of(webhook.BeforeCreateGroup, "")
	if len(before) != 1 {
		t.Fatalf("got %d %s callbacks before create_group answered, want 1", len(before), webhook.BeforeCreateGroup)
	}
	mustCallback(t, s, before[0], map[string]any{
		"Operator_Account": "administrator", "Owner_Account": "alice", "Type": "Public", "Name": "team",
		"CreateGroupNum": json.Number("0"), "MemberList": accounts("bob", "carol"),
	})
	after := rc.mustWait(t, webhook.AfterCreateGroup, "team-1", 1)
	mustCallback(t, s, after[0], map[string]any{
		"GroupId": "team-1", "Operator_Account": "administrator", "Owner_Account": "alice", "Type": "Public",
		"Name": "team", "MemberList": accounts("bob", "carol"), // the owner apart (docs/compatibility.md §7)
		"UserDefinedDataList": []any{map[string]any{"Key": "Topic", "Value": "go"}},
	})

	t.Run("CreateGroupNum counts the owner's groups of the type", func(t *testing.T) {
		s.MustOK(t, cmdCreate, map[string]any{"Owner_Account": "alice", "Type": "Public", "Name": "second"})
		s.MustOK(t, cmdCreate, map[string]any{"Owner_Account": "alice", "Type": "Private", "Name": "work"})
		s.MustOK(t, cmdCreate, map[string]any{"Owner_Account": "alice", "Type": "Public", "Name": "third"})
		var got []string
		for _, c := range rc.of(webhook.BeforeCreateGroup, "") {
			got = append(got, fmt.Sprint(c.Body["Type"], c.Body["CreateGroupNum"]))
		}
		if diff := cmp.Diff([]string{"Public0", "Public1", "Private0", "Public2"}, got); diff != "" {
			t.Errorf("Type and CreateGroupNum mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("CreateGroupNum leaves out destroyed groups and counts groups handed over", func(t *testing.T) {
		lastNum := func(t *testing.T, owner string) string {
			t.Helper()
			s.MustOK(t, cmdCreate, map[string]any{"Owner_Account": owner, "Type": "Public", "Name": "probe"})
			all := rc.of(webhook.BeforeCreateGroup, "")
			return fmt.Sprint(all[len(all)-1].Body["CreateGroupNum"])
		}
		// alice owns the Public team-1, second, third, and the probe each call adds.
		if got := lastNum(t, "alice"); got != "3" {
			t.Fatalf("alice's Public groups before: got CreateGroupNum %s, want 3", got)
		}
		s.MustOK(t, cmdDestroy, map[string]any{"GroupId": "team-1"})
		if got := lastNum(t, "alice"); got != "3" { // 4 - team-1
			t.Errorf("after destroying one: got CreateGroupNum %s, want 3", got)
		}
		s.MustOK(t, cmdCreate, map[string]any{"GroupId": "handed", "Owner_Account": "bob", "Type": "Public", "Name": "h", "MemberList": members("alice")})
		s.MustOK(t, cmdOwner, map[string]any{"GroupId": "handed", "NewOwner_Account": "alice"})
		if got := lastNum(t, "alice"); got != "5" { // 3 + the last probe + handed
			t.Errorf("after a group was handed to alice: got CreateGroupNum %s, want 5", got)
		}
		if got := lastNum(t, "bob"); got != "0" {
			t.Errorf("bob after handing his group over: got CreateGroupNum %s, want 0", got)
		}
	})

	t.Run("MemberList without the owner, each account once", func(t *testing.T) {
		s.MustOK(t, cmdCreate, map[string]any{"GroupId": "dups", "Owner_Account": "alice", "Type": "Public", "Name": "d",
			"MemberList": members("alice", "bob", "carol", "bob")})
		before := rc.of(webhook.BeforeCreateGroup, "")
		if got := before[len(before)-1].Body["MemberList"]; !cmp.Equal(got, accounts("bob", "carol")) {
			t.Errorf("BeforeCreateGroup MemberList: got %v, want bob, carol", got)
		}
		after := rc.mustWait(t, webhook.AfterCreateGroup, "dups", 1)
		if got := after[0].Body["MemberList"]; !cmp.Equal(got, accounts("bob", "carol")) {
			t.Errorf("AfterCreateGroup MemberList: got %v, want bob, carol", got)
		}
	})

	t.Run("refused with 10016 and no group", func(t *testing.T) {
		rc.answer(webhook.BeforeCreateGroup, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"no"}`)
		mustCode(t, s, cmdCreate, map[string]any{"GroupId": "refused", "Owner_Account": "alice", "Type": "Public", "Name": "x"}, 10016)
		rc.answer(webhook.BeforeCreateGroup, `{"ActionStatus":"FAIL","ErrorCode":10150,"ErrorInfo":"too many groups"}`)
		r := mustCode(t, s, cmdCreate, map[string]any{"GroupId": "refused", "Owner_Account": "alice", "Type": "Public", "Name": "x"}, 10150)
		if r.ErrorInfo != "too many groups" || r.ActionStatus != "FAIL" {
			t.Errorf("got ActionStatus %q ErrorInfo %q, want FAIL and the app's ErrorInfo", r.ActionStatus, r.ErrorInfo)
		}
		info := s.MustOK(t, cmdInfo, map[string]any{"GroupIdList": []string{"refused"}})
		if list, _ := info.Fields["GroupInfo"].([]any); len(list) != 1 || fmt.Sprint(list[0].(map[string]any)["ErrorCode"]) != "10010" {
			t.Errorf("get_group_info of the refused group: got %s, want ErrorCode 10010", info.Raw)
		}
		// Allowed again, the same ID is free and its AfterCreateGroup is the only one.
		rc.answer(webhook.BeforeCreateGroup, cbOK)
		mustGroup(t, s, "refused")
		rc.mustWait(t, webhook.AfterCreateGroup, "refused", 1)
		fence(t, s, rc, "refused", 0)
		if got := rc.of(webhook.AfterCreateGroup, "refused"); len(got) != 1 {
			t.Errorf("got %d AfterCreateGroup for the group, want 1 (none for the refused calls)", len(got))
		}
	})

	t.Run("a before-callback that times out allows", func(t *testing.T) {
		rc.delay(webhook.BeforeCreateGroup, 2*time.Second)
		defer rc.delay(webhook.BeforeCreateGroup, 0)
		rc.answer(webhook.BeforeCreateGroup, `{"ErrorCode":1}`)
		defer rc.answer(webhook.BeforeCreateGroup, cbOK)
		start := time.Now()
		mustGroup(t, s, "slow-app")
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Errorf("create_group took %v with a 300ms callback timeout", d)
		}
		rc.mustWait(t, webhook.AfterCreateGroup, "slow-app", 1)
	})
}

func TestCallbackBeforeCreateDenyOnFailure(t *testing.T) {
	s, rc := newCBServer(t, func(c *webhook.Config) { c.DenyOnFailure = true })
	rc.answer(webhook.BeforeCreateGroup, "not json")
	mustCode(t, s, cmdCreate, map[string]any{"GroupId": "g", "Owner_Account": "alice", "Type": "Public", "Name": "x"}, 10016)
}

func TestCallbackAddMembers(t *testing.T) {
	s, rc := newCBServer(t, nil)
	mustGroup(t, s, "g")
	rc.answer(webhook.BeforeInviteJoinGroup, `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RefusedMembers_Account":["carol"]}`)
	r := s.MustOK(t, cmdAdd, map[string]any{"GroupId": "g", "MemberList": members("bob", "carol", "dave", "ghost")})
	var resp struct {
		MemberList []struct {
			Member_Account string
			Result         int
		}
	}
	if err := r.Decode(&resp); err != nil {
		t.Fatal(err)
	}
	results := map[string]int{}
	for _, m := range resp.MemberList {
		results[m.Member_Account] = m.Result
	}
	if diff := cmp.Diff(map[string]int{"bob": 1, "carol": 0, "dave": 1, "ghost": 0}, results); diff != "" {
		t.Errorf("add_group_member results mismatch (-want +got):\n%s", diff)
	}
	before := rc.of(webhook.BeforeInviteJoinGroup, "g")
	if len(before) != 1 {
		t.Fatalf("got %d %s callbacks, want 1", len(before), webhook.BeforeInviteJoinGroup)
	}
	mustCallback(t, s, before[0], map[string]any{
		"GroupId": "g", "Type": "Public", "Operator_Account": "administrator",
		"DestinationMembers": accounts("bob", "carol", "dave", "ghost"),
	})
	joined := rc.mustWait(t, webhook.AfterNewMemberJoin, "g", 1)
	mustCallback(t, s, joined[0], map[string]any{
		"GroupId": "g", "Type": "Public", "JoinType": "Invited", "Operator_Account": "administrator",
		"NewMemberList": accounts("bob", "dave"),
	})

	t.Run("refused with 10016 adds nobody", func(t *testing.T) {
		rc.answer(webhook.BeforeInviteJoinGroup, `{"ErrorCode":1}`)
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": "g", "MemberList": members("erin")}, 10016)
		rc.answer(webhook.BeforeInviteJoinGroup, cbOK)
		fence(t, s, rc, "g", 0)
		if got := rc.of(webhook.AfterNewMemberJoin, "g"); len(got) != 1 {
			t.Errorf("got %d AfterNewMemberJoin, want 1 (none for the refused call)", len(got))
		}
	})
	t.Run("adding only members sends no AfterNewMemberJoin", func(t *testing.T) {
		s.MustOK(t, cmdAdd, map[string]any{"GroupId": "g", "MemberList": members("bob")})
		fence(t, s, rc, "g", 1)
		if got := rc.of(webhook.AfterNewMemberJoin, "g"); len(got) != 1 {
			t.Errorf("got %d AfterNewMemberJoin, want still 1", len(got))
		}
	})
}

func TestCallbackGroupFull(t *testing.T) {
	s, rc := newCBServer(t, nil)
	s.MustOK(t, cmdCreate, map[string]any{"GroupId": "small", "Owner_Account": "alice", "Type": "Public", "Name": "small", "MaxMemberCount": 3})
	s.MustOK(t, cmdAdd, map[string]any{"GroupId": "small", "MemberList": members("bob")})
	s.MustOK(t, cmdAdd, map[string]any{"GroupId": "small", "MemberList": members("carol")})
	full := rc.mustWait(t, webhook.AfterGroupFull, "small", 1)
	mustCallback(t, s, full[0], map[string]any{"GroupId": "small"})
	want := []string{webhook.AfterCreateGroup, webhook.AfterNewMemberJoin, webhook.AfterNewMemberJoin, webhook.AfterGroupFull}
	got := commandsOf(rc, "small")
	got = got[len(got)-len(want):]
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("callbacks of the group mismatch (-want +got):\n%s", diff)
	}
}

func TestCallbackMemberExitAndDestroy(t *testing.T) {
	s, rc := newCBServer(t, nil)
	mustGroup(t, s, "g", "bob", "carol", "dave")
	s.MustOK(t, cmdDelete, map[string]any{"GroupId": "g", "MemberToDel_Account": []string{"bob", "erin", "dave"}})
	exit := rc.mustWait(t, webhook.AfterMemberExit, "g", 1)
	mustCallback(t, s, exit[0], map[string]any{
		"GroupId": "g", "Type": "Public", "ExitType": "Kicked", "Operator_Account": "administrator",
		"ExitMemberList": accounts("bob", "dave"),
	})
	s.MustOK(t, cmdDelete, map[string]any{"GroupId": "g", "MemberToDel_Account": []string{"erin"}})
	s.MustOK(t, cmdDestroy, map[string]any{"GroupId": "g"})
	destroyed := rc.mustWait(t, webhook.AfterGroupDestroyed, "g", 1)
	mustCallback(t, s, destroyed[0], map[string]any{
		"GroupId": "g", "Type": "Public", "Owner_Account": "alice", "Name": "team g",
		"MemberList": accounts("alice", "carol"),
	})
	want := []string{webhook.AfterCreateGroup, webhook.AfterMemberExit, webhook.AfterGroupDestroyed}
	if diff := cmp.Diff(want, commandsOf(rc, "g")); diff != "" {
		t.Errorf("callbacks of the group mismatch (-want +got); removing a non-member sends none:\n%s", diff)
	}
}

func TestCallbackGroupInfoChanged(t *testing.T) {
	s, rc := newCBServer(t, nil)
	mustGroup(t, s, "g")
	s.MustOK(t, cmdBase, map[string]any{"GroupId": "g", "Name": "renamed", "Notification": "hello", "MaxMemberNum": 100})
	changed := rc.mustWait(t, webhook.AfterGroupInfoChanged, "g", 1)
	mustCallback(t, s, changed[0], map[string]any{
		"GroupId": "g", "Type": "Public", "Operator_Account": "administrator", "Name": "renamed", "Notification": "hello",
	})
	// Options and custom data are not what the callback reports: no callback.
	s.MustOK(t, cmdBase, map[string]any{"GroupId": "g", "MaxMemberNum": 200, "ApplyJoinOption": "FreeAccess"})
	s.MustOK(t, cmdBase, map[string]any{"GroupId": "g", "AppDefinedData": []map[string]string{{"Key": "Topic", "Value": "x"}}})
	s.MustOK(t, cmdBase, map[string]any{"GroupId": "g", "FaceUrl": "https://example.com/f.png", "Introduction": ""})
	changed = rc.mustWait(t, webhook.AfterGroupInfoChanged, "g", 2)
	if len(changed) != 2 {
		t.Fatalf("got %d AfterGroupInfoChanged, want 2: %s", len(changed), rc.summary())
	}
	mustCallback(t, s, changed[1], map[string]any{
		"GroupId": "g", "Type": "Public", "Operator_Account": "administrator",
		"FaceUrl": "https://example.com/f.png", "Introduction": "",
	})
}

func TestCallbackMemberFieldChanged(t *testing.T) {
	s, rc := newCBServer(t, nil)
	mustGroup(t, s, "g", "bob")
	s.MustOK(t, cmdModify, map[string]any{
		"GroupId": "g", "Member_Account": "bob", "Role": "Admin", "NameCard": "Bobby", "MuteTime": 60,
		"MsgFlag": "AcceptNotNotify", "AppMemberDefinedData": []map[string]string{{"Key": "Level", "Value": "3"}},
	})
	// A failed call, a MsgFlag-only call and an empty call send nothing.
	mustCode(t, s, cmdModify, map[string]any{"GroupId": "g", "Member_Account": "bob", "NameCard": strings.Repeat("n", 51)}, 10004)
	mustCode(t, s, cmdModify, map[string]any{"GroupId": "g", "Member_Account": "bob", "Role": "Admin", "MuteTime": -1}, 10004)
	s.MustOK(t, cmdModify, map[string]any{"GroupId": "g", "Member_Account": "bob", "MsgFlag": "Discard"})
	s.MustOK(t, cmdModify, map[string]any{"GroupId": "g", "Member_Account": "bob"})
	s.MustOK(t, cmdModify, map[string]any{"GroupId": "g", "Member_Account": "bob", "NameCard": "B"})
	s.MustOK(t, cmdModify, map[string]any{"GroupId": "g", "Member_Account": "bob", "MuteTime": 0, "AppMemberDefinedData": []map[string]string{{"Key": "Level", "Value": ""}}})
	got := rc.mustWait(t, webhook.AfterMemberFieldChanged, "g", 3)
	fence(t, s, rc, "g", 0)
	got = rc.of(webhook.AfterMemberFieldChanged, "g")
	if len(got) != 3 {
		t.Fatalf("got %d AfterMemberFieldChanged, want 3 (one per successful call that changed a reported field): %s", len(got), rc.summary())
	}
	head := map[string]any{"GroupId": "g", "Type": "Public", "Operator_Account": "administrator", "Member_Account": "bob", "Modified_Account": "bob"}
	with := func(fields map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range head {
			out[k] = v
		}
		for k, v := range fields {
			out[k] = v
		}
		return out
	}
	mustCallback(t, s, got[0], with(map[string]any{
		"Role": "Admin", "NameCard": "Bobby", "MuteTime": json.Number("60"),
		"AppMemberDefinedData": []any{map[string]any{"Key": "Level", "Value": "3"}},
	}))
	mustCallback(t, s, got[1], with(map[string]any{"NameCard": "B"}))
	mustCallback(t, s, got[2], with(map[string]any{
		"MuteTime":             json.Number("0"),
		"AppMemberDefinedData": []any{map[string]any{"Key": "Level", "Value": ""}},
	}))
}

func TestCallbackChangeGroupOwner(t *testing.T) {
	s, rc := newCBServer(t, nil)
	mustGroup(t, s, "g", "bob")
	s.MustOK(t, cmdOwner, map[string]any{"GroupId": "g", "NewOwner_Account": "bob"})
	got := rc.mustWait(t, webhook.AfterChangeGroupOwner, "g", 1)
	mustCallback(t, s, got[0], map[string]any{
		"GroupId": "g", "Type": "Public", "Operator_Account": "administrator",
		"OldOwner_Account": "alice", "NewOwner_Account": "bob",
	})
	// Handing the group to its owner changes nothing and sends nothing.
	s.MustOK(t, cmdOwner, map[string]any{"GroupId": "g", "NewOwner_Account": "bob"})
	fence(t, s, rc, "g", 0)
	if n := len(rc.of(webhook.AfterChangeGroupOwner, "g")); n != 1 {
		t.Errorf("got %d AfterChangeGroupOwner, want 1", n)
	}
}

func TestCallbackImportsSendNone(t *testing.T) {
	s, rc := newCBServer(t, nil)
	s.MustOK(t, cmdImportG, map[string]any{"GroupId": "old", "Owner_Account": "alice", "Type": "Public", "Name": "old", "CreateTime": s.Now().Unix() - 3600,
		"MemberList": members("bob")})
	s.MustOK(t, cmdImportM, map[string]any{"GroupId": "old", "MemberList": []map[string]any{{"Member_Account": "carol", "JoinTime": s.Now().Unix() - 60}}})
	fence(t, s, rc, "old", 0)
	if diff := cmp.Diff([]string{webhook.AfterGroupInfoChanged}, commandsOf(rc, "old")); diff != "" {
		t.Errorf("callbacks of an imported group mismatch (-want +got):\n%s", diff)
	}
	for _, c := range rc.all() {
		if strings.Contains(c.Command(), "Before") {
			t.Errorf("an import sent %s: %s", c.Command(), c.Raw)
		}
	}
}

func TestCallbackCommandsFilter(t *testing.T) {
	s, rc := newCBServer(t, func(c *webhook.Config) {
		c.Commands = []string{webhook.AfterMemberExit, webhook.AfterGroupDestroyed}
	})
	mustGroup(t, s, "g", "bob")
	s.MustOK(t, cmdAdd, map[string]any{"GroupId": "g", "MemberList": members("carol")})
	s.MustOK(t, cmdModify, map[string]any{"GroupId": "g", "Member_Account": "bob", "NameCard": "B"})
	s.MustOK(t, cmdDelete, map[string]any{"GroupId": "g", "MemberToDel_Account": []string{"bob"}})
	s.MustOK(t, cmdDestroy, map[string]any{"GroupId": "g"})
	rc.mustWait(t, webhook.AfterGroupDestroyed, "g", 1)
	var got []string
	for _, c := range rc.all() {
		got = append(got, c.Command())
	}
	if diff := cmp.Diff([]string{webhook.AfterMemberExit, webhook.AfterGroupDestroyed}, got); diff != "" {
		t.Errorf("callbacks mismatch (-want +got):\n%s", diff)
	}
}

func TestCallbackWithoutToken(t *testing.T) {
	s, rc := newCBServer(t, func(c *webhook.Config) { c.Token = "" })
	mustGroup(t, s, "g")
	c := rc.mustWait(t, webhook.AfterCreateGroup, "g", 1)[0]
	if c.Query.Has("Sign") || c.Query.Has("RequestTime") {
		t.Errorf("without a token the query has Sign or RequestTime: %v", c.Query)
	}
	if len(c.Query) != 5 {
		t.Errorf("query has %d keys, want 5: %v", len(c.Query), c.Query)
	}
}

// sumMetric sums the samples of /metrics whose line matches pattern (one capture group
// around the value).
func sumMetric(tb testing.TB, s *timtest.Server, pattern string) float64 {
	tb.Helper()
	resp, err := s.Client().Get(s.URL + "/metrics")
	if err != nil {
		tb.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	total := 0.0
	for _, m := range regexp.MustCompile(`(?m)`+pattern).FindAllSubmatch(body, -1) {
		v, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			tb.Fatalf("metric %q: %v", m[0], err)
		}
		total += v
	}
	return total
}

func TestCallbackMetricsAndRetry(t *testing.T) {
	s, rc := newCBServer(t, nil)
	rc.setStatus(http.StatusInternalServerError)
	for i := range 3 {
		mustGroup(t, s, fmt.Sprintf("g%d", i), "bob")
	}
	const depth = `^timd_callback_outbox_depth (\S+)$`
	if got := sumMetric(t, s, depth); got != 3 {
		t.Errorf("outbox depth while the app fails: got %v, want 3", got)
	}
	rc.mustWait(t, webhook.AfterCreateGroup, "g0", 3) // two failures and more
	failed := sumMetric(t, s, `^timd_callbacks_total\{command="Group.CallbackAfterCreateGroup",outcome="failed"\} (\S+)$`)
	if failed < 3 {
		t.Errorf("failed attempts: got %v, want at least 3", failed)
	}
	rc.setStatus(http.StatusOK)
	deadline := time.Now().Add(waitTimeout)
	for sumMetric(t, s, depth) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("outbox depth still %v after %v", sumMetric(t, s, depth), waitTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	delivered := sumMetric(t, s, `^timd_callbacks_total\{command="Group.CallbackAfterCreateGroup",outcome="delivered"\} (\S+)$`)
	if delivered != 3 {
		t.Errorf("delivered: got %v, want 3", delivered)
	}
	if n := sumMetric(t, s, `^timd_callback_duration_seconds_count (\S+)$`); n != 3 {
		t.Errorf("latency observations: got %v, want 3", n)
	}
	for i := range 3 {
		group := fmt.Sprintf("g%d", i)
		got := rc.of(webhook.AfterCreateGroup, group)
		mustCallback(t, s, got[len(got)-1], map[string]any{
			"GroupId": group, "Operator_Account": "administrator", "Owner_Account": "alice", "Type": "Public",
			"Name": "team " + group, "MemberList": accounts("bob"), "UserDefinedDataList": []any{},
		})
	}
}
