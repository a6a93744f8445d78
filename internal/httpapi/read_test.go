package httpapi_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

// allMemberFields are the fields of a member object read with no MemberInfoFilter.
var allMemberFields = []string{"Member_Account", "Role", "JoinTime", "MsgSeq", "MsgFlag", "LastSendMsgTime", "MuteUntil", "ShutUpUntil", "NameCard"}

// fieldNames returns the sorted names of a member object's fields.
func fieldNames(m member) []string { return slices.Sorted(maps.Keys(m)) }

// sorted returns a sorted copy of names.
func sorted(names ...string) []string { return slices.Sorted(slices.Values(names)) }

// readFixture makes a Public group: owner (Owner), bob (Admin, name card, custom data
// Level and Title, muted), carol (Member, custom data Level).
func readFixture(t *testing.T, s *timtest.Server) string {
	t.Helper()
	r := createGroup(t, s, "Public", map[string]any{"Owner_Account": "owner", "MemberList": []map[string]any{
		{"Member_Account": "bob", "Role": "Admin", "AppMemberDefinedData": kvs("Level", "9", "Title", "mod")},
		{"Member_Account": "carol", "AppMemberDefinedData": kvs("Level", "1")},
	}}, codeOK)
	g, _ := r.Fields["GroupId"].(string)
	mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"NameCard": "Bobby", "MuteTime": 3600}), codeOK)
	return g
}

