package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// listScenarios check Group.Seq, ListGroups, CountGroups, ListJoined and GetMembers.
var listScenarios = []scenario{
	{"Group/Seq", testGroupSeq},
	{"ListGroups/Query", testListGroupsQuery},
	{"ListGroups/Paging", testListGroupsPaging},
	{"CountGroups", testCountGroups},
	{"ListJoined", testListJoined},
	{"ListJoined/Removed", testListJoinedRemoved},
	{"GetMembers", testGetMembers},
}

// errReadOnlyCheck ends the Update of inBoth: its fn only reads, and nothing is kept.
var errReadOnlyCheck = errors.New("storetest: read-only check in Update")

// inBoth runs fn in a View and then in an Update that is rolled back, so reads are checked
// on both paths a store may take (the SQLite store, for one, reads through its writer's
// prepared statements in Update). how is "View" or "Update", for messages.
func inBoth(tb testing.TB, s im.Store, fn func(ctx context.Context, tx im.Tx, how string) error) {
	tb.Helper()
	MustView(tb, s, func(ctx context.Context, tx im.Tx) error { return fn(ctx, tx, "View") })
	err := s.Update(tb.Context(), func(ctx context.Context, tx im.Tx) error {
		if err := fn(ctx, tx, "Update"); err != nil {
			return err
		}
		return errReadOnlyCheck
	})
	if err != errReadOnlyCheck {
		tb.Fatalf("Update: %v", err)
	}
}

// mustListGroups lists groups in a View.
func mustListGroups(tb testing.TB, s im.Store, app uint64, q im.GroupQuery) []im.Group {
	tb.Helper()
	var gs []im.Group
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		gs, err = tx.ListGroups(ctx, app, q)
		return err
	})
	return gs
}

// mustListJoined lists an account's groups in a View.
func mustListJoined(tb testing.TB, s im.Store, app uint64, account string) []im.Joined {
	tb.Helper()
	var js []im.Joined
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		js, err = tx.ListJoined(ctx, app, account)
		return err
	})
	return js
}

// mustDestroyGroup destroys a group in its own Update.
func mustDestroyGroup(tb testing.TB, s im.Store, app uint64, id string) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error {
		return tx.DestroyGroup(ctx, app, id)
	})
}

// groupIDs returns the ID of each group, in order.
func groupIDs(gs []im.Group) []string {
	ids := make([]string, 0, len(gs))
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	return ids
}

// joinedIDs returns the group ID of each entry, in order.
func joinedIDs(js []im.Joined) []string {
	ids := make([]string, 0, len(js))
	for _, j := range js {
		ids = append(ids, j.Group.ID)
	}
	return ids
}

// typedGroup returns newGroup(app, id) of type typ.
func typedGroup(app uint64, id string, typ im.GroupType) im.Group {
	g := newGroup(app, id)
	g.Type = typ
	return g
}

