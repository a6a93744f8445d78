package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// txScenarios check transactions as a whole: app isolation, rollback, sentinel errors that
// leave the transaction usable, read-only View and its snapshot.
var txScenarios = []scenario{
	{"Isolation/Apps", testIsolationApps},
	{"Update/Rollback", testUpdateRollback},
	{"Update/SentinelsKeepTxUsable", testUpdateSentinelsKeepTxUsable},
	{"View/ReturnsError", testViewReturnsError},
	{"View/WritesFail", testViewWritesFail},
	{"View/Snapshot", testViewSnapshot},
}

// testIsolationApps stores the same account, group, membership and mute in two apps and
// checks that neither app sees or changes the other's.
func testIsolationApps(t *testing.T, s im.Store) {
	for _, app := range []uint64{app1, app2} {
		nick := fmt.Sprintf("nick of app %d", app)
		mustPutAccounts(t, s, im.Account{App: app, UserID: "u", Nick: nick})
		g := newGroup(app, "g")
		g.Owner, g.Name = "u", nick
		mustCreateGroup(t, s, g)
		mustAddMembers(t, s, app, newMember("g", "u", im.RoleOwner))
		mustSetMute(t, s, app, "g", "u", int64(app))
	}
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "only1"})
	mustCreateGroup(t, s, newGroup(app1, "only1"))

	for _, app := range []uint64{app1, app2} {
		a, err := getAccount(t, s, app, "u")
		if err != nil {
			t.Fatalf("GetAccount in app %d: %v", app, err)
		}
		if g := mustGetGroup(t, s, app, "g"); g.Name != a.Nick || g.MemberNum != 1 {
			t.Errorf("group in app %d: got Name %q MemberNum %d, want %q 1", app, g.Name, g.MemberNum, a.Nick)
		}
		if m := mustGetMember(t, s, app, "g", "u"); m.MuteUntil != int64(app) {
			t.Errorf("MuteUntil in app %d: got %d, want %d", app, m.MuteUntil, app)
		}
	}
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		if found, err := tx.ExistingAccounts(ctx, app2, []string{"only1"}); err != nil || len(found) != 0 {
			t.Errorf("ExistingAccounts in app 2 of an app 1 account: got %v, %v, want none", found, err)
		}
		if used, err := tx.GroupIDUsed(ctx, app2, "only1"); err != nil || used {
			t.Errorf("GroupIDUsed in app 2 of an app 1 group: got %v, %v, want false", used, err)
		}
		return nil
	})

	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.DeleteAccount(ctx, app1, "u"); err != nil {
			return err
		}
		return tx.DestroyGroup(ctx, app1, "g")
	})
	if _, err := getAccount(t, s, app2, "u"); err != nil {
		t.Errorf("GetAccount in app 2 after deleting app 1's: %v", err)
	}
	if g := mustGetGroup(t, s, app2, "g"); g.Owner != "u" || g.MemberNum != 1 {
		t.Errorf("app 2 group after app 1 deletes: got Owner %q MemberNum %d, want u 1", g.Owner, g.MemberNum)
	}
	if m := mustGetMember(t, s, app2, "g", "u"); m.MuteUntil != int64(app2) {
		t.Errorf("app 2 MuteUntil after app 1 deletes: got %d, want %d", m.MuteUntil, app2)
	}
}

// errBoom is the error of fns that fail on purpose.
var errBoom = errors.New("boom")

// testUpdateRollback makes writes of every kind and then fails: none of them persists, and
// Update returns fn's error unchanged.
func testUpdateRollback(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "keep", Nick: "before"})
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "keep", im.RoleOwner))

	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		for _, step := range []error{
			tx.PutAccount(ctx, im.Account{App: app1, UserID: "new"}),
			tx.PutAccount(ctx, im.Account{App: app1, UserID: "keep", Nick: "after"}),
			tx.CreateGroup(ctx, newGroup(app1, "h")),
			tx.AddMember(ctx, app1, newMember("g", "new", im.RoleMember)),
			tx.SetMute(ctx, app1, "g", "keep", im.MuteForever),
			tx.DeleteMember(ctx, app1, "g", "keep"),
		} {
			if step != nil {
				return step
			}
		}
		return errBoom
	})
	if err != errBoom {
		t.Fatalf("Update: got %v, want fn's error unchanged", err)
	}

	if _, err := getAccount(t, s, app1, "new"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetAccount of a rolled-back account: got %v, want ErrNotFound", err)
	}
	if a, _ := getAccount(t, s, app1, "keep"); a.Nick != "before" {
		t.Errorf("Nick after a rolled-back PutAccount: got %q, want before", a.Nick)
	}
	if _, err := getGroup(t, s, app1, "h"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetGroup of a rolled-back group: got %v, want ErrNotFound", err)
	}
	ms := mustListMembers(t, s, app1, "g", im.MemberQuery{})
	if len(ms) != 1 || ms[0].Account != "keep" || ms[0].MuteUntil != 0 {
		t.Errorf("members after rollback: got %+v, want keep, unmuted", ms)
	}
	if g := mustGetGroup(t, s, app1, "g"); g.MemberNum != 1 {
		t.Errorf("MemberNum after rollback: got %d, want 1", g.MemberNum)
	}
}

