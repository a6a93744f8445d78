package httpapi_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/timtest"
)

// addResults returns the MemberList of an add_group_member answer as account → Result,
// in order.
func addResults(t *testing.T, r *timtest.Response) [][2]any {
	t.Helper()
	var out [][2]any
	for _, m := range memberList(t, r) {
		out = append(out, [2]any{m["Member_Account"], num(t, m, "Result")})
	}
	return out
}

// TestAddGroupMember checks add_group_member (docs/compatibility.md §6).
func TestAddGroupMember(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "bob", "peter", "tommy")

	t.Run("result per account", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner", "bob")
		r := mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("bob", "peter", "ghost", "owner", "tommy", "tommy")}, codeOK)
		want := [][2]any{{"bob", int64(2)}, {"peter", int64(1)}, {"ghost", int64(0)}, {"owner", int64(2)}, {"tommy", int64(1)}, {"tommy", int64(2)}}
		if diff := cmp.Diff(want, addResults(t, r)); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
		if got := accounts(mustMembers(t, s, g)); strings.Join(got, ",") != "owner,bob,peter,tommy" {
			t.Errorf("members: got %v, want owner, bob, peter, tommy", got)
		}
		if n := num(t, s.MustCall(t, cmdGetMembers, map[string]any{"GroupId": g}).Fields, "MemberNum"); n != 4 {
			t.Errorf("MemberNum: got %d, want 4", n)
		}
	})
	t.Run("Silence is accepted", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner")
		r := mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "Silence": 1, "MemberList": memberObjects("bob")}, codeOK)
		if diff := cmp.Diff([][2]any{{"bob", int64(1)}}, addResults(t, r)); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
	})
	t.Run("full", func(t *testing.T) {
		r := createGroup(t, s, "Public", map[string]any{"Owner_Account": "owner", "MaxMemberCount": 3, "MemberList": memberObjects("bob")}, codeOK)
		g, _ := r.Fields["GroupId"].(string)
		before := groupSnapshot(t, s, g)
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("peter", "tommy")}, codeFull)
		if diff := cmp.Diff(before, groupSnapshot(t, s, g)); diff != "" {
			t.Errorf("the group changed after 10014 (-before +after):\n%s", diff)
		}
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("peter")}, codeOK)
		// Members already in and accounts not imported take no place.
		r = mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("bob", "ghost")}, codeOK)
		if diff := cmp.Diff([][2]any{{"bob", int64(2)}, {"ghost", int64(0)}}, addResults(t, r)); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("bob", "tommy")}, codeFull)
		if got := accounts(mustMembers(t, s, g)); strings.Join(got, ",") != "owner,bob,peter" {
			t.Errorf("members: got %v, want owner, bob, peter", got)
		}
	})
	t.Run("AVChatRoom", func(t *testing.T) {
		g := s.MustCreateGroup(t, "AVChatRoom", "owner")
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("bob")}, codeNotAllowed)
	})
	t.Run("batch", func(t *testing.T) {
		g := s.MustCreateGroup(t, "ChatRoom", "owner")
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects(names("nobody", 301)...)}, codeOverLimit)
		r := mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects(names("nobody", 300)...)}, codeOK)
		if got := len(memberList(t, r)); got != 300 {
			t.Errorf("results: got %d, want 300", got)
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner")
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": []any{}}, codeInvalid)
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": g}, codeInvalid)
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects(strings.Repeat("x", 33))}, codeInvalid)
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": unknown, "MemberList": memberObjects("bob")}, codeNoGroup)
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": "", "MemberList": memberObjects("bob")}, codeBadGroupID)
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": []string{"bob"}}, codeBadJSON)
	})
}

// TestDeleteGroupMember checks delete_group_member (Tencent's docs, see docs/compatibility.md Sources, docs/compatibility.md §6).
func TestDeleteGroupMember(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "bob", "peter", "dave")

	t.Run("members leave", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner", "bob", "peter")
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{"bob"}, "Silence": 1, "Reason": "spam"}, codeOK)
		r := mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g}, codeOK)
		if got := accounts(memberList(t, r)); strings.Join(got, ",") != "owner,peter" {
			t.Errorf("members: got %v, want owner, peter", got)
		}
		if n := num(t, r.Fields, "MemberNum"); n != 2 {
			t.Errorf("MemberNum: got %d, want 2", n)
		}
	})
	t.Run("non-members succeed", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner", "bob")
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{"dave", "ghost", "bob", "bob"}}, codeOK)
		if got := accounts(mustMembers(t, s, g)); strings.Join(got, ",") != "owner" {
			t.Errorf("members: got %v, want owner", got)
		}
	})
	t.Run("owner", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner", "bob")
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{"bob", "owner"}}, codeInvalid)
		if got := accounts(mustMembers(t, s, g)); strings.Join(got, ",") != "owner,bob" {
			t.Errorf("members after the refused call: got %v, want owner, bob", got)
		}
	})
	t.Run("batch", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner", "bob")
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": append(names("x", 100), "bob")}, codeOverLimit)
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": append(names("x", 99), "bob")}, codeOK)
		if got := accounts(mustMembers(t, s, g)); strings.Join(got, ",") != "owner" {
			t.Errorf("members: got %v, want owner", got)
		}
	})
	t.Run("AVChatRoom", func(t *testing.T) {
		g := s.MustCreateGroup(t, "AVChatRoom", "owner")
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{"bob"}}, codeInvalid)
	})
	t.Run("bad requests", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner")
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{}}, codeInvalid)
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": unknown, "MemberToDel_Account": []string{"bob"}}, codeNoGroup)
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": strings.Repeat("g", 200), "MemberToDel_Account": []string{"bob"}}, codeBadGroupID)
	})
}

