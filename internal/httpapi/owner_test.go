package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/timtest"
)

// The owner and role commands under test, by their path below /v4/.
const (
	cmdChangeOwner = "group_open_http_svc/change_group_owner"
	cmdGetRole     = "group_open_http_svc/get_role_in_group"
	cmdSpecified   = "group_open_http_svc/get_specified_group_member_info"
)

// changeOwner is a change_group_owner body.
func changeOwner(g, account string) map[string]any {
	return map[string]any{"GroupId": g, "NewOwner_Account": account}
}

// roles returns the answer of get_role_in_group for accounts as account → Role, failing
// the test unless the answer lists them in the order asked.
func roles(tb testing.TB, s *timtest.Server, g string, accounts ...string) map[string]string {
	tb.Helper()
	r := mustCode(tb, s, cmdGetRole, map[string]any{"GroupId": g, "User_Account": accounts}, codeOK)
	list, ok := r.Fields["UserIdList"].([]any)
	if !ok || len(list) != len(accounts) {
		tb.Fatalf("UserIdList of %d accounts: got %s", len(accounts), r.Raw)
	}
	out := map[string]string{}
	for i, e := range list {
		m, _ := e.(map[string]any)
		if m["Member_Account"] != accounts[i] {
			tb.Errorf("UserIdList[%d]: Member_Account %#v, want %q", i, m["Member_Account"], accounts[i])
		}
		role, _ := m["Role"].(string)
		out[accounts[i]] = role
	}
	return out
}

// owners returns the accounts whose Role is Owner in the member list of g.
func owners(tb testing.TB, s *timtest.Server, g string) []string {
	tb.Helper()
	var out []string
	for _, m := range mustMembers(tb, s, g) {
		if m["Role"] == "Owner" {
			a, _ := m["Member_Account"].(string)
			out = append(out, a)
		}
	}
	return out
}

