package group_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
)

// attrs returns the group's attributes as the rules read them.
func (e *env) attrs(tb testing.TB, groupID string) []im.KV {
	tb.Helper()
	got, err := e.svc.GroupAttrs(tb.Context(), e.caller, groupID)
	if err != nil {
		tb.Fatalf("GroupAttrs %q: %v", groupID, err)
	}
	return got
}

// TestGroupAttrs checks get, modify, set and clear of group attributes
// (docs/compatibility.md §10).
func TestGroupAttrs(t *testing.T) {
	e := newEnv(t, "owner")
	ctx := t.Context()
	g := e.mustCreate(t, im.TypePublic, "owner")
	if got := e.attrs(t, g); len(got) != 0 {
		t.Fatalf("a new group's attributes: got %v, want none", got)
	}
	if err := e.svc.ModifyGroupAttrs(ctx, e.caller, g, []im.KV{{Key: "b", Value: "1"}, {Key: "a", Value: "x\x00y"}}); err != nil {
		t.Fatalf("modify: %v", err)
	}
	e.clock.advance(time.Second)
	if err := e.svc.ModifyGroupAttrs(ctx, e.caller, g, []im.KV{{Key: "b", Value: "2"}, {Key: "c", Value: ""}}); err != nil {
		t.Fatalf("modify again: %v", err)
	}
	want := []im.KV{{Key: "a", Value: "x\x00y"}, {Key: "b", Value: "2"}, {Key: "c", Value: ""}}
	if d := cmp.Diff(want, e.attrs(t, g)); d != "" {
		t.Errorf("after two modifies (-want +got):\n%s", d)
	}
	if err := e.svc.SetGroupAttrs(ctx, e.caller, g, []im.KV{{Key: "z", Value: "only"}}); err != nil {
		t.Fatalf("set: %v", err)
	}
	if d := cmp.Diff([]im.KV{{Key: "z", Value: "only"}}, e.attrs(t, g)); d != "" {
		t.Errorf("after set (-want +got):\n%s", d)
	}
	if err := e.svc.ClearGroupAttrs(ctx, e.caller, g); err != nil {
		t.Fatalf("clear: %v", err)
	}
	if got := e.attrs(t, g); len(got) != 0 {
		t.Errorf("after clear: got %v, want none", got)
	}
}

// TestGroupAttrsByType checks that every type has attributes and that only a Community
// cannot be cleared (10007).
func TestGroupAttrsByType(t *testing.T) {
	e := newEnv(t, "owner")
	ctx := t.Context()
	for _, typ := range im.GroupTypes {
		g := e.mustCreate(t, typ, "owner")
		if err := e.svc.SetGroupAttrs(ctx, e.caller, g, []im.KV{{Key: "k", Value: string(typ)}}); err != nil {
			t.Errorf("%s: set: %v", typ, err)
		}
		if err := e.svc.ModifyGroupAttrs(ctx, e.caller, g, []im.KV{{Key: "k", Value: "v"}}); err != nil {
			t.Errorf("%s: modify: %v", typ, err)
		}
		want := im.CodeOK
		if typ == im.TypeCommunity {
			want = im.CodeNotAllowed
		}
		wantCode(t, string(typ)+": clear", e.svc.ClearGroupAttrs(ctx, e.caller, g), want)
	}
}