// testUpdateSentinelsKeepTxUsable meets ErrConflict and ErrNotFound inside one Update and
// carries on: every write of the transaction, before and after, commits.
func testUpdateSentinelsKeepTxUsable(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleOwner))
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.AddMember(ctx, app1, newMember("g", "b", im.RoleMember)); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, newGroup(app1, "g")); !errors.Is(err, im.ErrConflict) {
			t.Errorf("CreateGroup of a taken ID: got %v, want ErrConflict", err)
		}
		if err := tx.AddMember(ctx, app1, newMember("g", "a", im.RoleMember)); !errors.Is(err, im.ErrConflict) {
			t.Errorf("AddMember of a member: got %v, want ErrConflict", err)
		}
		if _, err := tx.GetGroup(ctx, app1, "missing"); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("GetGroup of a missing group: got %v, want ErrNotFound", err)
		}
		if err := tx.DeleteMember(ctx, app1, "g", "nobody"); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("DeleteMember of a non-member: got %v, want ErrNotFound", err)
		}
		if err := tx.UpdateGroup(ctx, newGroup(app1, "missing")); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("UpdateGroup of a missing group: got %v, want ErrNotFound", err)
		}
		return tx.AddMember(ctx, app1, newMember("g", "c", im.RoleMember))
	})
	if got := accounts(mustListMembers(t, s, app1, "g", im.MemberQuery{})); len(got) != 3 {
		t.Errorf("members after the Update: got %v, want [a b c]", got)
	}
	if g := mustGetGroup(t, s, app1, "g"); g.MemberNum != 3 {
		t.Errorf("MemberNum after the Update: got %d, want 3", g.MemberNum)
	}
}

func testViewReturnsError(t *testing.T, s im.Store) {
	err := s.View(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return errBoom
	})
	if err != errBoom {
		t.Errorf("View: got %v, want fn's error unchanged", err)
	}
}

// testViewWritesFail calls every write method in a View: each fails and nothing changes.
func testViewWritesFail(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "u"})
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "u", im.RoleOwner))
	changed := newGroup(app1, "g")
	changed.Name = "changed"
	member := newMember("g", "u", im.RoleAdmin)

	for name, write := range map[string]func(ctx context.Context, tx im.Tx) error{
		"PutAccount": func(ctx context.Context, tx im.Tx) error {
			return tx.PutAccount(ctx, im.Account{App: app1, UserID: "v"})
		},
		"DeleteAccount": func(ctx context.Context, tx im.Tx) error { return tx.DeleteAccount(ctx, app1, "u") },
		"CreateGroup":   func(ctx context.Context, tx im.Tx) error { return tx.CreateGroup(ctx, newGroup(app1, "h")) },
		"UpdateGroup":   func(ctx context.Context, tx im.Tx) error { return tx.UpdateGroup(ctx, changed) },
		"DestroyGroup":  func(ctx context.Context, tx im.Tx) error { return tx.DestroyGroup(ctx, app1, "g") },
		"AddMember": func(ctx context.Context, tx im.Tx) error {
			return tx.AddMember(ctx, app1, newMember("g", "v", im.RoleMember))
		},
		"UpdateMember": func(ctx context.Context, tx im.Tx) error { return tx.UpdateMember(ctx, app1, member) },
		"DeleteMember": func(ctx context.Context, tx im.Tx) error { return tx.DeleteMember(ctx, app1, "g", "u") },
		"SetMute":      func(ctx context.Context, tx im.Tx) error { return tx.SetMute(ctx, app1, "g", "u", im.MuteForever) },
		"DeleteApp":    func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, app1) },
	} {
		MustView(t, s, func(ctx context.Context, tx im.Tx) error {
			if err := write(ctx, tx); err == nil {
				t.Errorf("%s in View: got nil error, want an error", name)
			}
			return nil
		})
	}

	if _, err := getAccount(t, s, app1, "u"); err != nil {
		t.Errorf("GetAccount(u) after View writes: %v", err)
	}
	if _, err := getAccount(t, s, app1, "v"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetAccount(v) after View writes: got %v, want ErrNotFound", err)
	}
	if _, err := getGroup(t, s, app1, "h"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetGroup(h) after View writes: got %v, want ErrNotFound", err)
	}
	if g := mustGetGroup(t, s, app1, "g"); g.Name != newGroup(app1, "g").Name || g.MemberNum != 1 {
		t.Errorf("group after View writes: got Name %q MemberNum %d, want unchanged", g.Name, g.MemberNum)
	}
	if m := mustGetMember(t, s, app1, "g", "u"); m.Role != im.RoleOwner || m.MuteUntil != 0 {
		t.Errorf("member after View writes: got Role %q MuteUntil %d, want Owner 0", m.Role, m.MuteUntil)
	}
}

// testViewSnapshot commits an Update while a View is open: the View keeps seeing the data
// as of its first read.
func testViewSnapshot(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		before, err := tx.GetGroup(ctx, app1, "g")
		if err != nil {
			return err
		}
		changed := before
		changed.Name = "changed"
		MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
			if err := tx.UpdateGroup(ctx, changed); err != nil {
				return err
			}
			return tx.AddMember(ctx, app1, newMember("g", "a", im.RoleOwner))
		})
		after, err := tx.GetGroup(ctx, app1, "g")
		if err != nil {
			return err
		}
		if after.Name != before.Name || after.MemberNum != 0 {
			t.Errorf("group in a View after a concurrent Update: got Name %q MemberNum %d, want %q 0",
				after.Name, after.MemberNum, before.Name)
		}
		ms, err := tx.ListMembers(ctx, app1, "g", im.MemberQuery{})
		if err != nil {
			return err
		}
		if len(ms) != 0 {
			t.Errorf("members in a View after a concurrent Update: got %v, want none", accounts(ms))
		}
		return nil
	})
	if g := mustGetGroup(t, s, app1, "g"); g.Name != "changed" || g.MemberNum != 1 {
		t.Errorf("group after the View: got Name %q MemberNum %d, want changed 1", g.Name, g.MemberNum)
	}
}
