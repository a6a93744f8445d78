package server_test

import (
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/timtest"
)

// strictAnswer is the outcome of one call in the strict-mode tests.
type strictAnswer struct {
	ErrorCode int
	ErrorInfo string
	Ignored   string // the X-Timd-Ignored-Fields header
}

// strictCall posts body to command as the admin with the query q, edited by drop (the
// query parameters to leave out).
func strictCall(t *testing.T, s *timtest.Server, command, body string, drop ...string) strictAnswer {
	t.Helper()
	q, _ := url.ParseQuery(s.Query(s.Admin()))
	for _, d := range drop {
		q.Del(d)
	}
	resp, err := s.Client().Post(s.URL+"/v4/"+command+"?"+q.Encode(), "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a strictAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s: %v: %s", command, err, raw)
	}
	a.Ignored = resp.Header.Get("X-Timd-Ignored-Fields")
	return a
}

// strictCases are requests Tencent accepts but strict mode refuses, with the code and a
// part of the ErrorInfo strict mode answers.
var strictCases = []struct {
	name, command, body string
	drop                []string
	code                im.Code
	info                string
}{
	{"field in the wrong case", cmdCreate, `{"Type":"Public","Name":"g","groupid":"s1"}`, nil,
		im.CodeBadJSON, "strict mode: the command does not know the field(s) groupid, which Tencent would ignore"},
	{"unknown nested field", cmdAdd, `{"GroupId":"strict","MemberList":[{"Member_Account":"bob","NameCard":"b"}]}`, nil,
		im.CodeBadJSON, "MemberList[0].NameCard"},
	{"old field ShutUpTime", "group_open_http_svc/forbid_send_msg", `{"GroupId":"strict","Members_Account":["bob"],"ShutUpTime":60}`, nil,
		im.CodeBadJSON, "strict mode: old field name(s) ShutUpTime (now MuteTime)"},
	{"old field ShutUpAllMember", cmdBase, `{"GroupId":"strict","ShutUpAllMember":"On"}`, nil,
		im.CodeBadJSON, "ShutUpAllMember (now MuteAllMember)"},
	{"old field Identifier", "im_open_login_svc/account_import", `{"Identifier":"dave"}`, nil,
		im.CodeBadJSON, "Identifier (now UserID)"},
	{"old command get_group_shutted_uin", "group_open_http_svc/get_group_shutted_uin", `{"GroupId":"strict"}`, nil,
		im.CodeBadURL, "strict mode: get_group_shutted_uin is the old word of get_group_muted_account"},
	{"old command querystate", "openim/querystate", `{"To_Account":["bob"]}`, nil,
		im.CodeBadURL, "querystate is the old word of query_online_status"},
	{"no random", cmdInfo, `{"GroupIdList":["strict"]}`, []string{"random"},
		im.CodeBadURL, "strict mode: the query has no random"},
	{"no contenttype", cmdInfo, `{"GroupIdList":["strict"]}`, []string{"contenttype"},
		im.CodeBadURL, "strict mode: the query has no contenttype"},
}

// newStrictServer starts timd with a group "strict" of alice and bob, strict mode set by
// edit.
func newStrictServer(t *testing.T, edit func(*config.Config)) *timtest.Server {
	t.Helper()
	s := timtest.NewServer(t, &timtest.Options{RateLimit: timtest.NoRateLimit, Configure: edit})
	s.MustImportAccounts(t, "alice", "bob")
	s.MustOK(t, cmdCreate, `{"Type":"Public","Name":"g","GroupId":"strict","Owner_Account":"alice","MemberList":[{"Member_Account":"bob"}]}`)
	return s
}

func TestStrictMode(t *testing.T) {
	for _, mode := range []struct {
		name string
		edit func(*config.Config)
	}{
		{"strict for every app", func(c *config.Config) { c.Strict = true }},
		{"strict for the app", func(c *config.Config) { c.Apps[0].Strict = true }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			s := newStrictServer(t, mode.edit)
			for _, tt := range strictCases {
				a := strictCall(t, s, tt.command, tt.body, tt.drop...)
				if a.ErrorCode != int(tt.code) || !strings.Contains(a.ErrorInfo, tt.info) {
					t.Errorf("%s: got %d %q, want %d with %q", tt.name, a.ErrorCode, a.ErrorInfo, tt.code, tt.info)
				}
			}
			// Nothing changed: no group s1, bob is a member (not muted), the group not
			// muted, dave not imported.
			if groupExists(t, s, "s1") {
				t.Error("the refused create_group created s1")
			}
			if n := len(mutedAccounts(t, s, "strict")); n != 0 {
				t.Errorf("muted after the refused forbid_send_msg: got %d, want 0", n)
			}
			// The ignored fields are still named in the header.
			if a := strictCall(t, s, cmdCreate, `{"Type":"Public","Name":"g","groupid":"s1"}`); a.Ignored != "groupid" {
				t.Errorf("X-Timd-Ignored-Fields: got %q, want groupid", a.Ignored)
			}
			// A request with current names and a full query passes.
			s.MustOK(t, "group_open_http_svc/forbid_send_msg", `{"GroupId":"strict","Members_Account":["bob"],"MuteTime":60}`)
			s.MustOK(t, cmdCreate, `{"Type":"Work","Name":"g","GroupId":"s2"}`)
		})
	}
}

// TestStrictModeOff checks that without strict mode every one of strictCases is served.
func TestStrictModeOff(t *testing.T) {
	s := newStrictServer(t, func(c *config.Config) {
		// Strict for another app only.
		c.Apps = append(c.Apps, config.App{SDKAppID: devApp.id, SecretKey: devApp.key, Admins: []string{devApp.admin}, Limits: im.DefaultLimits(), Strict: true})
	})
	for _, tt := range strictCases {
		if a := strictCall(t, s, tt.command, tt.body, tt.drop...); a.ErrorCode != 0 {
			t.Errorf("%s: got %d %q, want OK without strict mode", tt.name, a.ErrorCode, a.ErrorInfo)
		}
	}
}

// mutedAccounts lists the accounts get_group_muted_account answers for group.
func mutedAccounts(t *testing.T, s *timtest.Server, group string) []string {
	t.Helper()
	var out struct {
		MutedAccountList []struct{ Member_Account string }
	}
	if err := s.MustOK(t, "group_open_http_svc/get_group_muted_account", map[string]any{"GroupId": group}).Decode(&out); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range out.MutedAccountList {
		ids = append(ids, m.Member_Account)
	}
	return ids
}

// TestStrictTimtestOption turns strict mode on through timtest's public option.
func TestStrictTimtestOption(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Strict: true})
	r := s.MustCall(t, "im_open_login_svc/account_import", `{"Identifier":"dave"}`)
	if r.ErrorCode != int(im.CodeBadJSON) || !strings.Contains(r.ErrorInfo, "Identifier (now UserID)") {
		t.Errorf("account_import with Identifier: got %d %q, want 60003 naming the old name", r.ErrorCode, r.ErrorInfo)
	}
	s.MustOK(t, "im_open_login_svc/account_import", `{"UserID":"dave"}`)
}
