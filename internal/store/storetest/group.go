package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// groupScenarios check CreateGroup, GroupIDUsed, GetGroup, UpdateGroup and DestroyGroup.
var groupScenarios = []scenario{
	{"CreateGroup/RoundTrip", testCreateGroupRoundTrip},
	{"CreateGroup/Conflict", testCreateGroupConflict},
	{"CreateGroup/ReuseDestroyedID", testCreateGroupReuseDestroyedID},
	{"GetGroup/NotFound", testGetGroupNotFound},
	{"GetGroup/EmptyAppData", testGetGroupEmptyAppData},
	{"GetGroup/MemberNum", testGetGroupMemberNum},
	{"GroupIDUsed", testGroupIDUsed},
	{"UpdateGroup/RoundTrip", testUpdateGroupRoundTrip},
	{"UpdateGroup/NotFound", testUpdateGroupNotFound},
	{"DestroyGroup", testDestroyGroup},
	{"DestroyGroup/NotFound", testDestroyGroupNotFound},
}

func testCreateGroupRoundTrip(t *testing.T, s im.Store) {
	g := newGroup(app1, "@TGS#1ABCDEFGH")
	g.Type = im.TypeCommunity
	g.MuteAllMember = true
	g.InviteJoinOption = ""
	g.AppData = map[string]string{
		"binary":  "a\x00\x01\x7f",
		"unicode": "群组 ✓ 😀",
		"quotes":  `"quoted" \ <tag> & 'single'`,
		"empty":   "",
	}
	g.MemberNum = 99 // writes ignore MemberNum
	mustCreateGroup(t, s, g)

	g.MemberNum = 0
	if d := diff(g, mustGetGroup(t, s, app1, g.ID), ignoreGroupSeq); d != "" {
		t.Errorf("GetGroup after CreateGroup (-want +got):\n%s", d)
	}
}

func testCreateGroupConflict(t *testing.T, s im.Store) {
	g := newGroup(app1, "g")
	mustCreateGroup(t, s, g)
	again := newGroup(app1, "g")
	again.Name = "another"
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return tx.CreateGroup(ctx, again)
	})
	if !errors.Is(err, im.ErrConflict) {
		t.Fatalf("CreateGroup of a taken ID: got %v, want ErrConflict", err)
	}
	if got := mustGetGroup(t, s, app1, "g"); got.Name != g.Name {
		t.Errorf("Name after a conflicting CreateGroup: got %q, want %q", got.Name, g.Name)
	}
}

// testCreateGroupReuseDestroyedID creates a group with the ID of a destroyed one: it starts
// empty, without the old group's members and mutes.
func testCreateGroupReuseDestroyedID(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleOwner), newMember("g", "b", im.RoleMember))
	mustSetMute(t, s, app1, "g", "b", im.MuteForever)
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.DestroyGroup(ctx, app1, "g")
	})

	reborn := newGroup(app1, "g")
	reborn.Name = "reborn"
	reborn.AppData = nil
	mustCreateGroup(t, s, reborn)
	if d := diff(reborn, mustGetGroup(t, s, app1, "g"), ignoreGroupSeq); d != "" {
		t.Errorf("GetGroup of the re-created group (-want +got):\n%s", d)
	}
	if got := mustListMembers(t, s, app1, "g", im.MemberQuery{}); len(got) != 0 {
		t.Errorf("members of the re-created group: got %v, want none", accounts(got))
	}
	if got := mustListMutes(t, s, app1, "g", 0, false); len(got) != 0 {
		t.Errorf("mutes of the re-created group: got %v, want none", got)
	}
	mustAddMembers(t, s, app1, newMember("g", "b", im.RoleMember))
	if m := mustGetMember(t, s, app1, "g", "b"); m.MuteUntil != 0 {
		t.Errorf("MuteUntil in the re-created group: got %d, want 0", m.MuteUntil)
	}
}

func testGetGroupNotFound(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	if _, err := getGroup(t, s, app1, "h"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetGroup of a missing group: got %v, want ErrNotFound", err)
	}
}

// testGetGroupEmptyAppData checks that nil and empty AppData both read back empty.
func testGetGroupEmptyAppData(t *testing.T, s im.Store) {
	for id, data := range map[string]map[string]string{"nil": nil, "empty": {}} {
		g := newGroup(app1, id)
		g.AppData = data
		mustCreateGroup(t, s, g)
		got := mustGetGroup(t, s, app1, id)
		if len(got.AppData) != 0 {
			t.Errorf("AppData written as %#v: got %#v, want empty", data, got.AppData)
		}
		if d := diff(g, got, ignoreGroupSeq); d != "" {
			t.Errorf("GetGroup of group %q (-want +got):\n%s", id, d)
		}
	}
}

// testGetGroupMemberNum follows MemberNum through adds, a conflict and deletes.
func testGetGroupMemberNum(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "c"})
	mustCreateGroup(t, s, newGroup(app1, "g"))
	check := func(when string, want int64) {
		t.Helper()
		if got := mustGetGroup(t, s, app1, "g").MemberNum; got != want {
			t.Errorf("MemberNum %s: got %d, want %d", when, got, want)
		}
		if got := mustCount(t, s, app1, "g", ""); got != want {
			t.Errorf("CountMembers %s: got %d, want %d", when, got, want)
		}
	}
	check("of a new group", 0)
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleOwner), newMember("g", "b", im.RoleMember),
		newMember("g", "c", im.RoleMember))
	check("after 3 adds", 3)
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return tx.AddMember(ctx, app1, newMember("g", "a", im.RoleMember))
	})
	if !errors.Is(err, im.ErrConflict) {
		t.Errorf("AddMember of a member: got %v, want ErrConflict", err)
	}
	check("after a conflicting add", 3)
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.DeleteMember(ctx, app1, "g", "b")
	})
	check("after DeleteMember", 2)
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.DeleteAccount(ctx, app1, "c")
	})
	check("after DeleteAccount", 1)
}

