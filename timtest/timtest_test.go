package timtest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/timdhq/timd/timtest"
)

// These tests use only the public API, as a program outside timd would.

// mutedAccounts returns the accounts get_group_muted_account lists for group.
func mutedAccounts(t *testing.T, s *timtest.Server, group string) []string {
	t.Helper()
	var answer struct {
		MutedAccountList []struct {
			Member_Account string
			MutedUntil     int64
		}
	}
	r := s.MustOK(t, "group_open_http_svc/get_group_muted_account", map[string]any{"GroupId": group})
	if err := r.Decode(&answer); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range answer.MutedAccountList {
		ids = append(ids, m.Member_Account)
	}
	return ids
}

// roles returns each member's Role by get_role_in_group.
func roles(t *testing.T, s *timtest.Server, group string, accounts ...string) map[string]string {
	t.Helper()
	var answer struct {
		UserIdList []struct{ Member_Account, Role string }
	}
	r := s.MustOK(t, "group_open_http_svc/get_role_in_group", map[string]any{"GroupId": group, "User_Account": accounts})
	if err := r.Decode(&answer); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, u := range answer.UserIdList {
		out[u.Member_Account] = u.Role
	}
	return out
}

// TestMuteExpires is issue 8's "done when": create a group, add members, set an admin,
// mute a member, advance the clock past the mute and see it expire.
func TestMuteExpires(t *testing.T) {
	s := timtest.NewServer(t, nil)
	s.MustImportAccounts(t, "alice", "bob", "carol")
	g := s.MustCreateGroup(t, "Public", "alice")
	s.MustAddMembers(t, g, "bob", "carol")
	s.MustOK(t, "group_open_http_svc/modify_group_member_info", map[string]any{"GroupId": g, "Member_Account": "bob", "Role": "Admin"})
	s.MustOK(t, "group_open_http_svc/forbid_send_msg", map[string]any{"GroupId": g, "Members_Account": []string{"carol"}, "MuteTime": 60})

	want := map[string]string{"alice": "Owner", "bob": "Admin", "carol": "Member"}
	if got := roles(t, s, g, "alice", "bob", "carol"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("roles: got %v, want %v", got, want)
	}
	if got := mutedAccounts(t, s, g); !slices.Equal(got, []string{"carol"}) {
		t.Fatalf("muted after forbid_send_msg: got %q, want [carol]", got)
	}
	// The clock follows the machine's time plus the offset: a margin of 10 s keeps a
	// slow machine from ending the mute before the check.
	s.Advance(50 * time.Second)
	if got := mutedAccounts(t, s, g); !slices.Equal(got, []string{"carol"}) {
		t.Errorf("muted 50s later: got %q, want [carol]", got)
	}
	s.Advance(11 * time.Second)
	if got := mutedAccounts(t, s, g); len(got) != 0 {
		t.Errorf("muted 61s later: got %q, want none", got)
	}
}

// memberNum returns the MemberNum of group by get_group_info.
func memberNum(t *testing.T, s *timtest.Server, group string) int {
	t.Helper()
	var answer struct {
		GroupInfo []struct{ MemberNum int }
	}
	r := s.MustOK(t, "group_open_http_svc/get_group_info", map[string]any{"GroupIdList": []string{group}})
	if err := r.Decode(&answer); err != nil || len(answer.GroupInfo) != 1 {
		t.Fatalf("get_group_info: %v: %s", err, r.Raw)
	}
	return answer.GroupInfo[0].MemberNum
}

// TestSeedingBatchesAndSkipsRateLimit seeds more accounts and members than one REST call
// takes, on a server whose rate limit would refuse as many calls.
func TestSeedingBatchesAndSkipsRateLimit(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{RateLimit: 1})
	ids := make([]string, 700)
	for i := range ids {
		ids[i] = fmt.Sprintf("user%03d", i)
	}
	s.MustImportAccounts(t, ids...)
	g := s.MustCreateGroup(t, "Community", ids[0], ids[1:400]...)
	s.MustAddMembers(t, g, ids[300:]...) // 100 already members
	if n := memberNum(t, s, g); n != 700 {
		t.Errorf("MemberNum: got %d, want 700", n)
	}
}

// TestRateLimitOption checks Options.RateLimit: a low rate refuses a burst with 60007,
// NoRateLimit refuses nothing.
func TestRateLimitOption(t *testing.T) {
	const check = `{"CheckItem":[{"UserID":"a"}]}`
	codes := func(s *timtest.Server, n int) map[int]int {
		out := map[int]int{}
		for range n {
			out[s.MustCall(t, "im_open_login_svc/account_check", check).ErrorCode]++
		}
		return out
	}
	if got := codes(timtest.NewServer(t, &timtest.Options{RateLimit: 2}), 10); got[60007] == 0 {
		t.Errorf("RateLimit 2, 10 calls at once: got codes %v, want some 60007", got)
	}
	if got := codes(timtest.NewServer(t, &timtest.Options{RateLimit: timtest.NoRateLimit}), 300); got[0] != 300 {
		t.Errorf("NoRateLimit, 300 calls at once: got codes %v, want all 0", got)
	}
}