// testGroupSeq checks that CreateGroup hands out Seqs that grow across the whole store (both
// apps), that writes ignore Seq, that reads agree on it, and that a destroyed group's Seq
// is never handed out again: not to a group re-created with its ID, not even when it was
// the largest.
func testGroupSeq(t *testing.T, s im.Store) {
	var last int64
	create := func(app uint64, id string) int64 {
		t.Helper()
		g := newGroup(app, id)
		g.Seq = 1 << 40 // writes ignore Seq
		mustCreateGroup(t, s, g)
		seq := mustGetGroup(t, s, app, id).Seq
		if seq <= last || seq == 1<<40 {
			t.Errorf("Seq of group %q of app %d: got %d, want one the store assigns, after %d", id, app, seq, last)
		}
		last = max(last, seq)
		return seq
	}
	create(app1, "a")
	create(app2, "a")
	b := create(app1, "b")
	create(app2, "z")

	// A failed CreateGroup changes nothing that later ones see.
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return tx.CreateGroup(ctx, newGroup(app1, "b"))
	})
	if !errors.Is(err, im.ErrConflict) {
		t.Fatalf("CreateGroup of a taken ID: got %v, want ErrConflict", err)
	}
	if got := mustGetGroup(t, s, app1, "b").Seq; got != b {
		t.Errorf("Seq after a conflicting CreateGroup: got %d, want %d", got, b)
	}

	// Destroy the newest group and create it again: create checks that it gets a Seq after
	// its old one, which a store handing out MAX(seq)+1 would give back.
	mustDestroyGroup(t, s, app2, "z")
	create(app2, "z")
	mustDestroyGroup(t, s, app1, "a")
	a := create(app1, "a")

	gs := mustListGroups(t, s, app1, im.GroupQuery{})
	if got, want := groupIDs(gs), []string{"b", "a"}; !slices.Equal(got, want) {
		t.Fatalf("ListGroups after re-creating a: got %v, want %v", got, want)
	}
	if gs[0].Seq != b || gs[1].Seq != a {
		t.Errorf("Seqs listed: got %d %d, want %d %d as GetGroup reads them", gs[0].Seq, gs[1].Seq, b, a)
	}

	// UpdateGroup keeps the Seq whatever g.Seq says.
	g := mustGetGroup(t, s, app1, "b")
	g.Name, g.Seq = "renamed", a+1000
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.UpdateGroup(ctx, g) })
	if got := mustGetGroup(t, s, app1, "b").Seq; got != b {
		t.Errorf("Seq after UpdateGroup with another Seq: got %d, want %d", got, b)
	}
}

// listFixture creates, in this order, app 1's groups z (Public, 2 members), b (Private),
// m (Public, 1 member), a (ChatRoom) and q (Public, 3 members), with app 2's groups b
// (Public) and x (Community) in between, and returns app 1's groups as GetGroup reads them,
// in creation order.
func listFixture(t *testing.T, s im.Store) []im.Group {
	t.Helper()
	for _, g := range []im.Group{
		typedGroup(app1, "z", im.TypePublic),
		typedGroup(app1, "b", im.TypePrivate),
		typedGroup(app2, "b", im.TypePublic),
		typedGroup(app1, "m", im.TypePublic),
		typedGroup(app1, "a", im.TypeChatRoom),
		typedGroup(app2, "x", im.TypeCommunity),
		typedGroup(app1, "q", im.TypePublic),
	} {
		mustCreateGroup(t, s, g)
	}
	mustAddMembers(t, s, app1, newMember("z", "u1", im.RoleOwner), newMember("z", "u2", im.RoleMember),
		newMember("m", "u1", im.RoleOwner), newMember("q", "u1", im.RoleOwner),
		newMember("q", "u2", im.RoleMember), newMember("q", "u3", im.RoleMember))
	mustAddMembers(t, s, app2, newMember("b", "u1", im.RoleOwner))
	var gs []im.Group
	for _, id := range []string{"z", "b", "m", "a", "q"} {
		gs = append(gs, mustGetGroup(t, s, app1, id))
	}
	return gs
}

