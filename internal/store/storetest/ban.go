package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
)

var banScenarios = []scenario{
	{"Ban/RoundTrip", testBanRoundTrip},
	{"Ban/Page", testBanPage},
	{"Ban/GoneWithGroupAccountAndApp", testBanGone},
}

// mustSetBan records a ban in group g of app.
func mustSetBan(tb testing.TB, s im.Store, app uint64, g string, b im.Ban) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error { return tx.SetBan(ctx, app, g, b) })
}

// mustListBans reads a page of the bans of group g of app in force at now.
func mustListBans(tb testing.TB, s im.Store, app uint64, g string, now int64, offset, limit int) []im.Ban {
	tb.Helper()
	var out []im.Ban
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		out, err = tx.ListBans(ctx, app, g, now, offset, limit)
		return err
	})
	return out
}

// getBan reads one ban record, with its error.
func getBan(tb testing.TB, s im.Store, app uint64, g, account string) (im.Ban, error) {
	tb.Helper()
	var b im.Ban
	err := s.View(tb.Context(), func(ctx context.Context, tx im.Tx) (err error) {
		b, err = tx.GetBan(ctx, app, g, account)
		return err
	})
	return b, err
}

// testBanRoundTrip sets, replaces and deletes a ban, reads it with GetBan and ListBans,
// and checks that bans need no group or membership and keep apps and groups apart.
func testBanRoundTrip(t *testing.T, s im.Store) {
	b := im.Ban{Account: "bob", Until: 2000, Description: "spam \u00e9"}
	if _, err := getBan(t, s, app1, "g", "bob"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetBan before any ban: got %v, want ErrNotFound", err)
	}
	mustSetBan(t, s, app1, "g", b)
	mustSetBan(t, s, app2, "g", im.Ban{Account: "bob", Until: 3000})
	mustSetBan(t, s, app1, "h", im.Ban{Account: "bob", Until: 4000})
	if got, err := getBan(t, s, app1, "g", "bob"); err != nil || got != b {
		t.Errorf("GetBan: got %+v, %v, want %+v", got, err, b)
	}
	if d := cmp.Diff([]im.Ban{b}, mustListBans(t, s, app1, "g", 1999, 0, 10)); d != "" {
		t.Errorf("ListBans before the end (-want +got):\n%s", d)
	}
	if got := mustListBans(t, s, app1, "g", 2000, 0, 10); len(got) != 0 {
		t.Errorf("ListBans at the end: got %v, want none", got)
	}
	if got, err := getBan(t, s, app1, "g", "bob"); err != nil || got != b {
		t.Errorf("GetBan of an ended ban: got %+v, %v, want the record", got, err)
	}
	b2 := im.Ban{Account: "bob", Until: 5000}
	mustSetBan(t, s, app1, "g", b2)
	if got, _ := getBan(t, s, app1, "g", "bob"); got != b2 {
		t.Errorf("GetBan after a second ban: got %+v, want %+v", got, b2)
	}
	mustSetBan(t, s, app1, "g", im.Ban{Account: "bob"})
	if _, err := getBan(t, s, app1, "g", "bob"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetBan after Until 0: got %v, want ErrNotFound", err)
	}
	mustSetBan(t, s, app1, "g", im.Ban{Account: "nobody"}) // deleting no record is no error
	if got, _ := getBan(t, s, app2, "g", "bob"); got.Until != 3000 {
		t.Errorf("another app's ban: got %+v", got)
	}
	if got, _ := getBan(t, s, app1, "h", "bob"); got.Until != 4000 {
		t.Errorf("another group's ban: got %+v", got)
	}
}

// testBanPage checks that ListBans pages by offset and limit in account order.
func testBanPage(t *testing.T, s im.Store) {
	for _, a := range []string{"d", "b", "e", "a", "c"} {
		mustSetBan(t, s, app1, "g", im.Ban{Account: a, Until: 2000})
	}
	mustSetBan(t, s, app1, "g", im.Ban{Account: "bb", Until: 1000}) // ended
	var got []string
	for offset := 0; offset < 10; offset += 2 {
		for _, b := range mustListBans(t, s, app1, "g", 1500, offset, 2) {
			got = append(got, b.Account)
		}
	}
	if d := cmp.Diff([]string{"a", "b", "c", "d", "e"}, got); d != "" {
		t.Errorf("pages of 2 (-want +got):\n%s", d)
	}
}

// testBanGone checks that destroying the group, deleting the account and deleting the app
// delete bans.
func testBanGone(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "bob"}, im.Account{App: app1, UserID: "carol"})
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustSetBan(t, s, app1, "g", im.Ban{Account: "bob", Until: 2000})
	mustSetBan(t, s, app1, "g", im.Ban{Account: "carol", Until: 2000})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteAccount(ctx, app1, "bob") })
	if _, err := getBan(t, s, app1, "g", "bob"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("a deleted account's ban: %v, want ErrNotFound", err)
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DestroyGroup(ctx, app1, "g") })
	if got := mustListBans(t, s, app1, "g", 0, 0, 10); len(got) != 0 {
		t.Errorf("bans of a destroyed group: %v", got)
	}
	mustSetBan(t, s, app1, "g", im.Ban{Account: "carol", Until: 2000})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, app1) })
	if got := mustListBans(t, s, app1, "g", 0, 0, 10); len(got) != 0 {
		t.Errorf("bans after DeleteApp: %v", got)
	}
}
