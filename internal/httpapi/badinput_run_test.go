package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// Running the cases of TestBadInput: building each body from the base, and comparing the
// answer and the store with what the case expects.

// applyOps returns base with ops applied. Each path must exist in base up to its last
// part; "X[]" addresses the first entry of list X.
func applyOps(tb testing.TB, base string, ops []op) string {
	tb.Helper()
	v := decodeJSON(base)
	raws := map[string]string{}
	for i, o := range ops {
		parts := strings.Split(o.path, ".")
		parent, last := v, parts[len(parts)-1]
		for _, p := range parts[:len(parts)-1] {
			parent = step(tb, parent, p, o.path)
		}
		marker := fmt.Sprintf("@@raw%d@@", i)
		raws[`"`+marker+`"`] = o.raw
		if name, ok := strings.CutSuffix(last, "[]"); ok {
			l := list(parent.(map[string]any)[name])
			if len(l) == 0 {
				tb.Fatalf("path %s: the base has no entry in %s", o.path, name)
			}
			if o.del {
				tb.Fatalf("path %s: cannot delete a list entry", o.path)
			}
			l[0] = marker
			continue
		}
		obj, ok := parent.(map[string]any)
		if !ok {
			tb.Fatalf("path %s: not an object", o.path)
		}
		switch {
		case o.del:
			delete(obj, last)
		case o.miscase:
			v, ok := obj[last]
			if !ok {
				tb.Fatalf("path %s: the base has no %s", o.path, last)
			}
			delete(obj, last)
			obj[wrongCase(last)] = v
		default:
			obj[last] = marker
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	for marker, raw := range raws {
		data = bytes.Replace(data, []byte(marker), []byte(raw), 1)
	}
	return string(data)
}

// step goes from v to its part p ("Name" or "Name[]" for the first entry of a list).
func step(tb testing.TB, v any, p, path string) any {
	tb.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		tb.Fatalf("path %s: %s is not in an object", path, p)
	}
	if name, ok := strings.CutSuffix(p, "[]"); ok {
		l := list(obj[name])
		if len(l) == 0 {
			tb.Fatalf("path %s: the base has no entry in %s", path, name)
		}
		return l[0]
	}
	next, ok := obj[p]
	if !ok {
		tb.Fatalf("path %s: the base has no %s", path, p)
	}
	return next
}

// refAnswer is the outcome of a reference body on a fresh fixture.
type refAnswer struct {
	seeded int64 // when the fixture was seeded, unix seconds
	code   int
	answer map[string]any
	snap   snapshot
}

// badInputRunner runs the cases of one command on its own server.
type badInputRunner struct {
	spec   *commandSpec
	admin  appAdmin
	dirty  bool  // the store may differ from a fresh fixture
	seeded int64 // when the fixture was last seeded, unix seconds
	// before is the state now, when not dirty; nil right after seeding, when the state is
	// fixture's.
	before  snapshot
	fixture *refAnswer // the state of the first fixture seeded
	refs    map[string]*refAnswer
	resets  int
	snaps   int
}

// clean makes the store a fresh fixture unless it is one.
func (r *badInputRunner) clean(t *testing.T) {
	t.Helper()
	if !r.dirty {
		return
	}
	if err := r.admin.s.Reset(); err != nil {
		t.Fatalf("reset: %v", err)
	}
	r.seeded = r.admin.s.Now().Unix()
	seedFixture(t, r.admin)
	r.dirty, r.before = false, nil
	r.resets++
	if r.fixture == nil {
		r.fixture = &refAnswer{seeded: r.seeded, snap: r.snapshot(t)}
		r.before = r.fixture.snap
	}
}

// send posts body on a fresh fixture and checks the envelope and that the answer is not
// 10002.
func (r *badInputRunner) send(t *testing.T, body string) *reply {
	t.Helper()
	r.clean(t)
	rep := r.admin.post(t, r.spec.cmd, body)
	wantAnswer(t, rep, http.StatusOK, im.Code(rep.Env.ErrorCode))
	if rep.Env.ErrorCode == int(im.CodeInternal) {
		t.Errorf("ErrorCode 10002 (%s): an internal error, want a documented code", rep.Env.ErrorInfo)
	}
	r.dirty = r.spec.write && rep.Env.ErrorCode == 0
	return rep
}

// wantUnchanged checks that the store is as before the call.
func (r *badInputRunner) wantUnchanged(t *testing.T) {
	t.Helper()
	after := r.snapshot(t)
	var d []string
	if r.before != nil {
		d = diffJSON(r.before, after)
	} else {
		// Fresh from seeding: as the first fixture, seeded at another second.
		d = diffRuns(r.fixture.snap, after, runDiff{r.fixture.seeded, r.seeded})
	}
	if len(d) > 0 {
		t.Errorf("the store changed:\n%s", strings.Join(d, "\n"))
		r.dirty = true
		return
	}
	r.before, r.dirty = after, false
}

// ref returns the outcome of the base body with ops applied, on a fresh fixture.
func (r *badInputRunner) ref(t *testing.T, ops []op) *refAnswer {
	t.Helper()
	body := applyOps(t, r.spec.base, ops)
	if a, ok := r.refs[body]; ok {
		return a
	}
	rep := r.send(t, body)
	a := &refAnswer{seeded: r.seeded, code: rep.Env.ErrorCode, answer: decodeAnswer(t, rep.Raw), snap: r.snapshot(t)}
	if !r.dirty {
		r.before = a.snap
	}
	r.refs[body] = a
	return a
}

// check runs one case.
func (r *badInputRunner) check(t *testing.T, c badCase) {
	body := c.body(t, r.spec.base)
	send := func(t *testing.T, body string) *reply {
		t.Helper()
		rep := r.send(t, body)
		r.wantIgnored(t, body, rep)
		return rep
	}
	switch c.want.as {
	case unchanged:
		rep := send(t, body)
		wantAnswer(t, rep, http.StatusOK, c.want.code)
		r.wantUnchanged(t)
	case applied:
		rep := send(t, body)
		wantAnswer(t, rep, http.StatusOK, im.CodeOK)
		if !r.spec.write {
			r.wantUnchanged(t)
		}
	case sameStoreAs:
		ref := r.ref(t, []op{del(c.want.without)})
		rep := send(t, body)
		wantAnswer(t, rep, http.StatusOK, im.CodeOK)
		r.wantStore(t, ref)
	case sameAsBase, sameAsAbsent:
		var ref *refAnswer
		if c.want.as == sameAsBase {
			ref = r.ref(t, nil)
		} else {
			ref = r.ref(t, c.ref)
		}
		rep := send(t, body)
		wantAnswer(t, rep, http.StatusOK, im.Code(ref.code))
		if d := diffRuns(ref.answer, decodeAnswer(t, rep.Raw), runDiff{ref.seeded, r.seeded}); len(d) > 0 {
			t.Errorf("answer differs from the reference's:\n%s", strings.Join(d, "\n"))
		}
		r.wantStore(t, ref)
	}
}

// wantIgnored checks the X-Timd-Ignored-Fields header of the answer to body: it lists
// the path of every key of the body that is no field of the request (docs/compatibility.md
// §1), found here by walking the body along the spec's fields, and nothing else; none for
// a body that is not valid JSON or was not read (60008).
func (r *badInputRunner) wantIgnored(t *testing.T, body string, rep *reply) {
	t.Helper()
	var want []string
	if rep.Env.ErrorCode != int(im.CodeBodyTooLarge) {
		want = r.spec.unknownPaths(body)
	}
	var got []string
	if h := rep.Header.Get("X-Timd-Ignored-Fields"); h != "" {
		got = strings.Split(h, ", ")
	}
	sort.Strings(want)
	sorted := append([]string(nil), got...)
	sort.Strings(sorted)
	if len(want) <= 20 {
		if !slices.Equal(sorted, want) {
			t.Errorf("X-Timd-Ignored-Fields: got %q, want %q", got, want)
		}
		return
	}
	if len(got) != 20 {
		t.Errorf("X-Timd-Ignored-Fields: got %d paths, want the first 20 of %d", len(got), len(want))
	}
	for _, p := range got {
		if _, ok := slices.BinarySearch(want, p); !ok {
			t.Errorf("X-Timd-Ignored-Fields: got %q, which is no ignored field of the body", p)
		}
	}
}

// unknownPaths returns the paths of the keys of body that are no field of the request, or
// nil when body is not valid JSON. A value is looked into only where the request has
// fields inside it: an object where the spec has "X.y", an array of objects where it has
// "X[].y".
func (spec *commandSpec) unknownPaths(body string) []string {
	dec := json.NewDecoder(strings.NewReader(body))
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil
	}
	known := map[string]bool{}
	for _, f := range spec.fields {
		known[f.path] = true
	}
	inside := func(prefix string) bool {
		for p := range known {
			if strings.HasPrefix(p, prefix) {
				return true
			}
		}
		return false
	}
	var out []string
	var walk func(v any, generic, concrete string)
	walk = func(v any, generic, concrete string) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				g, c := k, k
				if generic != "" {
					g, c = generic+"."+k, concrete+"."+k
				}
				switch {
				case !known[g]:
					out = append(out, c)
				case inside(g + "."):
					walk(e, g, c)
				case inside(g + "[]."):
					if l, ok := e.([]any); ok {
						for i, el := range l {
							if m, ok := el.(map[string]any); ok {
								walk(m, g+"[]", fmt.Sprintf("%s[%d]", c, i))
							}
						}
					}
				}
			}
		}
	}
	if m, ok := v.(map[string]any); ok {
		walk(m, "", "")
	}
	return out
}

// wantStore checks that the store is as the reference left it.
func (r *badInputRunner) wantStore(t *testing.T, ref *refAnswer) {
	t.Helper()
	snap := r.snapshot(t)
	if d := diffRuns(ref.snap, snap, runDiff{ref.seeded, r.seeded}); len(d) > 0 {
		t.Errorf("the store differs from the reference's:\n%s", strings.Join(d, "\n"))
		r.dirty = true
	}
	if !r.dirty {
		r.before = snap
	}
}

// snapshot reads the state of the runner's app.
func (r *badInputRunner) snapshot(t *testing.T) snapshot {
	t.Helper()
	r.snaps++
	return takeSnapshot(t, r.admin)
}
