package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/timtest"
)

// TestGroupLifecycle walks a Public group through its life as an app's backend drives
// it: import accounts, create, add, promote, mute, rename, transfer the owner, destroy,
// reading the group back through every read command on the way.
func TestGroupLifecycle(t *testing.T) {
	s := newServer(t, timtest.Options{})
	people := []string{"owner", "alice", "bob", "carol", "dave"}
	list := make([]map[string]string, len(people))
	for i, p := range people {
		list[i] = map[string]string{"UserID": p, "Nick": strings.ToUpper(p)}
	}
	r := mustCode(t, s, "im_open_login_svc/multiaccount_import", map[string]any{"AccountList": list}, codeOK)
	if fail, _ := r.Fields["FailAccounts"].([]any); len(fail) != 0 {
		t.Fatalf("FailAccounts: %v", fail)
	}

	r = createGroup(t, s, "Public", map[string]any{"Owner_Account": "owner", "Name": "Book club"}, codeOK)
	g, _ := r.Fields["GroupId"].(string)

	r = mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("alice", "bob", "carol")}, codeOK)
	if diff := cmp.Diff([][2]any{{"alice", int64(1)}, {"bob", int64(1)}, {"carol", int64(1)}}, addResults(t, r)); diff != "" {
		t.Fatalf("add results (-want +got):\n%s", diff)
	}

	mustCode(t, s, cmdModify, modify(g, "alice", map[string]any{"Role": "Admin"}), codeOK)
	mustCode(t, s, cmdForbid, forbid(g, 3600, "bob"), codeOK)
	if muted := mutedList(t, s, g); len(muted) != 1 || muted["bob"] == 0 {
		t.Fatalf("muted after forbid_send_msg: got %v, want bob", muted)
	}
	mustCode(t, s, cmdModifyBase, map[string]any{"GroupId": g, "Name": "Reading club", "Notification": "Chapter 3 on Friday"}, codeOK)

	wantRoles := map[string]string{"owner": "Owner", "alice": "Admin", "bob": "Member", "carol": "Member", "dave": "NotMember"}
	if diff := cmp.Diff(wantRoles, roles(t, s, g, people...)); diff != "" {
		t.Fatalf("roles before the transfer (-want +got):\n%s", diff)
	}

	mustCode(t, s, cmdChangeOwner, changeOwner(g, "bob"), codeOK)
	info := mustGroupInfo(t, s, g)
	want := map[string]any{"Name": "Reading club", "Notification": "Chapter 3 on Friday", "Owner_Account": "bob", "Type": "Public"}
	for f, v := range want {
		if info[f] != v {
			t.Errorf("%s: got %#v, want %#v", f, info[f], v)
		}
	}
	if num(t, info, "MemberNum") != 4 || num(t, info, "InfoSeq") != 3 {
		t.Errorf("MemberNum %v InfoSeq %v, want 4 and 3 (created, renamed, transferred)", info["MemberNum"], info["InfoSeq"])
	}
	wantRoles["owner"], wantRoles["bob"] = "Member", "Owner"
	if diff := cmp.Diff(wantRoles, roles(t, s, g, people...)); diff != "" {
		t.Errorf("roles after the transfer (-want +got):\n%s", diff)
	}
	if muted := mutedList(t, s, g); len(muted) != 0 {
		t.Errorf("muted after the transfer: got %v, want none (the new owner's mute is lifted)", muted)
	}
	if diff := cmp.Diff(mustMembers(t, s, g), entryMembers(t, info)); diff != "" {
		t.Errorf("get_group_info MemberList differs from get_group_member_info (-member info +group info):\n%s", diff)
	}
	self := selfInfo(t, s, "bob", g, "Role")
	if self == nil || self["Role"] != "Owner" {
		t.Errorf("bob's SelfInfo: got %v, want Role Owner", self)
	}
	if p := appGroups(t, s, map[string]any{}); !slices.Contains(p.IDs, g) {
		t.Errorf("get_appid_group_list: got %v, want it to list %s", p.IDs, g)
	}

	mustCode(t, s, cmdDestroy, map[string]any{"GroupId": g}, codeOK)
	entry := getGroupInfo(t, s, []string{g}, nil)[0]
	if num(t, entry, "ErrorCode") != codeNoGroup {
		t.Errorf("get_group_info of the destroyed group: got %v, want ErrorCode 10010", entry)
	}
	for _, p := range people {
		if j := joined(t, s, p, map[string]any{"WithHugeGroups": 1}); j.Total != 0 {
			t.Errorf("%s is still in %v", p, j.ids())
		}
	}
	if p := appGroups(t, s, map[string]any{}); p.Total != 0 || len(p.IDs) != 0 {
		t.Errorf("get_appid_group_list after destroy: got %+v, want none", p)
	}
	mustCode(t, s, cmdGetRole, map[string]any{"GroupId": g, "User_Account": []string{"bob"}}, codeNoGroup)
}

