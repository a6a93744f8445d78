package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
)

var attrScenarios = []scenario{
	{"GroupAttr/RoundTrip", testGroupAttrRoundTrip},
	{"GroupAttr/GoneWithGroupAndApp", testGroupAttrGone},
}

// mustGroupAttrs reads the attributes of group g of app.
func mustGroupAttrs(tb testing.TB, s im.Store, app uint64, g string) []im.KV {
	tb.Helper()
	var out []im.KV
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		out, err = tx.GroupAttrs(ctx, app, g)
		return err
	})
	return out
}

// mustSetGroupAttrs replaces the attributes of group g of app.
func mustSetGroupAttrs(tb testing.TB, s im.Store, app uint64, g string, attrs ...im.KV) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error { return tx.SetGroupAttrs(ctx, app, g, attrs) })
}

// testGroupAttrRoundTrip checks that attributes read back in byte order of key, with
// values kept as given (NUL included), that SetGroupAttrs replaces them all, and that
// groups and apps keep theirs apart.
func testGroupAttrRoundTrip(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustCreateGroup(t, s, newGroup(app1, "h"))
	if got := mustGroupAttrs(t, s, app1, "g"); len(got) != 0 {
		t.Errorf("attributes of a new group: got %v, want none", got)
	}
	mustSetGroupAttrs(t, s, app1, "g", im.KV{Key: "b", Value: "2"}, im.KV{Key: "Z", Value: ""},
		im.KV{Key: "é", Value: "a\x00b"}, im.KV{Key: "a", Value: "1"})
	mustSetGroupAttrs(t, s, app1, "h", im.KV{Key: "a", Value: "h"})
	mustSetGroupAttrs(t, s, app2, "g", im.KV{Key: "a", Value: "other app"})
	want := []im.KV{{Key: "Z", Value: ""}, {Key: "a", Value: "1"}, {Key: "b", Value: "2"}, {Key: "é", Value: "a\x00b"}}
	if d := cmp.Diff(want, mustGroupAttrs(t, s, app1, "g")); d != "" {
		t.Errorf("attributes (-want +got):\n%s", d)
	}
	mustSetGroupAttrs(t, s, app1, "g", im.KV{Key: "c", Value: "3"})
	if d := cmp.Diff([]im.KV{{Key: "c", Value: "3"}}, mustGroupAttrs(t, s, app1, "g")); d != "" {
		t.Errorf("attributes after a second set (-want +got):\n%s", d)
	}
	mustSetGroupAttrs(t, s, app1, "g")
	if got := mustGroupAttrs(t, s, app1, "g"); len(got) != 0 {
		t.Errorf("attributes after an empty set: got %v, want none", got)
	}
	if d := cmp.Diff([]im.KV{{Key: "a", Value: "h"}}, mustGroupAttrs(t, s, app1, "h")); d != "" {
		t.Errorf("attributes of another group (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]im.KV{{Key: "a", Value: "other app"}}, mustGroupAttrs(t, s, app2, "g")); d != "" {
		t.Errorf("attributes of another app (-want +got):\n%s", d)
	}
}

// testGroupAttrGone checks that destroying a group and deleting an app delete the
// attributes.
func testGroupAttrGone(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustSetGroupAttrs(t, s, app1, "g", im.KV{Key: "a", Value: "1"})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DestroyGroup(ctx, app1, "g") })
	mustCreateGroup(t, s, newGroup(app1, "g"))
	if got := mustGroupAttrs(t, s, app1, "g"); len(got) != 0 {
		t.Errorf("attributes of a group created again with a destroyed ID: %v", got)
	}
	mustSetGroupAttrs(t, s, app1, "g", im.KV{Key: "a", Value: "1"})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, app1) })
	if got := mustGroupAttrs(t, s, app1, "g"); len(got) != 0 {
		t.Errorf("attributes after DeleteApp: %v", got)
	}
}