// TestGetGroupMemberInfoFilters checks MemberInfoFilter, MemberRoleFilter and
// AppDefinedDataFilter_GroupMember (Tencent's docs, see docs/compatibility.md Sources, docs/compatibility.md §3).
func TestGetGroupMemberInfoFilters(t *testing.T) {
	s := newServer(t, timtest.Options{MemberFields: []string{"Level", "Title"}})
	s.MustImportAccounts(t, "owner", "bob", "carol")
	g := readFixture(t, s)
	get := func(t *testing.T, fields map[string]any) []member {
		t.Helper()
		body := map[string]any{"GroupId": g}
		for k, v := range fields {
			body[k] = v
		}
		r := mustCode(t, s, cmdGetMembers, body, codeOK)
		if n := num(t, r.Fields, "MemberNum"); n != 3 {
			t.Errorf("MemberNum: got %d, want 3", n)
		}
		if _, ok := r.Fields["Next"]; ok {
			t.Errorf("a Public group's answer has Next: %s", r.Raw)
		}
		return memberList(t, r)
	}

	t.Run("no filter", func(t *testing.T) {
		ms := get(t, nil)
		if got := accounts(ms); strings.Join(got, ",") != "owner,bob,carol" {
			t.Fatalf("members: got %v, want owner, bob, carol", got)
		}
		for _, m := range ms {
			want := sorted(allMemberFields...)
			if m["Member_Account"] != "owner" {
				want = sorted(append(allMemberFields, "AppMemberDefinedData")...)
			}
			if diff := cmp.Diff(want, fieldNames(m)); diff != "" {
				t.Errorf("fields of %s (-want +got):\n%s", m["Member_Account"], diff)
			}
		}
		bob := ms[1]
		if bob["Role"] != "Admin" || bob["NameCard"] != "Bobby" || bob["MsgFlag"] != "AcceptAndNotify" {
			t.Errorf("bob: got %v", bob)
		}
		if mu, su := num(t, bob, "MuteUntil"), num(t, bob, "ShutUpUntil"); mu == 0 || mu != su {
			t.Errorf("bob's mute: got MuteUntil %d ShutUpUntil %d, want the same non-zero end", mu, su)
		}
		if j := num(t, bob, "JoinTime"); j < s.Now().Unix()-60 || j > s.Now().Unix() {
			t.Errorf("JoinTime: got %d, want about %d", j, s.Now().Unix())
		}
		want := map[string]string{"Level": "9", "Title": "mod"}
		if diff := cmp.Diff(want, customData(t, bob)); diff != "" {
			t.Errorf("bob's custom data (-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct {
		name   string
		filter []string
		want   []string
	}{
		{"some fields", []string{"Role", "NameCard"}, []string{"Member_Account", "Role", "NameCard"}},
		{"old name ShutUpUntil alone", []string{"ShutUpUntil"}, []string{"Member_Account", "ShutUpUntil"}},
		{"new name MuteUntil alone", []string{"MuteUntil"}, []string{"Member_Account", "MuteUntil"}},
		{"both mute names", []string{"MuteUntil", "ShutUpUntil"}, []string{"Member_Account", "MuteUntil", "ShutUpUntil"}},
		{"every documented name", []string{"Role", "JoinTime", "MsgSeq", "MsgFlag", "LastSendMsgTime", "ShutUpUntil", "NameCard"},
			[]string{"Member_Account", "Role", "JoinTime", "MsgSeq", "MsgFlag", "LastSendMsgTime", "ShutUpUntil", "NameCard"}},
		{"Member_Account asked for", []string{"Member_Account"}, []string{"Member_Account"}},
	} {
		t.Run("MemberInfoFilter/"+tc.name, func(t *testing.T) {
			for _, m := range get(t, map[string]any{"MemberInfoFilter": tc.filter}) {
				if diff := cmp.Diff(sorted(tc.want...), fieldNames(m)); diff != "" {
					t.Errorf("fields of %s (-want +got):\n%s", m["Member_Account"], diff)
				}
			}
		})
	}
	t.Run("MemberInfoFilter keeps values", func(t *testing.T) {
		full := get(t, nil)
		for i, m := range get(t, map[string]any{"MemberInfoFilter": []string{"ShutUpUntil", "NameCard"}}) {
			if m["ShutUpUntil"] != full[i]["MuteUntil"] || m["NameCard"] != full[i]["NameCard"] {
				t.Errorf("filtered %v differs from %v", m, full[i])
			}
		}
	})
	for _, tc := range []struct {
		name  string
		roles []string
		want  string
	}{
		{"Admin", []string{"Admin"}, "bob"},
		{"Owner and Member", []string{"Owner", "Member"}, "owner,carol"},
		{"every role", []string{"Owner", "Admin", "Member"}, "owner,bob,carol"},
	} {
		t.Run("MemberRoleFilter/"+tc.name, func(t *testing.T) {
			if got := accounts(get(t, map[string]any{"MemberRoleFilter": tc.roles})); strings.Join(got, ",") != tc.want {
				t.Errorf("members: got %v, want %s", got, tc.want)
			}
		})
	}
	t.Run("AppDefinedDataFilter_GroupMember", func(t *testing.T) {
		ms := get(t, map[string]any{"AppDefinedDataFilter_GroupMember": []string{"Title"}})
		if diff := cmp.Diff(map[string]string{"Title": "mod"}, customData(t, ms[1])); diff != "" {
			t.Errorf("bob's custom data (-want +got):\n%s", diff)
		}
		if got := customData(t, ms[2]); len(got) != 0 {
			t.Errorf("carol's custom data: got %v, want none", got)
		}
		if diff := cmp.Diff(sorted(allMemberFields...), fieldNames(ms[2])); diff != "" {
			t.Errorf("carol's fields (-want +got):\n%s", diff)
		}
	})
	t.Run("AppDefinedDataFilter_GroupMember with MemberInfoFilter", func(t *testing.T) {
		ms := get(t, map[string]any{"MemberInfoFilter": []string{"Role"}, "AppDefinedDataFilter_GroupMember": []string{"Level", "Title"}})
		if diff := cmp.Diff(sorted("Member_Account", "Role", "AppMemberDefinedData"), fieldNames(ms[1])); diff != "" {
			t.Errorf("bob's fields (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]string{"Level": "9", "Title": "mod"}, customData(t, ms[1])); diff != "" {
			t.Errorf("bob's custom data (-want +got):\n%s", diff)
		}
	})
	t.Run("null filters act as absent", func(t *testing.T) {
		want := get(t, nil)
		got := get(t, map[string]any{"MemberInfoFilter": nil, "MemberRoleFilter": nil, "AppDefinedDataFilter_GroupMember": nil, "Limit": nil, "Offset": nil, "Next": nil})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("null filters (-absent +null):\n%s", diff)
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "MemberRoleFilter": []string{"Boss"}}, codeInvalid)
		mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "MemberInfoFilter": "Role"}, codeBadJSON)
		mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": unknown}, codeNoGroup)
		mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": ""}, codeBadGroupID)
		mustCode(t, s, cmdGetMembers, map[string]any{}, codeBadGroupID)
	})
	t.Run("AVChatRoom", func(t *testing.T) {
		av := s.MustCreateGroup(t, "AVChatRoom", "owner")
		mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": av}, codeNotAllowed)
	})
}