// TestGroupAttrChecks checks the codes of attribute writes, in their order
// (docs/compatibility.md §10): nothing changes when a write is refused.
func TestGroupAttrChecks(t *testing.T) {
	e := newEnv(t, "owner")
	ctx := t.Context()
	g := e.mustCreate(t, im.TypePublic, "owner")
	keys := func(n int, value string) []im.KV {
		out := make([]im.KV, n)
		for i := range out {
			out[i] = im.KV{Key: string(rune('a' + i)), Value: value}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		group string
		attrs []im.KV
		want  im.Code
	}{
		{"no GroupId", "", keys(1, "v"), im.CodeInvalidGroupID},
		{"no such group", "nosuch", keys(1, "v"), im.CodeGroupNotFound},
		{"no attributes", g, nil, im.CodeInvalidParam},
		{"empty key", g, []im.KV{{Key: "", Value: "v"}}, im.CodeInvalidParam},
		{"key not UTF-8", g, []im.KV{{Key: "a\xff", Value: "v"}}, im.CodeInvalidParam},
		{"key with NUL", g, []im.KV{{Key: "a\x00", Value: "v"}}, im.CodeInvalidParam},
		{"key twice", g, []im.KV{{Key: "a", Value: "1"}, {Key: "a", Value: "2"}}, im.CodeInvalidParam},
		{"value not UTF-8", g, []im.KV{{Key: "a", Value: "\xff"}}, im.CodeInvalidParam},
		{"key 33 bytes", g, []im.KV{{Key: strings.Repeat("k", 33), Value: "v"}}, im.CodeAttrKeyTooLong},
		{"value 4001 bytes", g, []im.KV{{Key: "a", Value: strings.Repeat("v", 4001)}}, im.CodeAttrValueTooLong},
		{"17 keys", g, keys(17, "v"), im.CodeAttrTooMany},
		{"16 values of 1001 bytes", g, keys(16, strings.Repeat("v", 1001)), im.CodeAttrTooLarge},
		{"entries in order", g, []im.KV{{Key: "a", Value: strings.Repeat("v", 4001)}, {Key: strings.Repeat("k", 33)}}, im.CodeAttrValueTooLong},
		{"group ID before entries", "", nil, im.CodeInvalidGroupID},
		{"entries before the group", "nosuch", []im.KV{{Key: strings.Repeat("k", 33)}}, im.CodeAttrKeyTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, "modify", e.svc.ModifyGroupAttrs(ctx, e.caller, tc.group, tc.attrs), tc.want)
			wantCode(t, "set", e.svc.SetGroupAttrs(ctx, e.caller, tc.group, tc.attrs), tc.want)
			if tc.group == g {
				if got := e.attrs(t, g); len(got) != 0 {
					t.Errorf("attributes after a refused write: %v", got)
				}
			}
		})
	}
	t.Run("limits at their edge", func(t *testing.T) {
		ok := append(keys(15, strings.Repeat("v", 1000)), im.KV{Key: strings.Repeat("k", 32), Value: strings.Repeat("v", 1000)})
		if err := e.svc.SetGroupAttrs(ctx, e.caller, g, ok); err != nil {
			t.Fatalf("16 keys of 1000 bytes, one key of 32 bytes: %v", err)
		}
		e.clock.advance(time.Second)
		wantCode(t, "one more key", e.svc.ModifyGroupAttrs(ctx, e.caller, g, []im.KV{{Key: "new", Value: ""}}), im.CodeAttrTooMany)
		wantCode(t, "one more byte", e.svc.ModifyGroupAttrs(ctx, e.caller, g, []im.KV{{Key: "a", Value: strings.Repeat("v", 1001)}}), im.CodeAttrTooLarge)
		if err := e.svc.ModifyGroupAttrs(ctx, e.caller, g, []im.KV{{Key: "a", Value: strings.Repeat("v", 1000)}}); err != nil {
			t.Errorf("a key replaced at the same size: %v", err)
		}
	})
}

// TestGroupAttrRate checks the write rate of one group: 5 writes a second by default,
// then 10049 until the next second; a refused write does not count; other groups and a
// rate of 0 are not held back.
func TestGroupAttrRate(t *testing.T) {
	e := newEnv(t, "owner")
	ctx := t.Context()
	g := e.mustCreate(t, im.TypePublic, "owner")
	other := e.mustCreate(t, im.TypePublic, "owner")
	one := []im.KV{{Key: "k", Value: "v"}}
	wantCode(t, "a write refused for its size", e.svc.SetGroupAttrs(ctx, e.caller, g, []im.KV{{Key: "k", Value: strings.Repeat("v", 4001)}}), im.CodeAttrValueTooLong)
	for i := range 5 {
		var err error
		switch i % 3 {
		case 0:
			err = e.svc.ModifyGroupAttrs(ctx, e.caller, g, one)
		case 1:
			err = e.svc.SetGroupAttrs(ctx, e.caller, g, one)
		case 2:
			err = e.svc.ClearGroupAttrs(ctx, e.caller, g)
		}
		wantCode(t, "write within the rate", err, im.CodeOK)
	}
	wantCode(t, "sixth modify", e.svc.ModifyGroupAttrs(ctx, e.caller, g, one), im.CodeAttrRate)
	wantCode(t, "sixth clear", e.svc.ClearGroupAttrs(ctx, e.caller, g), im.CodeAttrRate)
	wantCode(t, "another group", e.svc.ModifyGroupAttrs(ctx, e.caller, other, one), im.CodeOK)
	if _, err := e.svc.GroupAttrs(ctx, e.caller, g); err != nil {
		t.Errorf("a read over the write rate: %v", err)
	}
	e.clock.advance(time.Second)
	wantCode(t, "the next second", e.svc.ModifyGroupAttrs(ctx, e.caller, g, one), im.CodeOK)

	e.caller.App.Limits.GroupAttrWriteRate = 0
	for range 10 {
		wantCode(t, "rate 0", e.svc.ModifyGroupAttrs(ctx, e.caller, g, one), im.CodeOK)
	}
}

// TestGroupAttrConcurrent checks that concurrent writes of one group's attributes never
// conflict (no 10056): they queue on the group and all land (docs/compatibility.md §10).
func TestGroupAttrConcurrent(t *testing.T) {
	e := newEnv(t, "owner")
	e.caller.App.Limits.GroupAttrWriteRate = 0
	g := e.mustCreate(t, im.TypePublic, "owner")
	const writers = 8
	errs := make(chan error, writers)
	for i := range writers {
		go func() {
			errs <- e.svc.ModifyGroupAttrs(t.Context(), e.caller, g, []im.KV{{Key: string(rune('a' + i)), Value: "v"}})
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Errorf("a concurrent write: %v", err)
		}
	}
	if got := e.attrs(t, g); len(got) != writers {
		t.Errorf("after %d concurrent writes of distinct keys: got %v", writers, got)
	}
}
