package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/webhook"
	"github.com/timdhq/timd/timtest"
)

// These tests drive fault injection through /dev/faults and /dev/callbacks, as a test
// suite in another language would (docs/compatibility.md §9).

// faultRule is a rule as GET /dev/faults lists it.
type faultRule struct {
	Id, Command, Action, GroupId, From_Account, Member_Account string
	ErrorCode, Times, Hits, HTTPStatus                         int
}

// mustAddFault adds the rule of body through POST /dev/faults and returns its Id.
func mustAddFault(tb testing.TB, s *timtest.Server, body string) string {
	tb.Helper()
	a := devDo(tb, s, http.MethodPost, "/dev/faults", s.Query(s.Admin()), body)
	wantDev(tb, a, http.StatusOK, im.CodeOK)
	var out struct{ Fault faultRule }
	if err := json.Unmarshal([]byte(a.Raw), &out); err != nil || out.Fault.Id == "" {
		tb.Fatalf("POST /dev/faults: got %s, want the rule with its Id", a.Raw)
	}
	return out.Fault.Id
}

// listFaults returns the app's rules by GET /dev/faults.
func listFaults(tb testing.TB, s *timtest.Server) []faultRule {
	tb.Helper()
	a := devDo(tb, s, http.MethodGet, "/dev/faults", s.Query(s.Admin()), "")
	wantDev(tb, a, http.StatusOK, im.CodeOK)
	var out struct{ Faults []faultRule }
	if err := json.Unmarshal([]byte(a.Raw), &out); err != nil {
		tb.Fatal(err)
	}
	return out.Faults
}

// hits returns the Hits of rule id.
func hits(tb testing.TB, s *timtest.Server, id string) int {
	tb.Helper()
	for _, r := range listFaults(tb, s) {
		if r.Id == id {
			return r.Hits
		}
	}
	tb.Fatalf("rule %s is not listed", id)
	return 0
}

// groupExists reports whether get_group_info finds group.
func groupExists(tb testing.TB, s *timtest.Server, group string) bool {
	tb.Helper()
	var out struct{ GroupInfo []struct{ ErrorCode int } }
	if err := s.MustOK(tb, cmdInfo, map[string]any{"GroupIdList": []string{group}}).Decode(&out); err != nil {
		tb.Fatal(err)
	}
	return out.GroupInfo[0].ErrorCode == 0
}