// TestDestroyGroup checks that a destroyed group answers 10010 to every command.
func TestDestroyGroup(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "bob")
	for _, typ := range []string{"Private", "Public", "ChatRoom", "AVChatRoom", "Community"} {
		t.Run(typ, func(t *testing.T) {
			g := s.MustCreateGroup(t, typ, "owner")
			mustCode(t, s, cmdDestroy, map[string]any{"GroupId": g}, codeOK)
			for _, c := range []struct {
				command string
				body    map[string]any
			}{
				{cmdDestroy, map[string]any{"GroupId": g}},
				{cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("bob")}},
				{cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{"bob"}}},
				{cmdModify, modify(g, "owner", map[string]any{"NameCard": "x"})},
				{cmdModify, modify(g, "owner", nil)},
				{cmdGetMembers, map[string]any{"GroupId": g}},
				{cmdForbid, map[string]any{"GroupId": g, "Members_Account": []string{"bob"}, "MuteTime": 60}},
				{cmdMuted, map[string]any{"GroupId": g}},
				{cmdShutted, map[string]any{"GroupId": g}},
			} {
				mustCode(t, s, c.command, c.body, codeNoGroup)
			}
		})
	}
	t.Run("bad IDs", func(t *testing.T) {
		mustCode(t, s, cmdDestroy, map[string]any{"GroupId": ""}, codeBadGroupID)
		mustCode(t, s, cmdDestroy, map[string]any{}, codeBadGroupID)
		mustCode(t, s, cmdDestroy, map[string]any{"GroupId": strings.Repeat("g", 49)}, codeBadGroupID)
		mustCode(t, s, cmdDestroy, map[string]any{"GroupId": unknown}, codeNoGroup)
	})
	t.Run("other groups stay", func(t *testing.T) {
		keep := s.MustCreateGroup(t, "Public", "owner", "bob")
		mustCode(t, s, cmdForbid, map[string]any{"GroupId": keep, "Members_Account": []string{"bob"}, "MuteTime": 600}, codeOK)
		before := groupSnapshot(t, s, keep)
		g := s.MustCreateGroup(t, "Public", "owner", "bob")
		mustCode(t, s, cmdForbid, map[string]any{"GroupId": g, "Members_Account": []string{"bob"}, "MuteTime": 60}, codeOK)
		mustCode(t, s, cmdDestroy, map[string]any{"GroupId": g}, codeOK)
		if diff := cmp.Diff(before, groupSnapshot(t, s, keep)); diff != "" {
			t.Errorf("another group changed (-before +after):\n%s", diff)
		}
	})
	t.Run("a custom ID comes back empty", func(t *testing.T) {
		createGroup(t, s, "Public", map[string]any{"GroupId": "again", "Owner_Account": "owner", "MemberList": memberObjects("bob")}, codeOK)
		mustCode(t, s, cmdForbid, map[string]any{"GroupId": "again", "Members_Account": []string{"bob"}, "MuteTime": 600}, codeOK)
		mustCode(t, s, cmdDestroy, map[string]any{"GroupId": "again"}, codeOK)
		createGroup(t, s, "Public", map[string]any{"GroupId": "again", "Owner_Account": "owner"}, codeOK)
		if got := accounts(mustMembers(t, s, "again")); strings.Join(got, ",") != "owner" {
			t.Errorf("members of the new group: got %v, want owner", got)
		}
		// The old group's mute on bob went with it.
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": "again", "MemberList": memberObjects("bob")}, codeOK)
		if got := num(t, mustMember(t, s, "again", "bob"), "MuteUntil"); got != 0 {
			t.Errorf("bob's MuteUntil in the new group: got %d, want 0", got)
		}
	})
}
