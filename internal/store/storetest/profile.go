package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
)

var profileScenarios = []scenario{
	{"Profile/RoundTrip", testProfileRoundTrip},
	{"Profile/GoneWithAccountAndApp", testProfileGone},
}

// mustProfile reads the profile fields of account of app.
func mustProfile(tb testing.TB, s im.Store, app uint64, account string) []im.KV {
	tb.Helper()
	var out []im.KV
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		out, err = tx.ProfileFields(ctx, app, account)
		return err
	})
	return out
}

// mustSetProfile sets profile fields of account of app.
func mustSetProfile(tb testing.TB, s im.Store, app uint64, account string, fields ...im.KV) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error { return tx.SetProfileFields(ctx, app, account, fields) })
}

// testProfileRoundTrip checks that profile fields read back by tag with values kept as
// given, that a set changes only the fields it lists, and that accounts and apps keep
// theirs apart.
func testProfileRoundTrip(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "alice"}, im.Account{App: app1, UserID: "bob"})
	if got := mustProfile(t, s, app1, "alice"); len(got) != 0 {
		t.Errorf("profile of a new account: got %v, want none", got)
	}
	mustSetProfile(t, s, app1, "alice", im.KV{Key: "Tag_Profile_IM_Level", Value: "7"},
		im.KV{Key: "Tag_Profile_Custom_Bin", Value: "a\x00\xffb"}, im.KV{Key: "Tag_Profile_IM_Gender", Value: "Gender_Type_Male"})
	mustSetProfile(t, s, app1, "bob", im.KV{Key: "Tag_Profile_IM_Level", Value: "1"})
	mustSetProfile(t, s, app2, "alice", im.KV{Key: "Tag_Profile_IM_Level", Value: "2"})
	mustSetProfile(t, s, app1, "alice", im.KV{Key: "Tag_Profile_IM_Level", Value: "8"}, im.KV{Key: "Tag_Profile_IM_Role", Value: ""})
	want := []im.KV{{Key: "Tag_Profile_Custom_Bin", Value: "a\x00\xffb"}, {Key: "Tag_Profile_IM_Gender", Value: "Gender_Type_Male"},
		{Key: "Tag_Profile_IM_Level", Value: "8"}, {Key: "Tag_Profile_IM_Role", Value: ""}}
	if d := cmp.Diff(want, mustProfile(t, s, app1, "alice")); d != "" {
		t.Errorf("profile (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]im.KV{{Key: "Tag_Profile_IM_Level", Value: "1"}}, mustProfile(t, s, app1, "bob")); d != "" {
		t.Errorf("another account's profile (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]im.KV{{Key: "Tag_Profile_IM_Level", Value: "2"}}, mustProfile(t, s, app2, "alice")); d != "" {
		t.Errorf("another app's profile (-want +got):\n%s", d)
	}
}

// testProfileGone checks that deleting the account or the app deletes its profile fields.
func testProfileGone(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "alice"}, im.Account{App: app1, UserID: "bob"})
	mustSetProfile(t, s, app1, "alice", im.KV{Key: "Tag_Profile_IM_Level", Value: "7"})
	mustSetProfile(t, s, app1, "bob", im.KV{Key: "Tag_Profile_IM_Level", Value: "7"})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteAccount(ctx, app1, "alice") })
	if got := mustProfile(t, s, app1, "alice"); len(got) != 0 {
		t.Errorf("profile of a deleted account: %v", got)
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, app1) })
	if got := mustProfile(t, s, app1, "bob"); len(got) != 0 {
		t.Errorf("profile after DeleteApp: %v", got)
	}
}