// testListGroupsQuery lists app 1's groups with each GroupQuery field alone and combined,
// in a View and in an Update.
func testListGroupsQuery(t *testing.T, s im.Store) {
	all := listFixture(t, s)
	seq := make(map[string]int64)
	for _, g := range all {
		seq[g.ID] = g.Seq
	}
	inBoth(t, s, func(ctx context.Context, tx im.Tx, how string) error {
		// Every field as written, with MemberNum; Seq as GetGroup reads it.
		want := []im.Group{
			typedGroup(app1, "z", im.TypePublic), typedGroup(app1, "b", im.TypePrivate),
			typedGroup(app1, "m", im.TypePublic), typedGroup(app1, "a", im.TypeChatRoom),
			typedGroup(app1, "q", im.TypePublic),
		}
		for i, n := range []int64{2, 0, 1, 0, 3} {
			want[i].MemberNum, want[i].Seq = n, all[i].Seq
		}
		got, err := tx.ListGroups(ctx, app1, im.GroupQuery{})
		if err != nil {
			return err
		}
		if d := diff(want, got); d != "" {
			t.Errorf("%s: ListGroups of all (-want +got):\n%s", how, d)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Seq <= got[i-1].Seq {
				t.Errorf("%s: Seq of %s (%d) not after Seq of %s (%d)", how, got[i].ID, got[i].Seq, got[i-1].ID, got[i-1].Seq)
			}
		}

		for _, tc := range []struct {
			name string
			q    im.GroupQuery
			want []string
		}{
			{"Type Public", im.GroupQuery{Type: im.TypePublic}, []string{"z", "m", "q"}},
			{"Type Private", im.GroupQuery{Type: im.TypePrivate}, []string{"b"}},
			{"Type of none", im.GroupQuery{Type: im.TypeAVChatRoom}, nil},
			{"AfterSeq", im.GroupQuery{AfterSeq: seq["b"]}, []string{"m", "a", "q"}},
			{"AfterSeq last", im.GroupQuery{AfterSeq: seq["q"]}, nil},
			{"Limit", im.GroupQuery{Limit: 2}, []string{"z", "b"}},
			{"Limit past the end", im.GroupQuery{Limit: 9}, []string{"z", "b", "m", "a", "q"}},
			{"AfterSeq and Limit", im.GroupQuery{AfterSeq: seq["z"], Limit: 3}, []string{"b", "m", "a"}},
			{"Type and AfterSeq of another type", im.GroupQuery{Type: im.TypePublic, AfterSeq: seq["b"]}, []string{"m", "q"}},
			{"all fields", im.GroupQuery{Type: im.TypePublic, AfterSeq: seq["z"], Limit: 1}, []string{"m"}},
		} {
			gs, err := tx.ListGroups(ctx, app1, tc.q)
			if err != nil {
				return err
			}
			if got := groupIDs(gs); !slices.Equal(got, tc.want) {
				t.Errorf("%s: ListGroups %s %+v: got %v, want %v", how, tc.name, tc.q, got, tc.want)
			}
		}

		gs, err := tx.ListGroups(ctx, app2, im.GroupQuery{})
		if err != nil {
			return err
		}
		if got := groupIDs(gs); !slices.Equal(got, []string{"b", "x"}) {
			t.Errorf("%s: ListGroups of app 2: got %v, want [b x]", how, got)
		} else if gs[0].Type != im.TypePublic || gs[0].MemberNum != 1 || gs[0].App != app2 {
			t.Errorf("%s: app 2's group b: got App %d Type %s MemberNum %d, want %d Public 1",
				how, gs[0].App, gs[0].Type, gs[0].MemberNum, app2)
		}
		if gs, err = tx.ListGroups(ctx, app2, im.GroupQuery{Type: im.TypePrivate}); err != nil || len(gs) != 0 {
			t.Errorf("%s: ListGroups of app 2's Private groups: got %v, %v, want none", how, groupIDs(gs), err)
		}
		if gs, err = tx.ListGroups(ctx, 99, im.GroupQuery{}); err != nil || len(gs) != 0 {
			t.Errorf("%s: ListGroups of an app with no groups: got %v, %v, want none", how, groupIDs(gs), err)
		}
		return nil
	})

	// A destroyed group leaves the list; its members' count goes with it.
	mustDestroyGroup(t, s, app1, "m")
	if got := groupIDs(mustListGroups(t, s, app1, im.GroupQuery{Type: im.TypePublic})); !slices.Equal(got, []string{"z", "q"}) {
		t.Errorf("ListGroups Public after DestroyGroup(m): got %v, want [z q]", got)
	}
}

