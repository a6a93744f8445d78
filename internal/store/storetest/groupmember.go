package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

var groupMemberScenarios = []scenario{
	{"GetGroupMember", testGetGroupMember},
}

// testGetGroupMember checks that GetGroupMember answers what GetGroup and GetMember
// answer, for a member, a non-member, a missing group and another app's group.
func testGetGroupMember(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleAdmin))
	mustSetMute(t, s, app1, "g", "a", 1900000000)
	mustSetMute(t, s, app1, "g", "gone", 1900000000) // a mute record of a non-member
	wantG := mustGetGroup(t, s, app1, "g")
	wantM := mustGetMember(t, s, app1, "g", "a")
	for _, view := range []bool{false, true} {
		run := MustUpdate
		if view {
			run = MustView
		}
		run(t, s, func(ctx context.Context, tx im.Tx) error {
			g, m, found, err := tx.GetGroupMember(ctx, app1, "g", "a", im.WriteGroup)
			if err != nil || !found {
				// Errorf, not Fatalf: fn may run on a store's own goroutine.
				t.Errorf("member a (view %v): found %v, err %v", view, found, err)
				return nil
			}
			if d := diff(wantG, g); d != "" {
				t.Errorf("group (view %v) (-GetGroup +GetGroupMember):\n%s", view, d)
			}
			if d := diff(wantM, m); d != "" {
				t.Errorf("member (view %v) (-GetMember +GetGroupMember):\n%s", view, d)
			}
			g, m, found, err = tx.GetGroupMember(ctx, app1, "g", "gone", im.WriteGroup)
			if err != nil || found || diff(wantG, g) != "" || diff(im.Member{}, m) != "" {
				t.Errorf("non-member (view %v): found %v, member %+v, err %v; want the group and no member", view, found, m, err)
			}
			if _, _, _, err := tx.GetGroupMember(ctx, app1, "missing", "a", im.WriteGroup); !errors.Is(err, im.ErrNotFound) {
				t.Errorf("missing group (view %v): err %v, want ErrNotFound", view, err)
			}
			if _, _, _, err := tx.GetGroupMember(ctx, app2, "g", "a", im.WriteGroup); !errors.Is(err, im.ErrNotFound) {
				t.Errorf("another app's group (view %v): err %v, want ErrNotFound", view, err)
			}
			return nil
		})
	}
}
