package group_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// TestCreateGroupEvents checks what the app hears of a new group: CreatingGroup with the
// owner's groups of the type counted, then GroupCreated whose Members leave the owner
// out (docs/compatibility.md §7); import_group asks and records nothing.
func TestCreateGroupEvents(t *testing.T) {
	e := newEnv(t, "owner", "bob")
	e.mustCreate(t, im.TypePublic, "owner")
	e.mustCreate(t, im.TypePrivate, "owner")
	e.events.asked = nil
	c, err := e.svc.CreateGroup(t.Context(), e.caller, group.CreateRequest{
		Type: "Public", Name: "third", Owner: "owner", Members: []group.NewMember{{Account: "bob"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	asked := e.events.asked
	if len(asked) != 1 {
		t.Fatalf("asked %d times, want once", len(asked))
	}
	if ev := asked[0].(im.CreatingGroup); ev.OwnedOfType != 1 || !cmp.Equal(ev.Members, []string{"bob"}) {
		t.Errorf("CreatingGroup: OwnedOfType %d Members %v, want 1 [bob]", ev.OwnedOfType, ev.Members)
	}
	evs := e.events.take()
	if len(evs) != 1 {
		t.Fatalf("recorded %v, want one GroupCreated", evs)
	}
	created := evs[0].(im.GroupCreated)
	if created.Group.ID != c.GroupID || created.Group.Owner != "owner" || !cmp.Equal(created.Members, []string{"bob"}) {
		t.Errorf("GroupCreated: group %q owner %q Members %v", created.Group.ID, created.Group.Owner, created.Members)
	}

	e.events.asked = nil
	if _, err := e.svc.ImportGroup(t.Context(), e.caller, group.CreateRequest{Type: "Public", Name: "old", Owner: "owner"}); err != nil {
		t.Fatal(err)
	}
	if len(e.events.asked) != 0 || len(e.events.take()) != 0 {
		t.Errorf("import_group asked %v and recorded events; want neither", e.events.asked)
	}
}

// TestCreateGroupIDs checks custom IDs: in use 10021, in use by the same owner 10025,
// malformed 10015, and a destroyed custom ID reusable.
func TestCreateGroupIDs(t *testing.T) {
	e := newEnv(t, "owner", "other")
	create := func(id, owner string) error {
		_, err := e.svc.CreateGroup(t.Context(), e.caller, group.CreateRequest{Type: "Public", Name: "g", Owner: owner, GroupID: id})
		return err
	}
	if err := create("team", "owner"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "same ID, other owner", create("team", "other"), im.CodeGroupIDInUse)
	wantCode(t, "same ID, same owner", create("team", "owner"), im.CodeGroupIDOwned)
	wantCode(t, "ID with the minted prefix", create("@TGS#2ABCDEFGH", "owner"), im.CodeInvalidGroupID)
	if err := e.svc.DestroyGroup(t.Context(), e.caller, "team"); err != nil {
		t.Fatal(err)
	}
	if err := create("team", "other"); err != nil {
		t.Errorf("reuse of a destroyed custom ID: %v", err)
	}
}
