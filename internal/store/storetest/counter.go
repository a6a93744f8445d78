package storetest

import (
	"context"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
)

var counterScenarios = []scenario{
	{"GroupCounter/RoundTrip", testGroupCounterRoundTrip},
	{"GroupCounter/GoneWithGroupAndApp", testGroupCounterGone},
}

// mustGroupCounters reads the counters of group g of app.
func mustGroupCounters(tb testing.TB, s im.Store, app uint64, g string) []im.Counter {
	tb.Helper()
	var out []im.Counter
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		out, err = tx.GroupCounters(ctx, app, g)
		return err
	})
	return out
}

// mustSetGroupCounters replaces the counters of group g of app.
func mustSetGroupCounters(tb testing.TB, s im.Store, app uint64, g string, cs ...im.Counter) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error { return tx.SetGroupCounters(ctx, app, g, cs) })
}

// testGroupCounterRoundTrip checks that counters read back in byte order of key with
// every 64-bit value, that SetGroupCounters replaces them all, and that groups and apps
// keep theirs apart.
func testGroupCounterRoundTrip(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	if got := mustGroupCounters(t, s, app1, "g"); len(got) != 0 {
		t.Errorf("counters of a new group: got %v, want none", got)
	}
	mustSetGroupCounters(t, s, app1, "g", im.Counter{Key: "max", Value: math.MaxInt64},
		im.Counter{Key: "Min", Value: math.MinInt64}, im.Counter{Key: "zero"}, im.Counter{Key: "é", Value: -1})
	mustSetGroupCounters(t, s, app1, "h", im.Counter{Key: "max", Value: 1})
	mustSetGroupCounters(t, s, app2, "g", im.Counter{Key: "max", Value: 2})
	want := []im.Counter{{Key: "Min", Value: math.MinInt64}, {Key: "max", Value: math.MaxInt64}, {Key: "zero"}, {Key: "é", Value: -1}}
	if d := cmp.Diff(want, mustGroupCounters(t, s, app1, "g")); d != "" {
		t.Errorf("counters (-want +got):\n%s", d)
	}
	mustSetGroupCounters(t, s, app1, "g", im.Counter{Key: "zero", Value: 5})
	if d := cmp.Diff([]im.Counter{{Key: "zero", Value: 5}}, mustGroupCounters(t, s, app1, "g")); d != "" {
		t.Errorf("counters after a second set (-want +got):\n%s", d)
	}
	mustSetGroupCounters(t, s, app1, "g")
	if got := mustGroupCounters(t, s, app1, "g"); len(got) != 0 {
		t.Errorf("counters after an empty set: got %v, want none", got)
	}
	if d := cmp.Diff([]im.Counter{{Key: "max", Value: 1}}, mustGroupCounters(t, s, app1, "h")); d != "" {
		t.Errorf("counters of another group (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]im.Counter{{Key: "max", Value: 2}}, mustGroupCounters(t, s, app2, "g")); d != "" {
		t.Errorf("counters of another app (-want +got):\n%s", d)
	}
}

// testGroupCounterGone checks that destroying a group and deleting an app delete the
// counters.
func testGroupCounterGone(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustSetGroupCounters(t, s, app1, "g", im.Counter{Key: "a", Value: 1})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DestroyGroup(ctx, app1, "g") })
	mustCreateGroup(t, s, newGroup(app1, "g"))
	if got := mustGroupCounters(t, s, app1, "g"); len(got) != 0 {
		t.Errorf("counters of a group created again with a destroyed ID: %v", got)
	}
	mustSetGroupCounters(t, s, app1, "g", im.Counter{Key: "a", Value: 1})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, app1) })
	if got := mustGroupCounters(t, s, app1, "g"); len(got) != 0 {
		t.Errorf("counters after DeleteApp: %v", got)
	}
}