// TestGetGroupMemberInfoPaging checks Limit and Offset, and Next for Community groups.
func TestGetGroupMemberInfoPaging(t *testing.T) {
	s := newServer(t, timtest.Options{})
	all := names("p", 25)
	s.MustImportAccounts(t, all...)

	t.Run("Limit and Offset", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", all[0], all[1:]...)
		var got []string
		for offset := 0; offset < 30; offset += 7 {
			r := mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Limit": 7, "Offset": offset}, codeOK)
			page := accounts(memberList(t, r))
			if len(page) > 7 {
				t.Errorf("page at %d has %d members, over Limit 7", offset, len(page))
			}
			if n := num(t, r.Fields, "MemberNum"); n != 25 {
				t.Errorf("MemberNum at offset %d: got %d, want 25", offset, n)
			}
			got = append(got, page...)
		}
		if diff := cmp.Diff(all, got); diff != "" {
			t.Errorf("pages together (-want +got):\n%s", diff)
		}
		r := mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Limit": 5, "Offset": 100}, codeOK)
		if page := memberList(t, r); len(page) != 0 {
			t.Errorf("page past the end: got %v, want none", accounts(page))
		}
		r = mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Offset": 20}, codeOK)
		if got := accounts(memberList(t, r)); !cmp.Equal(got, all[20:]) {
			t.Errorf("Offset without Limit: got %v, want %v", got, all[20:])
		}
	})
	t.Run("Limit bounds", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", all[0])
		mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Limit": 6000}, codeOK)
		mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Limit": 6001}, codeInvalid)
		mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Limit": -1}, codeInvalid)
		mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Offset": -1}, codeInvalid)
	})
	t.Run("Community pages by Next", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Community", all[0], all[1:12]...)
		want := all[:12]
		var got []string
		next := ""
		for page := 0; ; page++ {
			if page > 5 {
				t.Fatalf("more pages than 12 members in pages of 5 make")
			}
			r := mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Limit": 5, "Next": next, "Offset": 0}, codeOK)
			if n := num(t, r.Fields, "MemberNum"); n != 12 {
				t.Errorf("MemberNum: got %d, want 12", n)
			}
			ms := accounts(memberList(t, r))
			if len(ms) > 5 {
				t.Errorf("page %d has %d members, over Limit 5", page, len(ms))
			}
			got = append(got, ms...)
			n, ok := r.Fields["Next"].(string)
			if !ok {
				t.Fatalf("a Community answer has no Next string: %s", r.Raw)
			}
			if n == "" {
				break
			}
			next = n
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pages together (-want +got):\n%s", diff)
		}
		r := mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g}, codeOK)
		if r.Fields["Next"] != "" || len(memberList(t, r)) != 12 {
			t.Errorf("Community without Limit: got Next %v and %d members, want \"\" and 12", r.Fields["Next"], len(memberList(t, r)))
		}
		// A last page that is exactly full ends with Next "".
		r = mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Limit": 12}, codeOK)
		if r.Fields["Next"] != "" || len(memberList(t, r)) != 12 {
			t.Errorf("Community with Limit 12: got Next %v and %d members, want \"\" and 12", r.Fields["Next"], len(memberList(t, r)))
		}
		mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Limit": 5, "Next": "not a cursor"}, codeInvalid)
		// An Offset above 0 is refused, never answered with the first page again
		// (docs/compatibility.md §6), with or without Next.
		for _, body := range []map[string]any{{"GroupId": g, "Limit": 5, "Offset": 5}, {"GroupId": g, "Offset": 1, "Next": next}} {
			r := mustCode(t, s, cmdGetMembers, body, codeInvalid)
			if !strings.Contains(r.ErrorInfo, "Next") {
				t.Errorf("Offset on a Community: ErrorInfo %q, want it to say to use Next", r.ErrorInfo)
			}
		}
	})
}

// TestGetGroupMemberInfoTooLarge checks 10018 for an answer over the response limit.
func TestGetGroupMemberInfoTooLarge(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Limits.ResponseMax = 2048 }})
	all := names("big", 30)
	s.MustImportAccounts(t, all...)
	g := s.MustCreateGroup(t, "Public", all[0], all[1:]...)
	r := mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g}, codeTooLarge)
	t.Logf("10018: %s", r.ErrorInfo)
	r = mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Limit": 5}, codeOK)
	if len(r.Raw) > 2048 {
		t.Errorf("answer of %d bytes passed the limit of 2048", len(r.Raw))
	}
	mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "MemberInfoFilter": []string{"Role"}}, codeOK)
}
