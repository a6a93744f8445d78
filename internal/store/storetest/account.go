package storetest

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// accountScenarios check PutAccount, PutAccounts, GetAccount, ExistingAccounts and DeleteAccount.
var accountScenarios = []scenario{
	{"PutAccount/Upsert", testPutAccountUpsert},
	{"PutAccount/HighBitAppID", testPutAccountHighBitAppID},
	{"PutAccounts/Bulk", testPutAccountsBulk},
	{"GetAccount/NotFound", testGetAccountNotFound},
	{"ExistingAccounts", testExistingAccounts},
	{"DeleteAccount", testDeleteAccount},
	{"DeleteAccount/NotFound", testDeleteAccountNotFound},
}

// getAccount reads an account in a View; the error is the Tx's.
func getAccount(tb testing.TB, s im.Store, app uint64, id string) (a im.Account, err error) {
	tb.Helper()
	MustView(tb, s, func(ctx context.Context, tx im.Tx) error {
		a, err = tx.GetAccount(ctx, app, id)
		return nil
	})
	return a, err
}

func testPutAccountUpsert(t *testing.T, s im.Store) {
	first := im.Account{App: app1, UserID: "u1", Nick: "nick", FaceURL: "https://a/1", Created: 100}
	mustPutAccounts(t, s, first)
	got, err := getAccount(t, s, app1, "u1")
	if err != nil {
		t.Fatalf("GetAccount after insert: %v", err)
	}
	if d := diff(first, got); d != "" {
		t.Errorf("GetAccount after insert (-want +got):\n%s", d)
	}

	second := im.Account{App: app1, UserID: "u1", Nick: "nick 2 ✓", FaceURL: "", Created: 200}
	mustPutAccounts(t, s, second)
	got, err = getAccount(t, s, app1, "u1")
	if err != nil {
		t.Fatalf("GetAccount after replace: %v", err)
	}
	if d := diff(second, got); d != "" {
		t.Errorf("GetAccount after replace (-want +got):\n%s", d)
	}
}

// testPutAccountHighBitAppID stores an account of an SDKAppID with the high bit set, which a
// store's signed 64-bit integers hold only through its conversion, and reads it back.
func testPutAccountHighBitAppID(t *testing.T, s im.Store) {
	want := im.Account{App: math.MaxUint64, UserID: "u", Nick: "n"}
	mustPutAccounts(t, s, want)
	got, err := getAccount(t, s, math.MaxUint64, "u")
	if err != nil {
		t.Fatalf("GetAccount: %v", err)
	}
	if d := diff(want, got); d != "" {
		t.Errorf("GetAccount (-want +got):\n%s", d)
	}
}

func testGetAccountNotFound(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "u1"})
	_, err := getAccount(t, s, app1, "u2")
	if !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetAccount of a missing account: got %v, want ErrNotFound", err)
	}
}

func testExistingAccounts(t *testing.T, s im.Store) {
	mustPutAccounts(t, s,
		im.Account{App: app1, UserID: "a"},
		im.Account{App: app1, UserID: "b"},
		im.Account{App: app2, UserID: "c"},
	)
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		got, err := tx.ExistingAccounts(ctx, app1, []string{"a", "c", "b", "x", "a"})
		if err != nil {
			return err
		}
		if d := diff(map[string]bool{"a": true, "b": true}, got); d != "" {
			t.Errorf("ExistingAccounts (-want +got):\n%s", d)
		}
		got, err = tx.ExistingAccounts(ctx, app1, nil)
		if err != nil {
			return err
		}
		if len(got) != 0 {
			t.Errorf("ExistingAccounts(nil): got %v, want none", got)
		}
		return nil
	})
}

