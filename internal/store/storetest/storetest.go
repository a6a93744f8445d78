// Package storetest is the conformance suite every im.Store passes: Run checks each Store
// and Tx method against the contract documented in internal/im.
//
// A store's test calls Run with a function that opens a fresh, empty store and registers
// its cleanup with t.Cleanup, and RunShared with one that opens two stores on one fresh,
// empty database. A behaviour both stores have is checked here once, with assertions
// about the contract alone; a store's own tests check only what is its own (its
// settings, statements, retries, migrations' SQL).
package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/timdhq/timd/internal/im"
)

// scenario is one named check of the contract, run on a fresh store.
type scenario struct {
	name string
	run  func(t *testing.T, s im.Store)
}

// scenarios lists every check Run makes, grouped by the file that holds them.
func scenarios() []scenario {
	var all []scenario
	for _, group := range [][]scenario{
		accountScenarios, groupScenarios, groupMemberScenarios, memberScenarios, muteScenarios,
		listScenarios, offsetScenarios, outboxScenarios, followerScenarios, appScenarios, txScenarios,
		lifecycleScenarios, concurrencyScenarios, messageScenarios, fieldScenarios, attrScenarios, counterScenarios, banScenarios, profileScenarios, topicScenarios, receiptScenarios,
	} {
		all = append(all, group...)
	}
	return all
}

// Run runs the conformance suite. Each scenario is a subtest that gets a fresh, empty
// store from open; open registers the store's cleanup on the t it is given.
func Run(t *testing.T, open func(t *testing.T) im.Store) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			sc.run(t, open(t))
		})
	}
}

// MustUpdate runs fn in s.Update and fails tb if it returns an error.
func MustUpdate(tb testing.TB, s im.Store, fn func(ctx context.Context, tx im.Tx) error) {
	tb.Helper()
	if err := s.Update(tb.Context(), fn); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

// MustView runs fn in s.View and fails tb if it returns an error.
func MustView(tb testing.TB, s im.Store, fn func(ctx context.Context, tx im.Tx) error) {
	tb.Helper()
	if err := s.View(tb.Context(), fn); err != nil {
		tb.Fatalf("View: %v", err)
	}
}

// app1 and app2 are the SDKAppIDs the scenarios use; most use app1 only.
const (
	app1 uint64 = 1400000001
	app2 uint64 = 1400000002
)

// newGroup returns a group of app with every field set.
func newGroup(app uint64, id string) im.Group {
	return im.Group{
		App:              app,
		ID:               id,
		Type:             im.TypePublic,
		Name:             "name of " + id,
		Introduction:     "intro of " + id,
		Notification:     "notice of " + id,
		FaceURL:          "https://example.com/" + id + ".png",
		Owner:            "owner",
		CreateTime:       1700000000,
		InfoSeq:          3,
		LastInfoTime:     1700000100,
		LastMsgTime:      1700000200,
		NextMsgSeq:       42,
		MaxMemberNum:     2000,
		ApplyJoinOption:  im.JoinNeedPermission,
		InviteJoinOption: im.InviteDisable,
		MuteAllMember:    false,
		AppData:          map[string]string{"level": "7"},
	}
}

// newMember returns a membership of group with every writable field set.
func newMember(group, account string, role im.Role) im.Member {
	return im.Member{
		Group:           group,
		Account:         account,
		Role:            role,
		JoinTime:        1700000300,
		MsgSeq:          5,
		MsgFlag:         im.MsgAcceptAndNotify,
		LastSendMsgTime: 1700000400,
		NameCard:        "card of " + account,
		AppData:         map[string]string{"rank": account},
		UnreadMsgNum:    2,
	}
}

// mustCreateGroup creates g in its own Update.
func mustCreateGroup(tb testing.TB, s im.Store, g im.Group) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error {
		return tx.CreateGroup(ctx, g)
	})
}

// mustAddMembers adds ms to app in one Update, in order.
func mustAddMembers(tb testing.TB, s im.Store, app uint64, ms ...im.Member) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error {
		for _, m := range ms {
			if err := tx.AddMember(ctx, app, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// mustPutAccounts imports accounts in one Update.
func mustPutAccounts(tb testing.TB, s im.Store, as ...im.Account) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error {
		for _, a := range as {
			if err := tx.PutAccount(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// mustSetMute records a mute in its own Update.
func mustSetMute(tb testing.TB, s im.Store, app uint64, group, account string, until int64) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error {
		return tx.SetMute(ctx, app, group, account, until)
	})
}

// getGroup reads a group in a View; the error is the Tx's.
func getGroup(tb testing.TB, s im.Store, app uint64, id string) (g im.Group, err error) {
	tb.Helper()
	MustView(tb, s, func(ctx context.Context, tx im.Tx) error {
		g, err = tx.GetGroup(ctx, app, id)
		return nil
	})
	return g, err
}

// mustGetGroup reads a group that must exist.
func mustGetGroup(tb testing.TB, s im.Store, app uint64, id string) im.Group {
	tb.Helper()
	g, err := getGroup(tb, s, app, id)
	if err != nil {
		tb.Fatalf("GetGroup(%q): %v", id, err)
	}
	return g
}

// getMember reads a membership in a View; the error is the Tx's.
func getMember(tb testing.TB, s im.Store, app uint64, group, account string) (m im.Member, err error) {
	tb.Helper()
	MustView(tb, s, func(ctx context.Context, tx im.Tx) error {
		m, err = tx.GetMember(ctx, app, group, account)
		return nil
	})
	return m, err
}

// mustGetMember reads a membership that must exist.
func mustGetMember(tb testing.TB, s im.Store, app uint64, group, account string) im.Member {
	tb.Helper()
	m, err := getMember(tb, s, app, group, account)
	if err != nil {
		tb.Fatalf("GetMember(%q, %q): %v", group, account, err)
	}
	return m
}

// mustListMembers lists members in a View.
func mustListMembers(tb testing.TB, s im.Store, app uint64, group string, q im.MemberQuery) []im.Member {
	tb.Helper()
	var ms []im.Member
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		ms, err = tx.ListMembers(ctx, app, group, q)
		return err
	})
	return ms
}

// mustListMutes lists mutes in a View.
func mustListMutes(tb testing.TB, s im.Store, app uint64, group string, now int64, membersOnly bool) []im.Mute {
	tb.Helper()
	var mutes []im.Mute
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		mutes, err = tx.ListMutes(ctx, app, group, now, membersOnly)
		return err
	})
	return mutes
}

// mustCount counts members in a View.
func mustCount(tb testing.TB, s im.Store, app uint64, group string, role im.Role) int64 {
	tb.Helper()
	var n int64
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		n, err = tx.CountMembers(ctx, app, group, role)
		return err
	})
	return n
}

// accounts returns the Account of each member, in order.
func accounts(ms []im.Member) []string {
	names := make([]string, 0, len(ms))
	for _, m := range ms {
		names = append(names, m.Account)
	}
	return names
}

// equateEmpty treats nil and empty maps and slices alike: a store may read back either.
var equateEmpty = cmpopts.EquateEmpty()

// ignoreSeq leaves Member.Seq out of a comparison; scenarios check Seq on its own.
var ignoreSeq = cmpopts.IgnoreFields(im.Member{}, "Seq")

// ignoreGroupSeq leaves Group.Seq out of a comparison; the list scenarios check it.
var ignoreGroupSeq = cmpopts.IgnoreFields(im.Group{}, "Seq")

// diff is cmp.Diff with nil and empty alike.
func diff(want, got any, opts ...cmp.Option) string {
	return cmp.Diff(want, got, append(opts, equateEmpty)...)
}