// TestChangeGroupOwner checks change_group_owner (Tencent's docs, see docs/compatibility.md Sources, docs/compatibility.md §6).
func TestChangeGroupOwner(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "adm", "bob", "carol", "dave")

	t.Run("transfer", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner", "adm", "bob", "carol")
		mustCode(t, s, cmdModify, modify(g, "adm", map[string]any{"Role": "Admin"}), codeOK)
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"MuteTime": 3600, "NameCard": "Bob"}), codeOK)
		mustCode(t, s, cmdModify, modify(g, "carol", map[string]any{"MuteTime": 3600}), codeOK)
		before := mustGroupInfo(t, s, g)
		mustCode(t, s, cmdChangeOwner, changeOwner(g, "bob"), codeOK)
		after := mustGroupInfo(t, s, g)
		if after["Owner_Account"] != "bob" {
			t.Errorf("Owner_Account: got %#v, want bob", after["Owner_Account"])
		}
		if got, want := num(t, after, "InfoSeq"), num(t, before, "InfoSeq")+1; got != want {
			t.Errorf("InfoSeq: got %d, want %d", got, want)
		}
		want := map[string]string{"owner": "Member", "adm": "Admin", "bob": "Owner", "carol": "Member", "dave": "NotMember"}
		if diff := cmp.Diff(want, roles(t, s, g, "owner", "adm", "bob", "carol", "dave")); diff != "" {
			t.Errorf("roles (-want +got):\n%s", diff)
		}
		bob := mustMember(t, s, g, "bob")
		if num(t, bob, "MuteUntil") != 0 || num(t, bob, "ShutUpUntil") != 0 || bob["NameCard"] != "Bob" {
			t.Errorf("bob as owner: got %v, want unmuted with his name card", bob)
		}
		if diff := cmp.Diff(map[string]int64{"carol": num(t, mustMember(t, s, g, "carol"), "MuteUntil")}, mutedList(t, s, g)); diff != "" {
			t.Errorf("muted accounts (-want +got):\n%s", diff)
		}
		// The new owner is protected as owners are; the old one is an ordinary member.
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"MuteTime": 60}), codeNotAllowed)
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"Role": "Member"}), codeInvalid)
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{"bob"}}, codeInvalid)
		mustCode(t, s, cmdModify, modify(g, "owner", map[string]any{"MuteTime": 60, "Role": "Admin"}), codeOK)
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{"owner"}}, codeOK)
		if got := owners(t, s, g); strings.Join(got, ",") != "bob" {
			t.Errorf("owners: got %v, want bob", got)
		}
	})
	t.Run("admin becomes owner", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Community", "owner", "adm")
		mustCode(t, s, cmdModify, modify(g, "adm", map[string]any{"Role": "Admin"}), codeOK)
		mustCode(t, s, cmdChangeOwner, changeOwner(g, "adm"), codeOK)
		if diff := cmp.Diff(map[string]string{"owner": "Member", "adm": "Owner"}, roles(t, s, g, "owner", "adm")); diff != "" {
			t.Errorf("roles (-want +got):\n%s", diff)
		}
	})
	t.Run("ownerless group", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "", "bob", "carol")
		if got := mustGroupInfo(t, s, g)["Owner_Account"]; got != "" {
			t.Fatalf("Owner_Account of an ownerless group: got %#v, want \"\"", got)
		}
		mustCode(t, s, cmdChangeOwner, changeOwner(g, "carol"), codeOK)
		if got := mustGroupInfo(t, s, g)["Owner_Account"]; got != "carol" {
			t.Errorf("Owner_Account: got %#v, want carol", got)
		}
		if diff := cmp.Diff(map[string]string{"bob": "Member", "carol": "Owner"}, roles(t, s, g, "bob", "carol")); diff != "" {
			t.Errorf("roles (-want +got):\n%s", diff)
		}
	})
	t.Run("group left ownerless by account_delete", func(t *testing.T) {
		s.MustImportAccounts(t, "leaver")
		g := s.MustCreateGroup(t, "Public", "leaver", "bob")
		mustCode(t, s, "im_open_login_svc/account_delete", map[string]any{"DeleteItem": []map[string]string{{"UserID": "leaver"}}}, codeOK)
		mustCode(t, s, cmdChangeOwner, changeOwner(g, "bob"), codeOK)
		if got := owners(t, s, g); strings.Join(got, ",") != "bob" {
			t.Errorf("owners: got %v, want bob", got)
		}
	})
	t.Run("every type but AVChatRoom", func(t *testing.T) {
		for _, typ := range []string{"Private", "Public", "ChatRoom", "Community", "Work", "Meeting"} {
			g := s.MustCreateGroup(t, typ, "owner", "bob")
			mustCode(t, s, cmdChangeOwner, changeOwner(g, "bob"), codeOK)
			if got := owners(t, s, g); strings.Join(got, ",") != "bob" {
				t.Errorf("%s: owners %v, want bob", typ, got)
			}
		}
	})
	t.Run("to the current owner", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner", "bob")
		before := mustGroupInfo(t, s, g)
		mustCode(t, s, cmdChangeOwner, changeOwner(g, "owner"), codeOK)
		if diff := cmp.Diff(before, mustGroupInfo(t, s, g)); diff != "" {
			t.Errorf("the group changed (-before +after):\n%s", diff)
		}
	})
	g := s.MustCreateGroup(t, "Public", "owner", "bob")
	av := s.MustCreateGroup(t, "AVChatRoom", "owner")
	gone := s.MustCreateGroup(t, "Public", "owner", "bob")
	mustCode(t, s, cmdDestroy, map[string]any{"GroupId": gone}, codeOK)
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"not a member", changeOwner(g, "dave"), codeNotAllowed},
		{"never imported", changeOwner(g, "ghost"), codeNotAllowed},
		{"AVChatRoom", changeOwner(av, "bob"), codeNotAllowed},
		{"AVChatRoom to its owner", changeOwner(av, "owner"), codeNotAllowed},
		{"NewOwner_Account empty", changeOwner(g, ""), codeInvalid},
		{"NewOwner_Account missing", map[string]any{"GroupId": g}, codeInvalid},
		{"NewOwner_Account 33 bytes", changeOwner(g, strings.Repeat("a", 33)), codeInvalid},
		{"NewOwner_Account number", map[string]any{"GroupId": g, "NewOwner_Account": 5}, codeBadJSON},
		{"GroupId missing", map[string]any{"NewOwner_Account": "bob"}, codeBadGroupID},
		{"unknown group", changeOwner(unknown, "bob"), codeNoGroup},
		{"destroyed group", changeOwner(gone, "bob"), codeNoGroup},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			before := groupSnapshot(t, s, g)
			info := mustGroupInfo(t, s, g)
			mustCode(t, s, cmdChangeOwner, tc.body, tc.want)
			if diff := cmp.Diff(before, groupSnapshot(t, s, g)); diff != "" {
				t.Errorf("the members changed (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(info, mustGroupInfo(t, s, g)); diff != "" {
				t.Errorf("the group changed (-before +after):\n%s", diff)
			}
		})
	}
}