// testDeleteAccount deletes an account that owns one group, belongs to two, and is muted in
// three (one of them without membership).
func testDeleteAccount(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "u"}, im.Account{App: app1, UserID: "v"})
	owned, other := newGroup(app1, "owned"), newGroup(app1, "other")
	owned.Owner, other.Owner = "u", "v"
	mustCreateGroup(t, s, owned)
	mustCreateGroup(t, s, other)
	mustAddMembers(t, s, app1,
		newMember("owned", "u", im.RoleOwner), newMember("owned", "v", im.RoleMember),
		newMember("other", "v", im.RoleOwner), newMember("other", "u", im.RoleMember),
	)
	mustSetMute(t, s, app1, "owned", "u", im.MuteForever)
	mustSetMute(t, s, app1, "other", "u", 5000)
	mustSetMute(t, s, app1, "elsewhere", "u", 5000)
	mustSetMute(t, s, app1, "other", "v", 5000)

	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		return tx.DeleteAccount(ctx, app1, "u")
	})

	if _, err := getAccount(t, s, app1, "u"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetAccount after DeleteAccount: got %v, want ErrNotFound", err)
	}
	for _, id := range []string{"owned", "other"} {
		if _, err := getMember(t, s, app1, id, "u"); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("GetMember(%q) after DeleteAccount: got %v, want ErrNotFound", id, err)
		}
		if got := accounts(mustListMembers(t, s, app1, id, im.MemberQuery{})); !slices.Equal(got, []string{"v"}) {
			t.Errorf("members of %q after DeleteAccount: got %v, want [v]", id, got)
		}
		if g := mustGetGroup(t, s, app1, id); g.MemberNum != 1 {
			t.Errorf("MemberNum of %q after DeleteAccount: got %d, want 1", id, g.MemberNum)
		}
	}
	if g := mustGetGroup(t, s, app1, "owned"); g.Owner != "" {
		t.Errorf("Owner of the deleted account's group: got %q, want \"\"", g.Owner)
	}
	if g := mustGetGroup(t, s, app1, "other"); g.Owner != "v" {
		t.Errorf("Owner of another account's group: got %q, want v", g.Owner)
	}
	for _, id := range []string{"owned", "other", "elsewhere"} {
		for _, mu := range mustListMutes(t, s, app1, id, 0, false) {
			if mu.Account == "u" {
				t.Errorf("mute record of the deleted account in %q survived: %+v", id, mu)
			}
		}
	}
	want := []im.Mute{{Account: "v", Until: 5000}}
	if d := diff(want, mustListMutes(t, s, app1, "other", 0, false)); d != "" {
		t.Errorf("other accounts' mutes after DeleteAccount (-want +got):\n%s", d)
	}
}

func testDeleteAccountNotFound(t *testing.T, s im.Store) {
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return tx.DeleteAccount(ctx, app1, "nobody")
	})
	if !errors.Is(err, im.ErrNotFound) {
		t.Errorf("DeleteAccount of a missing account: got %v, want ErrNotFound", err)
	}
}

// testPutAccountsBulk imports accounts in bulk, new ones and one already there, into app1
// whatever App each carries, and checks each as GetAccount reads it.
func testPutAccountsBulk(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "b", Nick: "old", Created: 1})
	as := []im.Account{
		{App: app2, UserID: "a", Nick: "A", FaceURL: "https://a", Created: 10},
		{UserID: "b", Nick: "B", Created: 20},
		{UserID: "c", Created: 30},
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.PutAccounts(ctx, app1, nil); err != nil {
			return err
		}
		return tx.PutAccounts(ctx, app1, as)
	})
	for _, want := range as {
		want.App = app1
		got, err := getAccount(t, s, app1, want.UserID)
		if err != nil {
			t.Fatalf("GetAccount(%q): %v", want.UserID, err)
		}
		if d := diff(want, got); d != "" {
			t.Errorf("account %q (-want +got):\n%s", want.UserID, d)
		}
	}
	if _, err := getAccount(t, s, app2, "a"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetAccount of app2: got %v, want ErrNotFound", err)
	}
}