// post sends a REST call as the admin and returns the HTTP answer, or the transport
// error.
func post(s *timtest.Server, command, body string) (*http.Response, string, error) {
	resp, err := s.Client().Post(s.URL+"/v4/"+command+"?"+s.Query(s.Admin()), "application/json", strings.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, string(raw), err
}

func TestFaultError(t *testing.T) {
	s := newDevServer(t, true)
	id := mustAddFault(t, s, `{"Command":"group_open_http_svc/create_group","Action":"error","ErrorCode":10002,"Times":2}`)
	create := `{"Type":"Public","Name":"g","GroupId":"g1"}`
	for i := range 2 {
		r := s.MustCall(t, cmdCreate, create)
		if r.ErrorCode != 10002 || r.ErrorInfo != "fault injected by timd rule "+id {
			t.Fatalf("call %d: got %d %q, want 10002 naming rule %s", i+1, r.ErrorCode, r.ErrorInfo, id)
		}
		if groupExists(t, s, "g1") {
			t.Fatalf("call %d: the faulted create_group created the group", i+1)
		}
	}
	s.MustOK(t, cmdCreate, create)
	if n := hits(t, s, id); n != 2 {
		t.Errorf("hits: got %d, want 2", n)
	}
	// The journal marks the faulted calls, and only them.
	reqs := devDo(t, s, http.MethodGet, "/dev/requests", s.Query(s.Admin()), "")
	var journal struct {
		Requests []struct{ Command, Fault string }
	}
	json.Unmarshal([]byte(reqs.Raw), &journal)
	var marks []string
	for _, e := range journal.Requests {
		if e.Command == cmdCreate {
			marks = append(marks, e.Fault)
		}
	}
	if want := []string{id, id, ""}; fmt.Sprint(marks) != fmt.Sprint(want) {
		t.Errorf("journal Fault of the create_group calls: got %q, want %q", marks, want)
	}
	// ErrorInfo as given, and the command word alone.
	mustAddFault(t, s, `{"Command":"destroy_group","Action":"error","ErrorCode":10010,"ErrorInfo":"group gone","Times":1}`)
	if r := s.MustCall(t, cmdDestroy, `{"GroupId":"g1"}`); r.ErrorCode != 10010 || r.ErrorInfo != "group gone" {
		t.Errorf("destroy_group: got %d %q, want 10010 \"group gone\"", r.ErrorCode, r.ErrorInfo)
	}
	if !groupExists(t, s, "g1") {
		t.Error("the faulted destroy_group destroyed the group")
	}
}

func TestFaultUntilRemoved(t *testing.T) {
	s := newDevServer(t, true)
	id := mustAddFault(t, s, `{"Command":"*","Action":"error","ErrorCode":70001}`)
	for range 3 {
		if r := s.MustCall(t, cmdInfo, `{"GroupIdList":["x"]}`); r.ErrorCode != 70001 {
			t.Fatalf("get_group_info: got %d, want 70001 from rule *", r.ErrorCode)
		}
	}
	a := devDo(t, s, http.MethodDelete, "/dev/faults", s.Query(s.Admin())+"&id="+id, "")
	wantDev(t, a, http.StatusOK, im.CodeOK)
	if !strings.Contains(a.Raw, `"Removed":1`) {
		t.Errorf("DELETE: got %s, want Removed 1", a.Raw)
	}
	s.MustOK(t, cmdInfo, `{"GroupIdList":["x"]}`)
	wantDev(t, devDo(t, s, http.MethodDelete, "/dev/faults", s.Query(s.Admin())+"&id="+id, ""), http.StatusOK, im.CodeInvalidParam)
	// DELETE without an id removes every rule; /dev/reset too.
	mustAddFault(t, s, `{"Command":"*","Action":"error","ErrorCode":70001}`)
	mustAddFault(t, s, `{"Command":"*","Action":"error","ErrorCode":70001}`)
	devDo(t, s, http.MethodDelete, "/dev/faults", s.Query(s.Admin()), "")
	if n := len(listFaults(t, s)); n != 0 {
		t.Errorf("rules after DELETE without id: got %d, want 0", n)
	}
	mustAddFault(t, s, `{"Command":"*","Action":"error","ErrorCode":70001}`)
	devDo(t, s, http.MethodPost, "/dev/reset", s.Query(s.Admin()), "")
	if n := len(listFaults(t, s)); n != 0 {
		t.Errorf("rules after /dev/reset: got %d, want 0", n)
	}
	// Another app's rules are its own.
	mustAddFault(t, s, `{"Command":"*","Action":"error","ErrorCode":70001}`)
	if a := devDo(t, s, http.MethodGet, "/dev/faults", devQuery(s), ""); !strings.Contains(a.Raw, `"Faults":[]`) {
		t.Errorf("the other app's rules: got %s, want none", a.Raw)
	}
}

func TestFaultMatch(t *testing.T) {
	s := newDevServer(t, true)
	s.MustImportAccounts(t, "alice", "bob", "carol")
	g1 := s.MustCreateGroup(t, "Public", "alice", "bob", "carol")
	g2 := s.MustCreateGroup(t, "Public", "alice", "bob", "carol")
	send := func(group, from string) string {
		return fmt.Sprintf(`{"GroupId":%q,"From_Account":%q,"Random":%d,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}`, group, from, time.Now().UnixNano()%1e9)
	}
	const cmdSend = "group_open_http_svc/send_group_msg"
	tests := []struct {
		name, rule string
		command    string
		hit, miss  string // bodies the rule faults and does not
	}{
		{"GroupId", `{"Command":"send_group_msg","GroupId":"` + g1 + `","Action":"error","ErrorCode":10002}`,
			cmdSend, send(g1, "bob"), send(g2, "bob")},
		{"GroupIdList", `{"Command":"get_group_info","GroupId":"` + g1 + `","Action":"error","ErrorCode":10002}`,
			cmdInfo, `{"GroupIdList":["` + g2 + `","` + g1 + `"]}`, `{"GroupIdList":["` + g2 + `"]}`},
		{"From_Account", `{"Command":"send_group_msg","From_Account":"bob","Action":"error","ErrorCode":10002}`,
			cmdSend, send(g1, "bob"), send(g1, "carol")},
		{"Member_Account", `{"Command":"modify_group_member_info","Member_Account":"bob","Action":"error","ErrorCode":10002}`,
			cmdModify, `{"GroupId":"` + g1 + `","Member_Account":"bob","NameCard":"b"}`, `{"GroupId":"` + g1 + `","Member_Account":"carol","NameCard":"c"}`},
		{"MemberToDel_Account", `{"Command":"delete_group_member","Member_Account":"carol","Action":"error","ErrorCode":10002}`,
			cmdDelete, `{"GroupId":"` + g2 + `","MemberToDel_Account":["carol"]}`, `{"GroupId":"` + g2 + `","MemberToDel_Account":["bob"]}`},
		{"full command name", `{"Command":"group_open_http_svc/get_group_info","Action":"error","ErrorCode":10002}`,
			cmdInfo, `{"GroupIdList":["x"]}`, ""},
		{"every condition", `{"Command":"send_group_msg","GroupId":"` + g1 + `","From_Account":"alice","Action":"error","ErrorCode":10002}`,
			cmdSend, send(g1, "alice"), send(g2, "alice")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := mustAddFault(t, s, tt.rule)
			defer devDo(t, s, http.MethodDelete, "/dev/faults", s.Query(s.Admin())+"&id="+id, "")
			if r := s.MustCall(t, tt.command, tt.hit); r.ErrorCode != 10002 {
				t.Errorf("matching call: got %d (%s), want 10002", r.ErrorCode, r.Raw)
			}
			if tt.miss != "" {
				if r := s.MustCall(t, tt.command, tt.miss); r.ErrorCode == 10002 {
					t.Errorf("other call: got 10002, want it served (%s)", r.Raw)
				}
			}
			if r := s.MustCall(t, "im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"bob"}]}`); r.ErrorCode != 0 {
				t.Errorf("another command: got %d, want OK", r.ErrorCode)
			}
			if n := hits(t, s, id); n != 1 {
				t.Errorf("hits: got %d, want 1", n)
			}
		})
	}
	// The MemberList form of add_group_member.
	mustAddFault(t, s, `{"Command":"add_group_member","Member_Account":"carol","Action":"error","ErrorCode":10002}`)
	s.MustOK(t, cmdDelete, `{"GroupId":"`+g2+`","MemberToDel_Account":["carol"]}`)
	if r := s.MustCall(t, cmdAdd, `{"GroupId":"`+g2+`","MemberList":[{"Member_Account":"carol"}]}`); r.ErrorCode != 10002 {
		t.Errorf("add_group_member of carol: got %d, want 10002", r.ErrorCode)
	}
}

