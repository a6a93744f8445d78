package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

// The commands under test, by their path below /v4/.
const (
	cmdCreate      = "group_open_http_svc/create_group"
	cmdDestroy     = "group_open_http_svc/destroy_group"
	cmdAdd         = "group_open_http_svc/add_group_member"
	cmdDelete      = "group_open_http_svc/delete_group_member"
	cmdGetMembers  = "group_open_http_svc/get_group_member_info"
	cmdModify      = "group_open_http_svc/modify_group_member_info"
	cmdForbid      = "group_open_http_svc/forbid_send_msg"
	cmdMuted       = "group_open_http_svc/get_group_muted_account"
	cmdShutted     = "group_open_http_svc/get_group_shutted_uin"
	muteForever    = 4294967295
	codeOK         = 0
	codeInvalid    = 10004
	codeOverLimit  = 10005
	codeNotAllowed = 10007
	codeNoGroup    = 10010
	codeFull       = 10014
	codeBadGroupID = 10015
	codeTooLarge   = 10018
	codeNoAccount  = 10019
	codeIDInUse    = 10021
	codeIDOwned    = 10025
	codeBadJSON    = 60003
)

// newServer starts a timd for tb. Rate limits are off: these tests call far faster than
// the default 200 calls per second. opts.Configure, when set, runs after that.
func newServer(tb testing.TB, opts timtest.Options) *timtest.Server {
	tb.Helper()
	configure := opts.Configure
	opts.Configure = func(c *config.Config) {
		c.Apps[0].RateLimits = config.RateLimits{}
		if configure != nil {
			configure(c)
		}
	}
	return timtest.NewServer(tb, &opts)
}

// mustCode posts body to command and fails the test unless the answer carries want as
// its ErrorCode (and the matching ActionStatus).
func mustCode(tb testing.TB, s *timtest.Server, command string, body any, want int) *timtest.Response {
	tb.Helper()
	r := s.MustCall(tb, command, body)
	wantStatus := "OK"
	if want != codeOK {
		wantStatus = "FAIL"
	}
	if r.ErrorCode != want || r.ActionStatus != wantStatus {
		tb.Fatalf("%s %s: got ErrorCode %d %s (%s), want %d %s", command, brief(body), r.ErrorCode, r.ActionStatus, r.ErrorInfo, want, wantStatus)
	}
	return r
}

// brief renders a request body for a failure message, cut short.
func brief(body any) string {
	var s string
	switch b := body.(type) {
	case string:
		s = b
	case []byte:
		s = string(b)
	default:
		data, _ := json.Marshal(b)
		s = string(data)
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return strconv.Quote(s)
}

// member is one member object of get_group_member_info, as decoded JSON (numbers are
// json.Number).
type member = map[string]any

// mustMembers returns the whole MemberList of a group, in the order answered.
func mustMembers(tb testing.TB, s *timtest.Server, groupID string) []member {
	tb.Helper()
	r := mustCode(tb, s, cmdGetMembers, map[string]any{"GroupId": groupID}, codeOK)
	return memberList(tb, r)
}

// memberList decodes the MemberList of an answer.
func memberList(tb testing.TB, r *timtest.Response) []member {
	tb.Helper()
	raw, ok := r.Fields["MemberList"].([]any)
	if !ok {
		tb.Fatalf("answer has no MemberList array: %s", r.Raw)
	}
	out := make([]member, len(raw))
	for i, m := range raw {
		if out[i], ok = m.(map[string]any); !ok {
			tb.Fatalf("MemberList[%d] is not an object: %s", i, r.Raw)
		}
	}
	return out
}

// accounts lists the Member_Account of each member, in order.
func accounts(ms []member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i], _ = m["Member_Account"].(string)
	}
	return out
}

// mustMember returns the member object of account in a group, read with
// get_group_member_info and no filter.
func mustMember(tb testing.TB, s *timtest.Server, groupID, account string) member {
	tb.Helper()
	for _, m := range mustMembers(tb, s, groupID) {
		if m["Member_Account"] == account {
			return m
		}
	}
	tb.Fatalf("%q is not in the member list of %q", account, groupID)
	return nil
}

// num returns the integer value of a decoded JSON number field of m, failing the test
// when the field is missing or not an integer.
func num(tb testing.TB, m map[string]any, field string) int64 {
	tb.Helper()
	n, ok := m[field].(json.Number)
	if !ok {
		tb.Fatalf("field %s is %#v, want a number, in %v", field, m[field], m)
	}
	v, err := n.Int64()
	if err != nil {
		tb.Fatalf("field %s is %s, want an integer", field, n)
	}
	return v
}

// customData returns the AppMemberDefinedData of a member as a map (nil when absent).
func customData(tb testing.TB, m member) map[string]string {
	tb.Helper()
	raw, ok := m["AppMemberDefinedData"]
	if !ok {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		tb.Fatalf("AppMemberDefinedData is %#v, want an array", raw)
	}
	out := map[string]string{}
	for _, e := range list {
		kv, _ := e.(map[string]any)
		k, _ := kv["Key"].(string)
		v, _ := kv["Value"].(string)
		out[k] = v
	}
	return out
}

// mutedList returns get_group_muted_account's list as account → MutedUntil.
func mutedList(tb testing.TB, s *timtest.Server, groupID string) map[string]int64 {
	tb.Helper()
	r := mustCode(tb, s, cmdMuted, map[string]any{"GroupId": groupID}, codeOK)
	list, ok := r.Fields["MutedAccountList"].([]any)
	if !ok {
		tb.Fatalf("answer has no MutedAccountList array: %s", r.Raw)
	}
	out := map[string]int64{}
	for _, e := range list {
		m, _ := e.(map[string]any)
		a, _ := m["Member_Account"].(string)
		out[a] = num(tb, m, "MutedUntil")
	}
	return out
}

// groupState is everything a client can read about a group's members: the answers of
// get_group_member_info and get_group_muted_account, whatever their codes.
type groupState struct {
	MembersCode int
	Members     map[string]any
	MutedCode   int
	Muted       map[string]any
}

// groupSnapshot reads the state of a group for a before/after comparison.
func groupSnapshot(tb testing.TB, s *timtest.Server, groupID string) groupState {
	tb.Helper()
	m := s.MustCall(tb, cmdGetMembers, map[string]any{"GroupId": groupID})
	u := s.MustCall(tb, cmdMuted, map[string]any{"GroupId": groupID})
	return groupState{MembersCode: m.ErrorCode, Members: m.Fields, MutedCode: u.ErrorCode, Muted: u.Fields}
}

// modify is a modify_group_member_info body for account of group with extra fields.
func modify(group, account string, fields map[string]any) map[string]any {
	body := map[string]any{"GroupId": group, "Member_Account": account}
	for k, v := range fields {
		body[k] = v
	}
	return body
}

// names returns n account names with a prefix: prefix0, prefix1, ...
func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// memberObjects turns accounts into MemberList entries.
func memberObjects(accounts ...string) []map[string]any {
	out := make([]map[string]any, len(accounts))
	for i, a := range accounts {
		out[i] = map[string]any{"Member_Account": a}
	}
	return out
}

// hasInfo fails the test unless the ErrorInfo of r mentions every word.
func hasInfo(tb testing.TB, r *timtest.Response, words ...string) {
	tb.Helper()
	for _, w := range words {
		if !strings.Contains(r.ErrorInfo, w) {
			tb.Errorf("ErrorInfo %q does not mention %q", r.ErrorInfo, w)
		}
	}
}