// TestChangeGroupOwnerConcurrent transfers a group to 20 members at once while its
// members' roles change: afterwards exactly one member is Owner, and it is the group's
// Owner_Account.
func TestChangeGroupOwnerConcurrent(t *testing.T) {
	s := newServer(t, timtest.Options{})
	ms := names("heir", 20)
	s.MustImportAccounts(t, append([]string{"owner"}, ms...)...)
	for round := range 3 {
		t.Run(fmt.Sprint("round ", round), func(t *testing.T) {
			g := s.MustCreateGroup(t, "Public", "owner", ms...)
			type result struct {
				call string
				code int
				err  error
			}
			results := make(chan result, 2*len(ms))
			start := make(chan struct{})
			var wg sync.WaitGroup
			call := func(name string, body map[string]any) {
				defer wg.Done()
				<-start
				r, err := s.Call(context.Background(), name, body)
				res := result{call: fmt.Sprintf("%s %v", name, body), err: err}
				if r != nil {
					res.code = r.ErrorCode
				}
				results <- res
			}
			for i, m := range ms {
				wg.Add(2)
				go call(cmdChangeOwner, changeOwner(g, m))
				role := []string{"Admin", "Member"}[i%2]
				go call(cmdModify, modify(g, ms[(i+1)%len(ms)], map[string]any{"Role": role}))
			}
			close(start)
			wg.Wait()
			close(results)
			for r := range results {
				switch {
				case r.err != nil:
					t.Errorf("%s: %v", r.call, r.err)
				case strings.HasPrefix(r.call, cmdChangeOwner) && r.code != codeOK:
					t.Errorf("%s: ErrorCode %d, want 0", r.call, r.code)
				case r.code != codeOK && r.code != codeInvalid: // 10004: the target was the owner then
					t.Errorf("%s: ErrorCode %d, want 0 or 10004", r.call, r.code)
				}
			}
			owner, _ := mustGroupInfo(t, s, g)["Owner_Account"].(string)
			got := owners(t, s, g)
			if len(got) != 1 || got[0] != owner {
				t.Fatalf("members with Role Owner: %v, want exactly Owner_Account %q", got, owner)
			}
			if owner == "owner" {
				t.Errorf("Owner_Account is still the first owner after 20 transfers")
			}
			n := 0
			for _, role := range roles(t, s, g, append([]string{"owner"}, ms...)...) {
				if role == "Owner" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("get_role_in_group reports %d owners, want 1", n)
			}
			if len(mustMembers(t, s, g)) != 21 {
				t.Errorf("member count changed")
			}
		})
	}
}