func TestFaultLatency(t *testing.T) {
	s := newDevServer(t, true)
	id := mustAddFault(t, s, `{"Command":"create_group","Action":"latency","Latency":"300ms","Times":1}`)
	start := time.Now()
	s.MustOK(t, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"slow"}`)
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("create_group took %v, want at least the 300ms latency", d)
	}
	if !groupExists(t, s, "slow") {
		t.Error("a call that is only delayed must still be carried out")
	}
	var journal struct {
		Requests []struct{ Command, Fault string }
	}
	json.Unmarshal([]byte(devDo(t, s, http.MethodGet, "/dev/requests", s.Query(s.Admin()), "").Raw), &journal)
	if got := journal.Requests[len(journal.Requests)-2]; got.Command != cmdCreate || got.Fault != id {
		t.Errorf("journal entry of the delayed call: got %+v, want create_group marked %s", got, id)
	}
	// Latency before another action.
	mustAddFault(t, s, `{"Command":"destroy_group","Action":"error","ErrorCode":10002,"Latency":"200ms","Times":1}`)
	start = time.Now()
	if r := s.MustCall(t, cmdDestroy, `{"GroupId":"slow"}`); r.ErrorCode != 10002 || time.Since(start) < 200*time.Millisecond {
		t.Errorf("destroy_group: got %d after %v, want 10002 after 200ms", r.ErrorCode, time.Since(start))
	}
}

func TestFaultClose(t *testing.T) {
	s := newDevServer(t, true)
	id := mustAddFault(t, s, `{"Command":"create_group","Action":"close","Times":1}`)
	_, raw, err := post(s, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"c1"}`)
	if err == nil {
		t.Fatalf("create_group: got an answer %q, want the connection closed", raw)
	}
	if groupExists(t, s, "c1") {
		t.Error("the faulted create_group created the group")
	}
	if n := hits(t, s, id); n != 1 {
		t.Errorf("hits: got %d, want 1", n)
	}
	s.MustOK(t, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"c1"}`)
}

func TestFaultHTTP(t *testing.T) {
	s := newDevServer(t, true)
	mustAddFault(t, s, `{"Command":"create_group","Action":"http","HTTPStatus":503,"Times":1}`)
	mustAddFault(t, s, `{"Command":"create_group","Action":"http","Times":1}`)
	for _, want := range []int{503, 502} {
		resp, raw, err := post(s, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"h1"}`)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want || raw != fmt.Sprintf("%d %s\n", want, http.StatusText(want)) {
			t.Errorf("create_group: got HTTP %d %q, want %d with its status text", resp.StatusCode, raw, want)
		}
	}
	if groupExists(t, s, "h1") {
		t.Error("the faulted create_group created the group")
	}
}