// testListGroupsPaging pages through 57 groups of mixed types by AfterSeq: each page
// follows the last, and every group is listed once, in creation order.
func testListGroupsPaging(t *testing.T, s im.Store) {
	const n, page = 57, 10
	types := []im.GroupType{im.TypePublic, im.TypePrivate, im.TypeChatRoom}
	var want, wantPublic []string
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		for i := range n {
			// IDs that do not sort in creation order.
			id := fmt.Sprintf("g%02d", (i*23)%n)
			typ := types[i%len(types)]
			want = append(want, id)
			if typ == im.TypePublic {
				wantPublic = append(wantPublic, id)
			}
			if err := tx.CreateGroup(ctx, typedGroup(app1, id, typ)); err != nil {
				return err
			}
		}
		return nil
	})
	for _, typ := range []im.GroupType{"", im.TypePublic} {
		var got []string
		for after, pages := int64(0), 0; ; pages++ {
			if pages > n/page+1 {
				t.Fatalf("pages of Type %q: more than %d pages, got %v so far", typ, pages, got)
			}
			gs := mustListGroups(t, s, app1, im.GroupQuery{Type: typ, AfterSeq: after, Limit: page})
			if len(gs) == 0 {
				break
			}
			if len(gs) > page {
				t.Fatalf("ListGroups page of Type %q: got %d groups, want at most %d", typ, len(gs), page)
			}
			if gs[0].Seq <= after {
				t.Fatalf("ListGroups page of Type %q after Seq %d starts at Seq %d", typ, after, gs[0].Seq)
			}
			got = append(got, groupIDs(gs)...)
			after = gs[len(gs)-1].Seq
		}
		w := want
		if typ != "" {
			w = wantPublic
		}
		if !slices.Equal(got, w) {
			t.Errorf("pages of Type %q: got %v, want %v", typ, got, w)
		}
	}
}

func testCountGroups(t *testing.T, s im.Store) {
	listFixture(t, s)
	inBoth(t, s, func(ctx context.Context, tx im.Tx, how string) error {
		for _, tc := range []struct {
			app  uint64
			typ  im.GroupType
			want int64
		}{
			{app1, "", 5}, {app1, im.TypePublic, 3}, {app1, im.TypePrivate, 1}, {app1, im.TypeChatRoom, 1},
			{app1, im.TypeAVChatRoom, 0}, {app1, im.TypeCommunity, 0},
			{app2, "", 2}, {app2, im.TypeCommunity, 1}, {app2, im.TypePrivate, 0},
			{99, "", 0},
		} {
			got, err := tx.CountGroups(ctx, tc.app, tc.typ)
			if err != nil {
				return err
			}
			if got != tc.want {
				t.Errorf("%s: CountGroups(%d, %q): got %d, want %d", how, tc.app, tc.typ, got, tc.want)
			}
		}
		return nil
	})
	mustDestroyGroup(t, s, app1, "m")
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		all, err := tx.CountGroups(ctx, app1, "")
		if err != nil {
			return err
		}
		public, err := tx.CountGroups(ctx, app1, im.TypePublic)
		if err != nil {
			return err
		}
		if all != 4 || public != 2 {
			t.Errorf("CountGroups after DestroyGroup: got %d of all, %d Public, want 4 and 2", all, public)
		}
		return nil
	})
}

// joinedFixture creates app 1's groups z, b, m and a, in that order, and app 2's group b.
// Account u joins m (Admin), then z (Owner), then b (Member, muted): not in creation
// order. u is muted in a without being a member; v is a member of z and a; u is also a
// member of app 2's b. u and v are imported accounts of app 1.
func joinedFixture(t *testing.T, s im.Store) {
	t.Helper()
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "u"}, im.Account{App: app1, UserID: "v"})
	for _, id := range []string{"z", "b", "m", "a"} {
		mustCreateGroup(t, s, newGroup(app1, id))
	}
	mustCreateGroup(t, s, newGroup(app2, "b"))
	mustAddMembers(t, s, app1, newMember("m", "u", im.RoleAdmin))
	mustAddMembers(t, s, app1, newMember("z", "v", im.RoleOwner), newMember("z", "u", im.RoleOwner))
	mustAddMembers(t, s, app1, newMember("b", "u", im.RoleMember), newMember("a", "v", im.RoleOwner))
	mustSetMute(t, s, app1, "b", "u", 1800000000)
	mustSetMute(t, s, app1, "a", "u", im.MuteForever)
	other := newMember("b", "u", im.RoleOwner)
	other.NameCard = "app 2 card"
	mustAddMembers(t, s, app2, other)
}

