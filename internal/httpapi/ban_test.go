package httpapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

const (
	cmdBan    = "group_open_http_svc/ban_group_member"
	cmdUnban  = "group_open_http_svc/unban_group_member"
	cmdGetBan = "group_open_http_svc/get_group_ban_member"
)

// TestBanGroupMember checks the AVChatRoom ban commands on the wire: the answer of
// get_group_ban_member, its pages, and that a banned account's send is refused with
// 10017 until the ban ends (docs/compatibility.md §10).
func TestBanGroupMember(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "bob", "carol", "dave")
	g := s.MustCreateGroup(t, "AVChatRoom", "owner")
	r := s.MustOK(t, cmdGetBan, map[string]any{"GroupId": g, "Offset": 0})
	wantRaw(t, "no bans", r, `,"BannedAccountList":[],"NextOffset":0`)

	before := s.Now().Unix()
	s.MustOK(t, cmdBan, map[string]any{"GroupId": g, "Members_Account": []string{"dave", "bob", "carol"}, "Duration": 3600, "Description": "spam"})
	after := s.Now().Unix()
	r = s.MustOK(t, cmdGetBan, map[string]any{"GroupId": g, "Limit": 2, "Offset": 0})
	until := num(t, list(r.Fields["BannedAccountList"])[0].(map[string]any), "BannedUntil")
	if until < before+3600 || until > after+3600 {
		t.Errorf("BannedUntil %d: want the time of the ban plus 3600 (%d to %d)", until, before+3600, after+3600)
	}
	wantRaw(t, "first page", r, fmt.Sprintf(`,"BannedAccountList":[{"Member_Account":"bob","BannedUntil":%d},{"Member_Account":"carol","BannedUntil":%[1]d}],"NextOffset":2`, until))
	r = s.MustOK(t, cmdGetBan, map[string]any{"GroupId": g, "Limit": 2, "Offset": 2})
	if got := list(r.Fields["BannedAccountList"]); len(got) != 1 || got[0].(map[string]any)["Member_Account"] != "dave" || num(t, r.Fields, "NextOffset") != 0 {
		t.Errorf("second page: got %s, want dave and NextOffset 0", r.Raw)
	}

	send(t, s, g, "bob", 1, textBody, codeMuted)
	send(t, s, g, "", 2, textBody, codeOK)
	s.MustOK(t, cmdUnban, map[string]any{"GroupId": g, "Members_Account": []string{"bob"}})
	send(t, s, g, "bob", 3, textBody, codeOK)
	send(t, s, g, "carol", 4, textBody, codeMuted)
	s.Advance(time.Hour + time.Second)
	send(t, s, g, "carol", 5, textBody, codeOK)
	wantRaw(t, "after the bans ended", s.MustOK(t, cmdGetBan, map[string]any{"GroupId": g, "Offset": 0}), `,"BannedAccountList":[],"NextOffset":0`)
}

// TestBanGroupMemberCodes checks the codes of the ban commands.
func TestBanGroupMemberCodes(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "bob")
	av := s.MustCreateGroup(t, "AVChatRoom", "owner")
	pub := s.MustCreateGroup(t, "Public", "owner", "bob")
	accounts := make([]string, 21)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("u%d", i)
	}
	for _, tc := range []struct {
		name, cmd string
		body      map[string]any
		want      int
	}{
		{"21 accounts", cmdBan, map[string]any{"GroupId": av, "Members_Account": accounts, "Duration": 60}, codeOverLimit},
		{"21 accounts", cmdUnban, map[string]any{"GroupId": av, "Members_Account": accounts}, codeOverLimit},
		{"no Duration", cmdBan, map[string]any{"GroupId": av, "Members_Account": []string{"bob"}}, codeInvalid},
		{"Duration 0", cmdBan, map[string]any{"GroupId": av, "Members_Account": []string{"bob"}, "Duration": 0}, codeInvalid},
		{"Public group", cmdBan, map[string]any{"GroupId": pub, "Members_Account": []string{"bob"}, "Duration": 60}, codeNotAllowed},
		{"Public group", cmdGetBan, map[string]any{"GroupId": pub, "Offset": 0}, codeNotAllowed},
		{"the owner", cmdBan, map[string]any{"GroupId": av, "Members_Account": []string{"owner"}, "Duration": 60}, codeNotAllowed},
		{"not imported", cmdBan, map[string]any{"GroupId": av, "Members_Account": []string{"nobody"}, "Duration": 60}, codeNoAccount},
		{"Limit 101", cmdGetBan, map[string]any{"GroupId": av, "Limit": 101, "Offset": 0}, codeInvalid},
		{"no such group", cmdGetBan, map[string]any{"GroupId": "nosuch", "Offset": 0}, codeNoGroup},
	} {
		t.Run(tc.cmd[len("group_open_http_svc/"):]+"/"+tc.name, func(t *testing.T) { mustCode(t, s, tc.cmd, tc.body, tc.want) })
	}
}

// TestBanFeature checks that an app configured without AVChatRoom bans answers 10007,
// Tencent's code for the console switch turned off.
func TestBanFeature(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Features.AVChatRoomBan = false }})
	s.MustImportAccounts(t, "owner", "bob")
	g := s.MustCreateGroup(t, "AVChatRoom", "owner")
	mustCode(t, s, cmdBan, map[string]any{"GroupId": g, "Members_Account": []string{"bob"}, "Duration": 60}, codeNotAllowed)
	mustCode(t, s, cmdUnban, map[string]any{"GroupId": g, "Members_Account": []string{"bob"}}, codeNotAllowed)
	mustCode(t, s, cmdGetBan, map[string]any{"GroupId": g, "Offset": 0}, codeNotAllowed)
}