func TestFaultProbability(t *testing.T) {
	s := newDevServer(t, true)
	half := mustAddFault(t, s, `{"Command":"account_check","Action":"error","ErrorCode":10002,"Probability":0.5}`)
	const calls = 200
	faulted := 0
	for range calls {
		if s.MustCall(t, "im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"a"}]}`).ErrorCode == 10002 {
			faulted++
		}
	}
	// 100 expected, standard deviation about 7: the bounds are 7 deviations out.
	if faulted < 50 || faulted > 150 {
		t.Errorf("faulted %d of %d calls at probability 0.5, want about half", faulted, calls)
	}
	if n := hits(t, s, half); n != faulted {
		t.Errorf("hits: got %d, want %d, the faulted calls", n, faulted)
	}
	devDo(t, s, http.MethodDelete, "/dev/faults", s.Query(s.Admin()), "")
	never := mustAddFault(t, s, `{"Command":"account_check","Action":"error","ErrorCode":10002,"Probability":0}`)
	for range 20 {
		s.MustOK(t, "im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"a"}]}`)
	}
	if n := hits(t, s, never); n != 0 {
		t.Errorf("hits at probability 0: got %d, want 0", n)
	}
}

func TestFaultBadRules(t *testing.T) {
	s := newDevServer(t, true)
	for _, body := range []string{
		`{"Action":"error","ErrorCode":10002}`,
		`{"Command":"create_group"}`,
		`{"Command":"create_group","Action":"explode"}`,
		`{"Command":"create_group","Action":"error"}`,
		`{"Command":"create_group","Action":"latency"}`,
		`{"Command":"create_group","Action":"latency","Latency":"soon"}`,
		`{"Command":"create_group","Action":"latency","Latency":"6m"}`,
		`{"Command":"create_group","Action":"http","HTTPStatus":404}`,
		`{"Command":"create_group","Action":"error","ErrorCode":10002,"HTTPStatus":503}`,
		`{"Command":"create_group","Action":"error","ErrorCode":10002,"Times":-1}`,
		`{"Command":"create_group","Action":"error","ErrorCode":10002,"Probability":1.5}`,
		`{"Command":"create_group","Action":"timeout"}`,
		`{"Command":"Group.CallbackBeforeSendMsg","Action":"error","ErrorCode":10002}`,
		`{"Command":"Group.CallbackAfterSendMsg","Action":"refuse"}`,
		`{"Command":"Group.CallbackBeforeSendMsg","Action":"refuse","From_Account":"bob"}`,
		`{"Command":"create_group","Action":"error","ErrorCode":10002,"groupid":"g"}`,
	} {
		a := devDo(t, s, http.MethodPost, "/dev/faults", s.Query(s.Admin()), body)
		if a.Body.ErrorCode != int(im.CodeInvalidParam) || !strings.HasPrefix(a.Body.ErrorInfo, "fault rule: ") {
			t.Errorf("%s: got %s, want 10004 explaining the rule's problem", body, a.Raw)
		}
	}
	if n := len(listFaults(t, s)); n != 0 {
		t.Errorf("rules after refused adds: got %d, want 0", n)
	}
	a := devDo(t, s, http.MethodPut, "/dev/faults", s.Query(s.Admin()), "{}")
	wantDev(t, a, http.StatusMethodNotAllowed, im.CodeBadURL)
	if got := a.Header.Get("Allow"); got != "GET, POST, DELETE" {
		t.Errorf("Allow: got %q, want \"GET, POST, DELETE\"", got)
	}
}

// TestFaultBeforeCallback faults Group.CallbackBeforeCreateGroup: the receiver never
// sees the faulted callbacks.
func TestFaultBeforeCallback(t *testing.T) {
	rc := newCBReceiver(t)
	s := timtest.NewServer(t, &timtest.Options{
		RateLimit: timtest.NoRateLimit,
		Configure: func(c *config.Config) {
			c.Dev = true
			c.Apps[0].Callback = webhook.Config{URL: rc.srv.URL, Timeout: 200 * time.Millisecond, DenyOnFailure: true}
		},
	})
	const before = webhook.BeforeCreateGroup
	mustAddFault(t, s, `{"Command":"`+before+`","Action":"refuse","Times":1}`)
	if r := s.MustCall(t, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"r1"}`); r.ErrorCode != int(im.CodeCallbackRefused) {
		t.Errorf("create_group with the before-callback refusing: got %d, want 10016", r.ErrorCode)
	}
	mustAddFault(t, s, `{"Command":"`+before+`","Action":"refuse","ErrorCode":10150,"ErrorInfo":"no","Times":1}`)
	if r := s.MustCall(t, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"r1"}`); r.ErrorCode != 10150 || r.ErrorInfo != "no" {
		t.Errorf("create_group refused with 10150: got %d %q, want 10150 \"no\"", r.ErrorCode, r.ErrorInfo)
	}
	mustAddFault(t, s, `{"Command":"`+before+`","GroupId":"r1","Action":"timeout","Times":1}`)
	start := time.Now()
	if r := s.MustCall(t, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"r1"}`); r.ErrorCode != int(im.CodeCallbackRefused) {
		t.Errorf("create_group with the before-callback timing out (deny on failure): got %d, want 10016", r.ErrorCode)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("the timed-out callback took %v, want the 200ms timeout", d)
	}
	if n := len(rc.of(before, "")); n != 0 {
		t.Errorf("before-callbacks received during faults: got %d, want 0", n)
	}
	s.MustOK(t, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"r1"}`)
	if n := len(rc.of(before, "")); n != 1 {
		t.Errorf("before-callbacks received once the rules are spent: got %d, want 1", n)
	}
}

