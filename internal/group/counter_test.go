package group_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// counters returns the group's counters named by keys (all without keys).
func (e *env) counters(tb testing.TB, groupID string, keys ...string) []im.Counter {
	tb.Helper()
	got, err := e.svc.GroupCounters(tb.Context(), e.caller, groupID, keys)
	if err != nil {
		tb.Fatalf("GroupCounters %q: %v", groupID, err)
	}
	return got
}

// TestGroupCounters checks get, update in each mode and delete of group counters
// (docs/compatibility.md §10).
func TestGroupCounters(t *testing.T) {
	e := newEnv(t, "owner")
	ctx := t.Context()
	g := e.mustCreate(t, im.TypePublic, "owner")
	if got := e.counters(t, g); len(got) != 0 {
		t.Fatalf("a new group's counters: got %v, want none", got)
	}
	update := func(mode string, cs ...im.Counter) []im.Counter {
		t.Helper()
		got, err := e.svc.UpdateGroupCounters(ctx, e.caller, g, mode, cs)
		if err != nil {
			t.Fatalf("update %s %v: %v", mode, cs, err)
		}
		return got
	}
	if got, want := update("", im.Counter{Key: "like", Value: 5}, im.Counter{Key: "unlike", Value: 1}),
		[]im.Counter{{Key: "like", Value: 5}, {Key: "unlike", Value: 1}}; !cmp.Equal(got, want) {
		t.Errorf("update without Mode: got %v, want %v", got, want)
	}
	if got, want := update(group.CounterIncrease, im.Counter{Key: "unlike", Value: 2}, im.Counter{Key: "new", Value: 3}),
		[]im.Counter{{Key: "unlike", Value: 3}, {Key: "new", Value: 3}}; !cmp.Equal(got, want) {
		t.Errorf("Increase: got %v, want %v (in request order, a new key from 0)", got, want)
	}
	if got, want := update(group.CounterDecrease, im.Counter{Key: "like", Value: 7}, im.Counter{Key: "fresh", Value: 1}),
		[]im.Counter{{Key: "like", Value: -2}, {Key: "fresh", Value: -1}}; !cmp.Equal(got, want) {
		t.Errorf("Decrease: got %v, want %v", got, want)
	}
	if got, want := update(group.CounterSet, im.Counter{Key: "new", Value: 0}), []im.Counter{{Key: "new"}}; !cmp.Equal(got, want) {
		t.Errorf("Set 0: got %v, want %v", got, want)
	}
	all := []im.Counter{{Key: "fresh", Value: -1}, {Key: "like", Value: -2}, {Key: "new"}, {Key: "unlike", Value: 3}}
	if d := cmp.Diff(all, e.counters(t, g)); d != "" {
		t.Errorf("every counter, in key order (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]im.Counter{{Key: "unlike", Value: 3}, {Key: "like", Value: -2}},
		e.counters(t, g, "unlike", "missing", "like", "unlike")); d != "" {
		t.Errorf("named counters, in request order, each once, none for a missing key (-want +got):\n%s", d)
	}
	if err := e.svc.DeleteGroupCounters(ctx, e.caller, g, []string{"like", "missing"}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if d := cmp.Diff([]im.Counter{{Key: "fresh", Value: -1}, {Key: "new"}, {Key: "unlike", Value: 3}}, e.counters(t, g)); d != "" {
		t.Errorf("after deleting one (-want +got):\n%s", d)
	}
	if err := e.svc.DeleteGroupCounters(ctx, e.caller, g, nil); err != nil {
		t.Fatalf("delete all: %v", err)
	}
	if got := e.counters(t, g); len(got) != 0 {
		t.Errorf("after deleting all: %v", got)
	}
}

// TestGroupCounterChecks checks the codes of the counter commands in their order
// (docs/compatibility.md §10); nothing changes when an update is refused.
func TestGroupCounterChecks(t *testing.T) {
	e := newEnv(t, "owner")
	ctx := t.Context()
	g := e.mustCreate(t, im.TypePublic, "owner")
	community := e.mustCreate(t, im.TypeCommunity, "owner")
	if _, err := e.svc.UpdateGroupCounters(ctx, e.caller, g, "", []im.Counter{{Key: "max", Value: math.MaxInt64}, {Key: "min", Value: math.MinInt64}}); err != nil {
		t.Fatal(err)
	}
	n := func(count int) []im.Counter {
		out := make([]im.Counter, count)
		for i := range out {
			out[i] = im.Counter{Key: string(rune('a' + i)), Value: 1}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		group string
		mode  string
		cs    []im.Counter
		want  im.Code
	}{
		{"no GroupId", "", "", n(1), im.CodeInvalidGroupID},
		{"bad Mode", g, "set", n(1), im.CodeInvalidParam},
		{"no counters", g, "", nil, im.CodeInvalidParam},
		{"21 keys", g, "", n(21), im.CodeTooManyCounters},
		{"empty key", g, "", []im.Counter{{Key: ""}}, im.CodeInvalidParam},
		{"key with NUL", g, "", []im.Counter{{Key: "a\x00"}}, im.CodeInvalidParam},
		{"key not UTF-8", g, "", []im.Counter{{Key: "a\xff"}}, im.CodeInvalidParam},
		{"key 129 bytes", g, "", []im.Counter{{Key: strings.Repeat("k", 129)}}, im.CodeInvalidParam},
		{"key twice", g, "", []im.Counter{{Key: "a"}, {Key: "a"}}, im.CodeInvalidParam},
		{"no such group", "nosuch", "", n(1), im.CodeGroupNotFound},
		{"Community", community, "", n(1), im.CodeNotAllowed},
		{"Increase past the top", g, group.CounterIncrease, []im.Counter{{Key: "a", Value: 1}, {Key: "max", Value: 1}}, im.CodeInvalidParam},
		{"Decrease past the bottom", g, group.CounterDecrease, []im.Counter{{Key: "min", Value: 1}}, im.CodeInvalidParam},
		{"Decrease by the bottom", g, group.CounterDecrease, []im.Counter{{Key: "a", Value: math.MinInt64}}, im.CodeInvalidParam},
		{"19 new keys besides 2", g, "", n(19), im.CodeTooManyCounters},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.UpdateGroupCounters(ctx, e.caller, tc.group, tc.mode, tc.cs)
			wantCode(t, "update", err, tc.want)
			if d := cmp.Diff([]im.Counter{{Key: "max", Value: math.MaxInt64}, {Key: "min", Value: math.MinInt64}}, e.counters(t, g)); d != "" {
				t.Errorf("counters after a refused update (-want +got):\n%s", d)
			}
		})
	}
	_, err := e.svc.UpdateGroupCounters(ctx, e.caller, g, group.CounterDecrease, []im.Counter{{Key: "max", Value: math.MinInt64 + 1}})
	wantCode(t, "Decrease by MinInt64+1 from MaxInt64", err, im.CodeInvalidParam)
	got, err := e.svc.UpdateGroupCounters(ctx, e.caller, g, group.CounterDecrease, []im.Counter{{Key: "min", Value: math.MinInt64}})
	if err != nil || got[0].Value != 0 {
		t.Errorf("Decrease MinInt64 by MinInt64: got %v, %v, want 0", got, err)
	}
	for _, tc := range []struct {
		name  string
		group string
		want  im.Code
	}{{"no GroupId", "", im.CodeInvalidGroupID}, {"no such group", "nosuch", im.CodeGroupNotFound}, {"Community", community, im.CodeNotAllowed}} {
		_, err := e.svc.GroupCounters(ctx, e.caller, tc.group, nil)
		wantCode(t, "get/"+tc.name, err, tc.want)
		wantCode(t, "delete/"+tc.name, e.svc.DeleteGroupCounters(ctx, e.caller, tc.group, nil), tc.want)
	}
}

// TestGroupCounterFeature checks that an app with group counters turned off gets 10059
// from every counter command, before any other check.
func TestGroupCounterFeature(t *testing.T) {
	e := newEnv(t, "owner")
	ctx := t.Context()
	e.caller.App.Features.GroupCounters = false
	_, err := e.svc.GroupCounters(ctx, e.caller, "", nil)
	wantCode(t, "get", err, im.CodeUltimateOnly)
	_, err = e.svc.UpdateGroupCounters(ctx, e.caller, "nosuch", "bad", nil)
	wantCode(t, "update", err, im.CodeUltimateOnly)
	wantCode(t, "delete", e.svc.DeleteGroupCounters(ctx, e.caller, "nosuch", nil), im.CodeUltimateOnly)
}
