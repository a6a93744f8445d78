package group_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// TestChangeOwner checks change_group_owner: the new owner must be a member, the old
// owner becomes a Member, a mute on the new owner is lifted, and OwnerChanged is recorded.
func TestChangeOwner(t *testing.T) {
	e := newEnv(t, "owner", "bob", "dave")
	g := e.mustCreate(t, im.TypePublic, "owner", "bob")
	if err := e.svc.ForbidSendMsg(t.Context(), e.caller, g, []string{"bob"}, group.Int(600)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "to a non-member", e.svc.ChangeOwner(t.Context(), e.caller, g, "dave"), im.CodeNotAllowed)
	if err := e.svc.ChangeOwner(t.Context(), e.caller, g, "bob"); err != nil {
		t.Fatal(err)
	}
	if m := e.member(t, g, "bob"); m.Role != im.RoleOwner || m.MuteUntil != 0 {
		t.Errorf("new owner: role %s MuteUntil %d, want Owner 0", m.Role, m.MuteUntil)
	}
	if m := e.member(t, g, "owner"); m.Role != im.RoleMember {
		t.Errorf("old owner: role %s, want Member", m.Role)
	}
	want := []im.Event{im.OwnerChanged{EventHead: im.EventHead{Operator: "admin"}, OldOwner: "owner", NewOwner: "bob"}}
	if diff := cmp.Diff(want, e.events.take(), ignoreGroup); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
