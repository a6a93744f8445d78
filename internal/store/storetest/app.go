package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// appScenarios check ListAccounts and DeleteApp, the whole-app operations.
var appScenarios = []scenario{
	{"ListAccounts/Order", testListAccountsOrder},
	{"ListAccounts/Paging", testListAccountsPaging},
	{"DeleteApp", testDeleteApp},
	{"DeleteApp/Empty", testDeleteAppEmpty},
}

// mustListAccounts lists accounts in a View.
func mustListAccounts(tb testing.TB, s im.Store, app uint64, after string, limit int) []im.Account {
	tb.Helper()
	var as []im.Account
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		as, err = tx.ListAccounts(ctx, app, after, limit)
		return err
	})
	return as
}

// userIDs returns the UserID of each account, in order.
func userIDs(as []im.Account) []string {
	ids := make([]string, 0, len(as))
	for _, a := range as {
		ids = append(ids, a.UserID)
	}
	return ids
}

// testListAccountsOrder lists accounts whose byte order differs from a dictionary's:
// upper case before lower case, a prefix before its extensions.
func testListAccountsOrder(t *testing.T, s im.Store) {
	want := im.Account{App: app1, UserID: "b", Nick: "nick b", FaceURL: "https://a/b", Created: 7}
	mustPutAccounts(t, s, want,
		im.Account{App: app1, UserID: "a1"}, im.Account{App: app1, UserID: "B"},
		im.Account{App: app1, UserID: "a"}, im.Account{App: app1, UserID: "_x"},
		im.Account{App: app2, UserID: "c"},
	)
	got := mustListAccounts(t, s, app1, "", 0)
	if ids, w := userIDs(got), []string{"B", "_x", "a", "a1", "b"}; !slices.Equal(ids, w) {
		t.Errorf("ListAccounts: got %q, want %q (byte order, app1 only)", ids, w)
	}
	if d := diff(want, got[len(got)-1]); d != "" {
		t.Errorf("ListAccounts' last account (-want +got):\n%s", d)
	}
	if got := mustListAccounts(t, s, app1, "b", 0); len(got) != 0 {
		t.Errorf("ListAccounts after the last: got %q, want none", userIDs(got))
	}
}

// testListAccountsPaging pages through accounts with the last UserID of each page.
func testListAccountsPaging(t *testing.T, s im.Store) {
	var want []string
	for _, id := range []string{"u1", "u2", "u3", "u4", "u5"} {
		mustPutAccounts(t, s, im.Account{App: app1, UserID: id})
		want = append(want, id)
	}
	var got []string
	after := ""
	for range 10 {
		page := mustListAccounts(t, s, app1, after, 2)
		if len(page) > 2 {
			t.Fatalf("ListAccounts with limit 2: got %d accounts", len(page))
		}
		if len(page) == 0 {
			break
		}
		got = append(got, userIDs(page)...)
		after = page[len(page)-1].UserID
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages of ListAccounts: got %q, want %q", got, want)
	}
}

// appFixture fills app with two accounts, a group with both as members and one muted,
// a destroyed group and two outbox events, and returns the live group's ID.
func appFixture(tb testing.TB, s im.Store, app uint64) string {
	tb.Helper()
	mustPutAccounts(tb, s, im.Account{App: app, UserID: "u", Created: 1}, im.Account{App: app, UserID: "v", Created: 2})
	mustCreateGroup(tb, s, newGroup(app, "g"))
	mustCreateGroup(tb, s, newGroup(app, "gone"))
	mustDestroyGroup(tb, s, app, "gone")
	mustAddMembers(tb, s, app, newMember("g", "u", im.RoleOwner), newMember("g", "v", im.RoleMember))
	mustSetMute(tb, s, app, "g", "v", im.MuteForever)
	mustEnqueue(tb, s, event(app, "g", "created"), event(app, "gone", "destroyed"))
	return "g"
}

// appState is everything the scenarios can read of one app.
type appState struct {
	Accounts []im.Account
	Groups   []im.Group
	Members  []im.Member
	Mutes    []im.Mute
	GoneUsed bool
}

// readApp reads the state of app that appFixture wrote.
func readApp(tb testing.TB, s im.Store, app uint64) appState {
	tb.Helper()
	var st appState
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		if st.Accounts, err = tx.ListAccounts(ctx, app, "", 0); err != nil {
			return err
		}
		if st.Groups, err = tx.ListGroups(ctx, app, im.GroupQuery{}); err != nil {
			return err
		}
		if st.Members, err = tx.ListMembers(ctx, app, "g", im.MemberQuery{}); err != nil {
			return err
		}
		if st.Mutes, err = tx.ListMutes(ctx, app, "g", 0, false); err != nil {
			return err
		}
		st.GoneUsed, err = tx.GroupIDUsed(ctx, app, "gone")
		return err
	})
	return st
}

// testDeleteApp fills two apps alike and deletes one: nothing of it is left, down to its
// destroyed group IDs and its outbox events, and the other is untouched.
func testDeleteApp(t *testing.T, s im.Store) {
	appFixture(t, s, app1)
	appFixture(t, s, app2)
	before := readApp(t, s, app2)

	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, app1) })

	if d := diff(appState{}, readApp(t, s, app1)); d != "" {
		t.Errorf("the deleted app (-want nothing +got):\n%s", d)
	}
	if _, err := getGroup(t, s, app1, "g"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetGroup of the deleted app: got %v, want ErrNotFound", err)
	}
	if d := diff(before, readApp(t, s, app2)); d != "" {
		t.Errorf("the other app after DeleteApp (-before +after):\n%s", d)
	}
	if n := mustCountEvents(t, s); n != 2 {
		t.Errorf("CountEvents after DeleteApp: got %d, want the other app's 2", n)
	}
	for _, e := range mustClaim(t, s, nowMS, nowMS+10, 10) {
		if e.App != app2 {
			t.Errorf("claimed an event of app %d after DeleteApp: %+v", e.App, e)
		}
	}
	// The app can be used again from scratch.
	appFixture(t, s, app1)
	if got := readApp(t, s, app1); len(got.Members) != 2 || !got.GoneUsed {
		t.Errorf("the app refilled after DeleteApp: got %+v, want two members and gone used", got)
	}
}

// testDeleteAppEmpty deletes an app that has no data: not an error.
func testDeleteAppEmpty(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app2, UserID: "u"})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, app1) })
	if got := userIDs(mustListAccounts(t, s, app2, "", 0)); !slices.Equal(got, []string{"u"}) {
		t.Errorf("the other app's accounts: got %q, want [u]", got)
	}
}