// TestGetRoleInGroup checks get_role_in_group (Tencent's docs, see docs/compatibility.md Sources, docs/compatibility.md §6).
func TestGetRoleInGroup(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "adm", "bob", "dave")
	g := s.MustCreateGroup(t, "Public", "owner", "adm", "bob")
	mustCode(t, s, cmdModify, modify(g, "adm", map[string]any{"Role": "Admin"}), codeOK)

	t.Run("roles", func(t *testing.T) {
		want := map[string]string{"owner": "Owner", "adm": "Admin", "bob": "Member", "dave": "NotMember", "ghost": "NotMember"}
		if diff := cmp.Diff(want, roles(t, s, g, "bob", "ghost", "owner", "dave", "adm", "bob")); diff != "" {
			t.Errorf("roles (-want +got):\n%s", diff)
		}
	})
	t.Run("a removed member", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Community", "owner", "bob")
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{"bob"}}, codeOK)
		if got := roles(t, s, g, "bob")["bob"]; got != "NotMember" {
			t.Errorf("bob after removal: got %q, want NotMember", got)
		}
	})
	t.Run("every type but AVChatRoom", func(t *testing.T) {
		for _, typ := range []string{"Private", "ChatRoom", "Community"} {
			g := s.MustCreateGroup(t, typ, "owner", "bob")
			if diff := cmp.Diff(map[string]string{"owner": "Owner", "bob": "Member"}, roles(t, s, g, "owner", "bob")); diff != "" {
				t.Errorf("%s (-want +got):\n%s", typ, diff)
			}
		}
	})
	t.Run("500 accounts", func(t *testing.T) {
		list := names("u", 500)
		got := roles(t, s, g, list...)
		for _, a := range list {
			if got[a] != "NotMember" {
				t.Fatalf("%s: got %q, want NotMember", a, got[a])
			}
		}
		r := mustCode(t, s, cmdGetRole, map[string]any{"GroupId": g, "User_Account": names("u", 501)}, codeOverLimit)
		hasInfo(t, r, "501", "500")
	})
	av := s.MustCreateGroup(t, "AVChatRoom", "owner")
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"AVChatRoom", map[string]any{"GroupId": av, "User_Account": []string{"owner"}}, codeNotAllowed},
		{"no accounts", map[string]any{"GroupId": g, "User_Account": []string{}}, codeInvalid},
		{"User_Account missing", map[string]any{"GroupId": g}, codeInvalid},
		{"empty account", map[string]any{"GroupId": g, "User_Account": []string{"bob", ""}}, codeInvalid},
		{"account 33 bytes", map[string]any{"GroupId": g, "User_Account": []string{strings.Repeat("a", 33)}}, codeInvalid},
		{"User_Account string", map[string]any{"GroupId": g, "User_Account": "bob"}, codeBadJSON},
		{"GroupId missing", map[string]any{"User_Account": []string{"bob"}}, codeBadGroupID},
		{"unknown group", map[string]any{"GroupId": unknown, "User_Account": []string{"bob"}}, codeNoGroup},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) { mustCode(t, s, cmdGetRole, tc.body, tc.want) })
	}
}

// specified posts get_specified_group_member_info for accounts of g with extra fields.
func specified(t *testing.T, s *timtest.Server, g string, accounts []string, fields map[string]any) []member {
	t.Helper()
	body := map[string]any{"GroupId": g, "Member_List_Account": accounts}
	for k, v := range fields {
		body[k] = v
	}
	return memberList(t, mustCode(t, s, cmdSpecified, body, codeOK))
}

