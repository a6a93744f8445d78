package storetest

import (
	"cmp"
	"slices"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// LegacyGroups returns the groups a store's upgrade test writes, with its own SQL, into a
// database of schema version 1, which had no group Seq: groups of two apps, written in an
// order other than their creation order. Only App, ID and CreateTime are set.
func LegacyGroups() []im.Group {
	return []im.Group{
		{App: app1, ID: "c", CreateTime: 100},
		{App: app1, ID: "a", CreateTime: 300},
		{App: app2, ID: "a", CreateTime: 150},
		{App: app1, ID: "b", CreateTime: 200},
	}
}

// CheckLegacyGroupSeq checks s, opened (and so migrated) on a database of version 1 that
// held LegacyGroups: the upgrade gave them Seqs in creation order across both apps, as
// CreateGroup would have, and a group created now gets a Seq after all of theirs.
func CheckLegacyGroupSeq(t *testing.T, s im.Store) {
	t.Helper()
	mustCreateGroup(t, s, newGroup(app1, "new"))
	order := slices.SortedFunc(slices.Values(LegacyGroups()), func(a, b im.Group) int {
		return cmp.Compare(a.CreateTime, b.CreateTime)
	})
	order = append(order, im.Group{App: app1, ID: "new"})
	var last int64
	for _, g := range order {
		seq := mustGetGroup(t, s, g.App, g.ID).Seq
		if seq <= last {
			t.Errorf("Seq of group %q of app %d after the upgrade: got %d, want one after %d (creation order)", g.ID, g.App, seq, last)
		}
		last = max(last, seq)
	}
	if got, want := groupIDs(mustListGroups(t, s, app1, im.GroupQuery{})), []string{"c", "b", "a", "new"}; !slices.Equal(got, want) {
		t.Errorf("ListGroups of app 1 after the upgrade: got %v, want %v", got, want)
	}
}