// testListJoined lists u's groups: in group Seq order (not join or ID order), each group
// as GetGroup reads it and the membership as GetMember reads it, MuteUntil included.
func testListJoined(t *testing.T, s im.Store) {
	joinedFixture(t, s)
	var want []im.Joined
	for _, id := range []string{"z", "b", "m"} {
		want = append(want, im.Joined{Group: mustGetGroup(t, s, app1, id), Self: mustGetMember(t, s, app1, id, "u")})
	}
	// The memberships as written, so a ListJoined that agrees with a wrong GetMember fails.
	self := []im.Member{newMember("z", "u", im.RoleOwner), newMember("b", "u", im.RoleMember), newMember("m", "u", im.RoleAdmin)}
	self[1].MuteUntil = 1800000000

	inBoth(t, s, func(ctx context.Context, tx im.Tx, how string) error {
		got, err := tx.ListJoined(ctx, app1, "u")
		if err != nil {
			return err
		}
		if d := diff(want, got); d != "" {
			t.Errorf("%s: ListJoined(u) (-want +got):\n%s", how, d)
		}
		for i := range min(len(got), len(self)) {
			if d := diff(self[i], got[i].Self, ignoreSeq); d != "" {
				t.Errorf("%s: ListJoined(u) membership of %s (-want +got):\n%s", how, self[i].Group, d)
			}
		}
		if g := got; len(g) == 3 && (g[0].Group.MemberNum != 2 || g[2].Group.MemberNum != 1) {
			t.Errorf("%s: MemberNum of z and m: got %d %d, want 2 1", how, g[0].Group.MemberNum, g[2].Group.MemberNum)
		}

		v, err := tx.ListJoined(ctx, app1, "v")
		if err != nil {
			return err
		}
		if got := joinedIDs(v); !slices.Equal(got, []string{"z", "a"}) {
			t.Errorf("%s: ListJoined(v): got %v, want [z a]", how, got)
		}
		other, err := tx.ListJoined(ctx, app2, "u")
		if err != nil {
			return err
		}
		if len(other) != 1 || other[0].Group.ID != "b" || other[0].Group.App != app2 ||
			other[0].Self.NameCard != "app 2 card" || other[0].Self.MuteUntil != 0 {
			t.Errorf("%s: ListJoined(u) of app 2: got %+v, want app 2's b only, unmuted", how, other)
		}
		none, err := tx.ListJoined(ctx, app1, "nobody")
		if err != nil {
			return err
		}
		if len(none) != 0 {
			t.Errorf("%s: ListJoined of an account in no group: got %v, want none", how, joinedIDs(none))
		}
		return nil
	})
}