// receiver records the callbacks it is sent.
type receiver struct {
	mu      sync.Mutex
	queries []url.Values
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	rc.mu.Lock()
	rc.queries = append(rc.queries, r.URL.Query())
	rc.mu.Unlock()
	_, _ = io.WriteString(w, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`)
}

// wait returns the query of the first callback of command, waiting up to 5 s for it.
func (rc *receiver) wait(t *testing.T, command string) url.Values {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		rc.mu.Lock()
		for _, q := range rc.queries {
			if q.Get("CallbackCommand") == command {
				rc.mu.Unlock()
				return q
			}
		}
		rc.mu.Unlock()
	}
	t.Fatalf("no %s callback within 5s", command)
	return nil
}

// TestCallbackOptions checks Options.CallbackURL and CallbackToken: a group created by a
// seeding helper sends its signed callbacks there.
func TestCallbackOptions(t *testing.T) {
	rc := &receiver{}
	hs := httptest.NewServer(rc)
	defer hs.Close()
	s := timtest.NewServer(t, &timtest.Options{CallbackURL: hs.URL + "/callback", CallbackToken: "secret"})
	s.MustImportAccounts(t, "alice")
	s.MustCreateGroup(t, "Public", "alice")
	q := rc.wait(t, "Group.CallbackAfterCreateGroup")
	if q.Get("Sign") == "" || q.Get("SdkAppid") != fmt.Sprint(s.SDKAppID()) {
		t.Errorf("callback query: got %v, want it signed, for app %d", q, s.SDKAppID())
	}
}

func TestMessagesAndNotifications(t *testing.T) {
	s := timtest.NewServer(t, nil)
	s.MustImportAccounts(t, "owner", "bob")
	g := s.MustCreateGroup(t, "Public", "owner")
	s.MustAddMembers(t, g, "bob")
	s.MustOK(t, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": g, "From_Account": "bob", "Random": 9,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]string{"Text": "hi"}}}})
	s.MustOK(t, "group_open_http_svc/send_group_system_notification", map[string]any{"GroupId": g, "Content": "notice"})
	ms := s.Messages(t, g)
	if len(ms) != 2 || ms[0].TipType != 2 || ms[0].TipMembers[0] != "bob" || ms[1].From != "bob" || ms[1].Seq != 2 || ms[1].Random != 9 {
		t.Errorf("Messages: %+v", ms)
	}
	if tips := s.Tips(t, g); len(tips) != 1 || tips[0].Seq != 1 {
		t.Errorf("Tips: %+v", tips)
	}
	if ns := s.SystemNotifications(); len(ns) != 1 || ns[0].GroupID != g || ns[0].Content != "notice" {
		t.Errorf("SystemNotifications: %+v", ns)
	}
}

// failRecorder is a testing.TB whose Errorf is recorded rather than failing the test.
type failRecorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *failRecorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *failRecorder) recorded() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// TestFailOnIgnoredFields checks Options.FailOnIgnoredFields and Response.IgnoredFields: a
// call whose body holds a field timd ignored (an unknown name, or a name in the wrong
// case) fails the test, naming the fields; a call without one does not.
func TestFailOnIgnoredFields(t *testing.T) {
	rec := &failRecorder{TB: t}
	s := timtest.NewServer(rec, &timtest.Options{FailOnIgnoredFields: true})
	r := s.MustOK(t, "im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "a"}}})
	if got := rec.recorded(); len(got) != 0 || r.IgnoredFields != nil {
		t.Fatalf("a call with exact fields: got errors %q, IgnoredFields %q; want none", got, r.IgnoredFields)
	}
	r = s.MustCall(t, "im_open_login_svc/account_check", `{"checkitem":[{"UserID":"a"}],"CheckItem":[{"UserID":"a","Nick":"x"}]}`)
	want := []string{"checkitem", "CheckItem[0].Nick"}
	if !slices.Equal(r.IgnoredFields, want) {
		t.Errorf("IgnoredFields: got %q, want %q", r.IgnoredFields, want)
	}
	got := rec.recorded()
	if len(got) != 1 || !strings.Contains(got[0], "/v4/im_open_login_svc/account_check") || !strings.Contains(got[0], "checkitem, CheckItem[0].Nick") {
		t.Errorf("errors: got %q, want one naming the command and both fields", got)
	}

	plain := timtest.NewServer(t, nil)
	r = plain.MustCall(t, "im_open_login_svc/account_check", `{"checkitem":[]}`)
	if !slices.Equal(r.IgnoredFields, []string{"checkitem"}) {
		t.Errorf("without the option: IgnoredFields %q, want [checkitem] and the test not failed", r.IgnoredFields)
	}
}