// TestGetSpecifiedGroupMemberInfo checks get_specified_group_member_info
// (Tencent's docs, see docs/compatibility.md Sources): up to 50 accounts, non-members left out, the filters of
// get_group_member_info.
func TestGetSpecifiedGroupMemberInfo(t *testing.T) {
	s := newServer(t, timtest.Options{MemberFields: []string{"Level", "Title"}})
	s.MustImportAccounts(t, "owner", "bob", "carol", "dave")
	g := readFixture(t, s)

	t.Run("members in the order asked", func(t *testing.T) {
		ms := specified(t, s, g, []string{"carol", "ghost", "dave", "owner", "bob"}, nil)
		if got := accounts(ms); strings.Join(got, ",") != "carol,owner,bob" {
			t.Fatalf("members: got %v, want carol, owner, bob", got)
		}
		for _, m := range ms {
			if diff := cmp.Diff(mustMember(t, s, g, m["Member_Account"].(string)), m); diff != "" {
				t.Errorf("%s differs from get_group_member_info (-member info +specified):\n%s", m["Member_Account"], diff)
			}
		}
	})
	t.Run("only non-members", func(t *testing.T) {
		if ms := specified(t, s, g, []string{"dave", "ghost"}, nil); len(ms) != 0 {
			t.Errorf("members: got %v, want none", accounts(ms))
		}
	})
	t.Run("MemberInfoFilter", func(t *testing.T) {
		ms := specified(t, s, g, []string{"bob"}, map[string]any{"MemberInfoFilter": []string{"Role", "ShutUpUntil"}})
		if diff := cmp.Diff(sorted("Member_Account", "Role", "ShutUpUntil"), fieldNames(ms[0])); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		if ms[0]["Role"] != "Admin" || num(t, ms[0], "ShutUpUntil") == 0 {
			t.Errorf("bob: got %v, want Admin and muted", ms[0])
		}
	})
	t.Run("AppDefinedDataFilter_GroupMember", func(t *testing.T) {
		ms := specified(t, s, g, []string{"bob", "carol"}, map[string]any{"MemberInfoFilter": []string{"NameCard"}, "AppDefinedDataFilter_GroupMember": []string{"Title"}})
		if diff := cmp.Diff(sorted("Member_Account", "NameCard", "AppMemberDefinedData"), fieldNames(ms[0])); diff != "" {
			t.Errorf("bob's fields (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]string{"Title": "mod"}, customData(t, ms[0])); diff != "" {
			t.Errorf("bob's custom data (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(sorted("Member_Account", "NameCard"), fieldNames(ms[1])); diff != "" {
			t.Errorf("carol's fields (-want +got):\n%s", diff)
		}
	})
	t.Run("50 accounts", func(t *testing.T) {
		list := append(names("x", 49), "bob")
		if ms := specified(t, s, g, list, nil); strings.Join(accounts(ms), ",") != "bob" {
			t.Errorf("members: got %v, want bob", accounts(ms))
		}
		r := mustCode(t, s, cmdSpecified, map[string]any{"GroupId": g, "Member_List_Account": append(list, "carol")}, codeOverLimit)
		hasInfo(t, r, "51", "50")
	})
	av := s.MustCreateGroup(t, "AVChatRoom", "owner")
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"AVChatRoom", map[string]any{"GroupId": av, "Member_List_Account": []string{"owner"}}, codeNotAllowed},
		{"no accounts", map[string]any{"GroupId": g, "Member_List_Account": []string{}}, codeInvalid},
		{"Member_List_Account missing", map[string]any{"GroupId": g}, codeInvalid},
		{"account 33 bytes", map[string]any{"GroupId": g, "Member_List_Account": []string{strings.Repeat("a", 33)}}, codeInvalid},
		{"GroupId missing", map[string]any{"Member_List_Account": []string{"bob"}}, codeBadGroupID},
		{"unknown group", map[string]any{"GroupId": unknown, "Member_List_Account": []string{"bob"}}, codeNoGroup},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) { mustCode(t, s, cmdSpecified, tc.body, tc.want) })
	}
}

// TestGoldenOwnerAndRoles checks the answers of change_group_owner, get_role_in_group
// and get_specified_group_member_info on an imported group.
func TestGoldenOwnerAndRoles(t *testing.T) {
	s := newGoldenServer(t)
	awayFromFixedTimes(s)
	golden(t, s, cmdImportGroup, "public_sample", nil)
	golden(t, s, cmdGetRole, "roles", nil)
	golden(t, s, cmdSpecified, "all", nil)
	golden(t, s, cmdSpecified, "filter", nil)
	golden(t, s, cmdChangeOwner, "not_member", nil)
	golden(t, s, cmdChangeOwner, "transfer", nil)
	golden(t, s, cmdGetRole, "after_transfer", nil)
}
