package group_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// ignoreGroup leaves the group of an event out of a comparison: tests check its ID apart.
var ignoreGroup = cmpopts.IgnoreFields(im.EventHead{}, "Group", "Time")

// TestAddMembers checks add_group_member's per-account outcomes, the all-or-nothing
// MaxMemberNum check, and the events of an add that fills the group.
func TestAddMembers(t *testing.T) {
	e := newEnv(t, "owner", "bob", "carol", "dave", "erin")
	c, err := e.svc.CreateGroup(t.Context(), e.caller, group.CreateRequest{Type: "Public", Name: "g", Owner: "owner", MaxMemberCount: 4})
	if err != nil {
		t.Fatal(err)
	}
	g := c.GroupID
	e.events.take()
	out, err := e.svc.AddMembers(t.Context(), e.caller, g, []string{"bob", "ghost", "bob"})
	if err != nil {
		t.Fatalf("AddMembers: %v", err)
	}
	want := []group.AddOutcome{{"bob", group.AddAdded}, {"ghost", group.AddFailed}, {"bob", group.AddAlreadyMember}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]im.Event{im.MembersJoined{EventHead: im.EventHead{Operator: "admin"}, JoinType: im.JoinInvited, Accounts: []string{"bob"}}},
		e.events.take(), ignoreGroup); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// Three more would make 5 of 4: nobody is added.
	_, err = e.svc.AddMembers(t.Context(), e.caller, g, []string{"carol", "dave", "erin"})
	wantCode(t, "AddMembers over MaxMemberNum", err, im.CodeGroupFull)
	if evs := e.events.take(); len(evs) != 0 {
		t.Errorf("a refused add recorded %v", evs)
	}
	if roles, _ := e.svc.RolesInGroup(t.Context(), e.caller, g, []string{"carol"}); roles[0].Role != im.RoleNotMember {
		t.Errorf("carol after a refused add: %s", roles[0].Role)
	}

	// Two fill it: MembersJoined, then GroupFull.
	if _, err := e.svc.AddMembers(t.Context(), e.caller, g, []string{"carol", "dave"}); err != nil {
		t.Fatal(err)
	}
	kinds := []im.EventKind{}
	for _, ev := range e.events.take() {
		kinds = append(kinds, ev.Kind())
	}
	if diff := cmp.Diff([]im.EventKind{im.KindMembersJoined, im.KindGroupFull}, kinds); diff != "" {
		t.Errorf("event kinds (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name     string
		group    string
		accounts []string
		want     im.Code
	}{
		{"empty list", g, nil, im.CodeInvalidParam},
		{"malformed account", g, []string{"a\x01"}, im.CodeInvalidParam},
		{"over the batch", g, make([]string, 301), im.CodeBatchTooLarge},
		{"bad group ID", "", []string{"bob"}, im.CodeInvalidGroupID},
		{"no such group", "@TGS#2AAAAAAAA", []string{"bob"}, im.CodeGroupNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			accounts := tc.accounts
			for i := range accounts {
				if accounts[i] == "" {
					accounts[i] = fmt.Sprintf("u%d", i)
				}
			}
			_, err := e.svc.AddMembers(t.Context(), e.caller, tc.group, accounts)
			wantCode(t, "AddMembers", err, tc.want)
		})
	}
	t.Run("AVChatRoom", func(t *testing.T) {
		av := e.mustCreate(t, im.TypeAVChatRoom, "owner")
		_, err := e.svc.AddMembers(t.Context(), e.caller, av, []string{"bob"})
		wantCode(t, "AddMembers to an AVChatRoom", err, im.CodeNotAllowed)
	})
}

// TestAddMembersRefusedByApp checks that accounts the app refuses in its answer to
// InvitingMembers fail like accounts never imported, while the rest are added.
func TestAddMembersRefusedByApp(t *testing.T) {
	e := newEnv(t, "owner", "bob", "carol")
	g := e.mustCreate(t, im.TypePublic, "owner")
	e.events.verdict = im.Verdict{RefusedAccounts: []string{"carol"}}
	out, err := e.svc.AddMembers(t.Context(), e.caller, g, []string{"bob", "carol"})
	if err != nil {
		t.Fatal(err)
	}
	want := []group.AddOutcome{{"bob", group.AddAdded}, {"carol", group.AddFailed}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

// TestDeleteMembers checks delete_group_member: non-members succeed silently, the owner is
// never removed, and one MembersLeft names those who left.
func TestDeleteMembers(t *testing.T) {
	e := newEnv(t, "owner", "bob", "carol", "dave")
	g := e.mustCreate(t, im.TypePublic, "owner", "bob", "carol")
	if err := e.svc.DeleteMembers(t.Context(), e.caller, g, []string{"bob", "dave", "ghost"}); err != nil {
		t.Fatalf("DeleteMembers: %v", err)
	}
	want := []im.Event{im.MembersLeft{EventHead: im.EventHead{Operator: "admin"}, ExitType: im.ExitKicked, Accounts: []string{"bob"}}}
	if diff := cmp.Diff(want, e.events.take(), ignoreGroup); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	err := e.svc.DeleteMembers(t.Context(), e.caller, g, []string{"carol", "owner"})
	wantCode(t, "DeleteMembers of the owner", err, im.CodeInvalidParam)
	if roles, _ := e.svc.RolesInGroup(t.Context(), e.caller, g, []string{"carol"}); roles[0].Role != im.RoleMember {
		t.Errorf("carol after a refused delete: %s, want Member (nothing changes)", roles[0].Role)
	}
	if err := e.svc.DeleteMembers(t.Context(), e.caller, g, []string{"dave"}); err != nil {
		t.Fatalf("DeleteMembers of a non-member: %v", err)
	}
	if evs := e.events.take(); len(evs) != 0 {
		t.Errorf("a delete that removed nobody recorded %v", evs)
	}
}