// testListJoinedRemoved checks that a group leaves u's list when u leaves it, when it is
// destroyed, and every group when u's account is deleted; others' lists keep theirs.
func testListJoinedRemoved(t *testing.T, s im.Store) {
	joinedFixture(t, s)
	check := func(when string, want []string) {
		t.Helper()
		if got := joinedIDs(mustListJoined(t, s, app1, "u")); !slices.Equal(got, want) {
			t.Errorf("ListJoined(u) %s: got %v, want %v", when, got, want)
		}
	}
	check("at first", []string{"z", "b", "m"})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteMember(ctx, app1, "b", "u") })
	check("after DeleteMember(b)", []string{"z", "m"})
	mustDestroyGroup(t, s, app1, "m")
	check("after DestroyGroup(m)", []string{"z"})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteAccount(ctx, app1, "u") })
	check("after DeleteAccount(u)", nil)

	if got := joinedIDs(mustListJoined(t, s, app1, "v")); !slices.Equal(got, []string{"z", "a"}) {
		t.Errorf("ListJoined(v) after u is gone: got %v, want [z a]", got)
	} else if js := mustListJoined(t, s, app1, "v"); js[0].Group.MemberNum != 1 {
		t.Errorf("MemberNum of z after u is gone: got %d, want 1", js[0].Group.MemberNum)
	}
	if got := joinedIDs(mustListJoined(t, s, app2, "u")); !slices.Equal(got, []string{"b"}) {
		t.Errorf("ListJoined(u) of app 2 after app 1's u is gone: got %v, want [b]", got)
	}
	// Re-joining lists the group again, at its Seq.
	mustAddMembers(t, s, app1, newMember("a", "u", im.RoleMember))
	js := mustListJoined(t, s, app1, "u")
	if len(js) != 1 || js[0].Group.ID != "a" || js[0].Self.MuteUntil != 0 {
		t.Errorf("ListJoined(u) after joining a: got %+v, want a, unmuted (the account's mutes went with it)", js)
	}
}

// testGetMembers reads the members among a list of accounts that holds members, a muted
// non-member, a member of another group, unknown accounts and duplicates.
func testGetMembers(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustCreateGroup(t, s, newGroup(app1, "h"))
	mustCreateGroup(t, s, newGroup(app2, "g"))
	mustAddMembers(t, s, app1, newMember("g", "a", im.RoleOwner), newMember("g", "b", im.RoleAdmin),
		newMember("g", "c", im.RoleMember), newMember("h", "d", im.RoleOwner))
	other := newMember("g", "a", im.RoleMember)
	other.NameCard = "app 2 card"
	mustAddMembers(t, s, app2, other)
	mustSetMute(t, s, app1, "g", "b", 1800000000)
	mustSetMute(t, s, app1, "g", "x", im.MuteForever)

	byAccount := func(ms []im.Member) []im.Member {
		ms = slices.Clone(ms)
		slices.SortFunc(ms, func(a, b im.Member) int { return cmp.Compare(a.Account, b.Account) })
		return ms
	}
	wantB := newMember("g", "b", im.RoleAdmin)
	wantB.MuteUntil = 1800000000
	seqB := mustGetMember(t, s, app1, "g", "b").Seq
	inBoth(t, s, func(ctx context.Context, tx im.Tx, how string) error {
		for _, tc := range []struct {
			name     string
			app      uint64
			group    string
			accounts []string
			want     []im.Member
		}{
			{"mixed", app1, "g", []string{"c", "x", "d", "b", "nobody", "c", "a", "c"},
				[]im.Member{newMember("g", "a", im.RoleOwner), wantB, newMember("g", "c", im.RoleMember)}},
			{"duplicates", app1, "g", []string{"b", "b", "b"}, []im.Member{wantB}},
			{"none found", app1, "g", []string{"x", "d"}, nil},
			{"empty list", app1, "g", []string{}, nil},
			{"nil list", app1, "g", nil, nil},
			{"missing group", app1, "missing", []string{"a"}, nil},
			{"other app", app2, "g", []string{"a", "b"}, []im.Member{other}},
		} {
			got, err := tx.GetMembers(ctx, tc.app, tc.group, tc.accounts)
			if err != nil {
				return err
			}
			if d := diff(tc.want, byAccount(got), ignoreSeq); d != "" {
				t.Errorf("%s: GetMembers %s %q (-want +got):\n%s", how, tc.name, tc.accounts, d)
			}
			for _, m := range got {
				if m.Account == "b" && m.Seq != seqB {
					t.Errorf("%s: GetMembers Seq of b: got %d, want %d as GetMember reads it", how, m.Seq, seqB)
				}
			}
		}
		return nil
	})
}