// TestPauseCallbacks holds after-callbacks back with /dev/callbacks and lets them go.
func TestPauseCallbacks(t *testing.T) {
	rc := newCBReceiver(t)
	s := timtest.NewServer(t, &timtest.Options{
		RateLimit: timtest.NoRateLimit,
		Configure: func(c *config.Config) {
			c.Dev = true
			c.Apps[0].Callback = webhook.Config{URL: rc.srv.URL}
		},
	})
	a := devDo(t, s, http.MethodPost, "/dev/callbacks", s.Query(s.Admin()), `{"paused":true}`)
	if wantDev(t, a, http.StatusOK, im.CodeOK); !strings.Contains(a.Raw, `"Paused":true`) {
		t.Fatalf("pause: got %s, want Paused true", a.Raw)
	}
	s.MustOK(t, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"p1"}`)
	time.Sleep(500 * time.Millisecond)
	if n := len(rc.of(webhook.AfterCreateGroup, "p1")); n != 0 {
		t.Fatalf("after-callbacks while paused: got %d, want 0", n)
	}
	if a := devDo(t, s, http.MethodPost, "/dev/callbacks", s.Query(s.Admin()), ``); !strings.Contains(a.Raw, `"Paused":true`) {
		t.Errorf("read: got %s, want Paused true", a.Raw)
	}
	a = devDo(t, s, http.MethodPost, "/dev/callbacks", s.Query(s.Admin()), `{"paused":false}`)
	if !strings.Contains(a.Raw, `"Paused":false`) {
		t.Errorf("resume: got %s, want Paused false", a.Raw)
	}
	rc.mustWait(t, webhook.AfterCreateGroup, "p1", 1)

	// The same through timtest.
	s.PauseCallbacks()
	s.MustOK(t, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"p2"}`)
	time.Sleep(300 * time.Millisecond)
	if n := len(rc.of(webhook.AfterCreateGroup, "p2")); n != 0 {
		t.Fatalf("after-callbacks while paused by PauseCallbacks: got %d, want 0", n)
	}
	s.ResumeCallbacks()
	rc.mustWait(t, webhook.AfterCreateGroup, "p2", 1)
}