func testGroupIDUsed(t *testing.T, s im.Store) {
	used := func(id string) bool {
		t.Helper()
		var ok bool
		MustView(t, s, func(ctx context.Context, tx im.Tx) (err error) {
			ok, err = tx.GroupIDUsed(ctx, app1, id)
			return err
		})
		return ok
	}
	if used("g") {
		t.Errorf("GroupIDUsed of a never-used ID: got true, want false")
	}
	mustCreateGroup(t, s, newGroup(app1, "g"))
	if !used("g") {
		t.Errorf("GroupIDUsed of a live group: got false, want true")
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.DestroyGroup(ctx, app1, "g")
	})
	if !used("g") {
		t.Errorf("GroupIDUsed of a destroyed group: got false, want true")
	}
	if used("h") {
		t.Errorf("GroupIDUsed of another ID: got true, want false")
	}
	mustCreateGroup(t, s, newGroup(app1, "g"))
	if !used("g") {
		t.Errorf("GroupIDUsed of a re-created group: got false, want true")
	}
}

func testUpdateGroupRoundTrip(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleOwner))
	seq := mustGetGroup(t, s, app1, "g").Seq
	g := im.Group{
		App: app1, ID: "g", Type: im.TypePrivate, Name: "new name", Introduction: "new intro",
		Notification: "new notice", FaceURL: "https://example.com/new.png", Owner: "a",
		CreateTime: 1800000000, InfoSeq: 4, LastInfoTime: 1800000100, LastMsgTime: 1800000200,
		NextMsgSeq: 43, MaxMemberNum: 0, ApplyJoinOption: im.JoinFreeAccess,
		InviteJoinOption: im.JoinNeedPermission, MuteAllMember: true,
		AppData:   map[string]string{"level": "8", "new": "x\x00y"},
		MemberNum: 77,        // writes ignore MemberNum
		Seq:       seq + 100, // and Seq
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.UpdateGroup(ctx, g)
	})
	g.MemberNum, g.Seq = 1, seq
	if d := diff(g, mustGetGroup(t, s, app1, "g")); d != "" {
		t.Errorf("GetGroup after UpdateGroup (-want +got):\n%s", d)
	}

	g.AppData = nil
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.UpdateGroup(ctx, g)
	})
	if got := mustGetGroup(t, s, app1, "g"); len(got.AppData) != 0 {
		t.Errorf("AppData after UpdateGroup with none: got %v, want empty", got.AppData)
	}
}

func testUpdateGroupNotFound(t *testing.T, s im.Store) {
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return tx.UpdateGroup(ctx, newGroup(app1, "missing"))
	})
	if !errors.Is(err, im.ErrNotFound) {
		t.Errorf("UpdateGroup of a missing group: got %v, want ErrNotFound", err)
	}
}

func testDestroyGroup(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustCreateGroup(t, s, newGroup(app1, "h"))
	for _, id := range []string{"g", "h"} {
		mustAddMembers(t, s, app1, newMember(id, "a", im.RoleOwner), newMember(id, "b", im.RoleMember))
		mustSetMute(t, s, app1, id, "b", im.MuteForever)
		mustSetMute(t, s, app1, id, "gone", im.MuteForever)
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.DestroyGroup(ctx, app1, "g")
	})

	if _, err := getGroup(t, s, app1, "g"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetGroup after DestroyGroup: got %v, want ErrNotFound", err)
	}
	if _, err := getMember(t, s, app1, "g", "a"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetMember after DestroyGroup: got %v, want ErrNotFound", err)
	}
	if got := mustListMembers(t, s, app1, "g", im.MemberQuery{}); len(got) != 0 {
		t.Errorf("ListMembers after DestroyGroup: got %v, want none", accounts(got))
	}
	if got := mustCount(t, s, app1, "g", im.RoleMember); got != 0 {
		t.Errorf("CountMembers after DestroyGroup: got %d, want 0", got)
	}
	if got := mustListMutes(t, s, app1, "g", 0, false); len(got) != 0 {
		t.Errorf("ListMutes after DestroyGroup: got %v, want none", got)
	}
	if got := mustGetGroup(t, s, app1, "h"); got.MemberNum != 2 {
		t.Errorf("MemberNum of another group: got %d, want 2", got.MemberNum)
	}
	if got := mustListMutes(t, s, app1, "h", 0, false); len(got) != 2 {
		t.Errorf("mutes of another group: got %v, want 2", got)
	}
}

func testDestroyGroupNotFound(t *testing.T, s im.Store) {
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return tx.DestroyGroup(ctx, app1, "missing")
	})
	if !errors.Is(err, im.ErrNotFound) {
		t.Errorf("DestroyGroup of a missing group: got %v, want ErrNotFound", err)
	}
}