// TestCommunityLifecycle walks a Community group of 20,000 members through the same
// life, and pages its members with Next: 20 pages of 1000, every member exactly once.
func TestCommunityLifecycle(t *testing.T) {
	s := newServer(t, timtest.Options{})
	const n = 20000
	people := make([]string, n)
	for i := range people {
		people[i] = fmt.Sprintf("c%05d", i)
	}
	s.MustImportAccounts(t, people...)
	g := s.MustCreateGroup(t, "Community", people[0])
	if !mintedIDOf["Community"].MatchString(g) {
		t.Fatalf("GroupId %q is not a minted Community ID", g)
	}
	s.MustAddMembers(t, g, people[1:]...)
	count := map[string]any{"ResponseFilter": map[string]any{"GroupBaseInfoFilter": []string{"MemberNum"}}}
	if got := num(t, getGroupInfo(t, s, []string{g}, count)[0], "MemberNum"); got != n {
		t.Fatalf("MemberNum: got %d, want %d", got, n)
	}

	admin, muted, heir := people[1], people[2], people[n-1]
	mustCode(t, s, cmdModify, modify(g, admin, map[string]any{"Role": "Admin"}), codeOK)
	mustCode(t, s, cmdForbid, forbid(g, 3600, muted, heir), codeOK)
	mustCode(t, s, cmdModifyBase, map[string]any{"GroupId": g, "Name": "Twenty thousand"}, codeOK)
	mustCode(t, s, cmdChangeOwner, changeOwner(g, heir), codeOK)
	info := getGroupInfo(t, s, []string{g}, map[string]any{"ResponseFilter": map[string]any{"GroupBaseInfoFilter": []string{"Name", "Owner_Account", "MemberNum"}}})[0]
	if info["Name"] != "Twenty thousand" || info["Owner_Account"] != heir || num(t, info, "MemberNum") != n {
		t.Errorf("group: got %v, want renamed, owned by %s, %d members", info, heir, n)
	}
	if diff := cmp.Diff(map[string]int64{muted: mutedList(t, s, g)[muted]}, mutedList(t, s, g)); diff != "" {
		t.Errorf("muted (-want +got):\n%s", diff)
	}

	var got []string
	next, pages := "", 0
	wantRole := map[string]string{people[0]: "Member", admin: "Admin", heir: "Owner"}
	for {
		pages++
		if pages > 21 {
			t.Fatalf("more than 21 pages of 1000 for %d members", n)
		}
		r := mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Limit": 1000, "Next": next, "MemberInfoFilter": []string{"Role", "MuteUntil"}}, codeOK)
		if num(t, r.Fields, "MemberNum") != n {
			t.Errorf("page %d: MemberNum %v, want %d", pages, r.Fields["MemberNum"], n)
		}
		ms := memberList(t, r)
		if len(ms) != 1000 {
			t.Errorf("page %d has %d members, want 1000", pages, len(ms))
		}
		for _, m := range ms {
			a, _ := m["Member_Account"].(string)
			role := wantRole[a]
			if role == "" {
				role = "Member"
			}
			if m["Role"] != role {
				t.Errorf("%s: Role %v, want %s", a, m["Role"], role)
			}
			if mu := num(t, m, "MuteUntil"); (mu != 0) != (a == muted) {
				t.Errorf("%s: MuteUntil %d", a, mu)
			}
		}
		got = append(got, accounts(ms)...)
		next, _ = r.Fields["Next"].(string)
		if next == "" {
			break
		}
	}
	if pages != 20 {
		t.Errorf("pages: got %d, want 20", pages)
	}
	if diff := cmp.Diff(people, got); diff != "" {
		t.Errorf("members over all pages, each once in join order (-want +got):\n%s", diff)
	}

	mustCode(t, s, cmdDestroy, map[string]any{"GroupId": g}, codeOK)
	mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g, "Limit": 1000}, codeNoGroup)
	if p := appGroups(t, s, map[string]any{"GroupType": "Community"}); p.Total != 0 {
		t.Errorf("Community groups after destroy: got %+v, want none", p)
	}
	if j := joined(t, s, heir, nil); j.Total != 0 {
		t.Errorf("%s is still in %v", heir, j.ids())
	}
}