// TestTimtestFaults drives the same through timtest's typed helpers.
func TestTimtestFaults(t *testing.T) {
	s := timtest.NewServer(t, nil)
	id := s.MustAddFault(t, timtest.Fault{Command: "create_group", Action: timtest.FaultError, ErrorCode: 10002, Times: 1})
	if r := s.MustCall(t, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"t1"}`); r.ErrorCode != 10002 {
		t.Errorf("create_group: got %d, want 10002", r.ErrorCode)
	}
	s.MustOK(t, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"t1"}`)
	if got := s.FaultHits(id); got != 1 {
		t.Errorf("FaultHits: got %d, want 1", got)
	}
	fs := s.Faults()
	if len(fs) != 1 || fs[0].ID != id || fs[0].Action != timtest.FaultError || fs[0].Times != 1 {
		t.Errorf("Faults: got %+v, want the one rule", fs)
	}
	if _, err := s.AddFault(timtest.Fault{Command: "create_group", Action: timtest.FaultLatency}); err == nil {
		t.Error("AddFault of a latency rule without Latency: got no error")
	}
	s.MustAddFault(t, timtest.Fault{Command: "destroy_group", Action: timtest.FaultClose})
	if _, err := s.Call(context.Background(), cmdDestroy, `{"GroupId":"t1"}`); err == nil {
		t.Error("destroy_group under a close rule: got an answer, want a transport error")
	}
	if !s.RemoveFault(id) || s.RemoveFault(id) {
		t.Error("RemoveFault: want true once, then false")
	}
	s.ClearFaults()
	s.MustOK(t, cmdDestroy, `{"GroupId":"t1"}`)
}
