package httpapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/httpapi"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/timtest"
)

// TestBadInput sends every command of the dispatch table, for every field of its request
// (badinput_spec_test.go lists them; the test checks the list against the wire structs),
// values of the wrong JSON type, JSON null, invalid UTF-8, control characters, negative and
// overflowing numbers, empty lists and lists one over the batch limit, and its key in the
// wrong case; and for every command a body over the limit, unknown fields, keys in the
// wrong case, deep nesting and repeated keys. Each answer must be HTTP 200 with the
// envelope and the code the spec names, and the app's state, read back through the API
// (see snapshot), must be unchanged, or, where the spec says so, the same as the base
// request's or the request's without the field. Every answer must list in its
// X-Timd-Ignored-Fields header exactly the keys of the body that are no field of the
// request (see wantIgnored).
func TestBadInput(t *testing.T) {
	specs := badInputSpecs()
	wantCommandsCovered(t, specs)
	total := 0
	for _, spec := range specs {
		total += len(spec.cases())
	}
	t.Logf("%d commands, %d cases", len(specs), total)
	for _, spec := range specs {
		t.Run(spec.cmd[strings.Index(spec.cmd, "/")+1:], func(t *testing.T) {
			t.Parallel()
			s := timtest.NewServer(t, &timtest.Options{Configure: func(c *config.Config) {
				unlimited(c)
				withFixtureFields(c)
			}})
			r := &badInputRunner{spec: spec, admin: firstAdmin(s), dirty: true, refs: map[string]*refAnswer{}}
			start := time.Now()
			for _, c := range spec.cases() {
				t.Run(c.name, func(t *testing.T) { r.check(t, c) })
			}
			t.Logf("%d resets, %d snapshots in %v", r.resets, r.snaps, time.Since(start))
		})
	}
}

// wantCommandsCovered checks that specs hold every command of the dispatch table once,
// each with exactly the fields of its request wire struct.
func wantCommandsCovered(t *testing.T, specs []*commandSpec) {
	t.Helper()
	fields := httpapi.RequestFields()
	seen := map[string]bool{}
	for _, spec := range specs {
		want, ok := fields[spec.cmd]
		if !ok || seen[spec.cmd] {
			t.Fatalf("spec of %s: not a command of the table, or given twice", spec.cmd)
		}
		seen[spec.cmd] = true
		var got []string
		for _, f := range spec.fields {
			got = append(got, f.path)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("spec of %s covers fields\n%v\nwant the request's\n%v", spec.cmd, got, want)
		}
	}
	for cmd := range fields {
		if !seen[cmd] {
			t.Errorf("command %s has no bad-input spec", cmd)
		}
	}
}

// kind is the JSON type a request field holds.
type kind int

const (
	kString kind = iota
	kNumber
	kArray
	kObject
)

// wrongTypes are values of every JSON type but the field's own (null has its own case).
var wrongTypes = map[kind][]string{
	kString: {`17`, `true`, `["x"]`, `{"x":1}`},
	kNumber: {`"17"`, `true`, `[17]`, `{"x":1}`},
	kArray:  {`"x"`, `17`, `true`, `{"x":1}`},
	kObject: {`"x"`, `17`, `true`, `[{}]`},
}

// outcome is what a case may do to the store, besides its answer.
type outcome int

const (
	unchanged    outcome = iota // the answer's code; the store unchanged
	sameAsBase                  // the answer and the store as for the base body
	sameAsAbsent                // the answer and the store as for the base body without the field
	applied                     // OK; a write changed the store as asked
	sameStoreAs                 // OK; the store as for the base body without the field named
)

// want is the expected answer of a case.
type want struct {
	code    im.Code
	as      outcome
	without string // sameStoreAs: the field the reference leaves out
}

// storeAsWithout is an OK answer that leaves the store as the base body without the field
// path does.
func storeAsWithout(path string) want { return want{as: sameStoreAs, without: path} }

// fail is an answer of code that changes nothing.
func fail(code im.Code) want { return want{code: code} }

var (
	okNoChange = want{}                    // OK, nothing changes
	asBase     = want{as: sameAsBase}      // the value is ignored
	asAbsent   = want{as: sameAsAbsent}    // the value means the field left out
	okApplied  = want{as: applied}         // a legitimate value, applied
	badJSON    = fail(im.CodeBadJSON)      // 60003
	invalid    = fail(im.CodeInvalidParam) // 10004
)

// field is one JSON path of a request and the answers to its bad values. Wrong JSON types
// answer 60003 and null answers as the field left out, for every field.
type field struct {
	path string
	kind kind
	// Strings: invalid UTF-8 (bad); an escaped NUL (nul); other control characters,
	// escaped (ctrl).
	bad, nul, ctrl want
	// Integers: -1, 4294967296 and 2^63-1; huge is a number no int64 holds (2^63, 1e30,
	// 1.5).
	neg, big, max, huge want
	// Lists: an empty list; limit+1 entries made by item (when limit > 0).
	empty want
	// wrong, when set, answers a value of another JSON type instead of 60003 (MsgBody,
	// whose "not an array" docs/compatibility.md §8 answers 10004).
	wrong *want
	limit int
	over  want
	item  func(i int) any
}

// Field constructors, by what a field means.

// groupID is a GroupId: what is not printable ASCII could never be one (10015).
func groupID(path string) field {
	return stringOf(path, fail(im.CodeInvalidGroupID), fail(im.CodeInvalidGroupID))
}

// accountOf is an account name that is checked for form, answering code when it is not
// printable ASCII.
func accountOf(path string, code im.Code) field { return stringOf(path, fail(code), fail(code)) }

// enum is a string of a fixed set: anything else is 10004.
func enum(path string) field { return stringOf(path, invalid, invalid) }

// text is free text: invalid UTF-8 or a NUL is 10004; other control characters are text.
func text(path string) field { return stringOf(path, invalid, okApplied) }

// customValue is the value of a custom field: invalid UTF-8 is 10004, while NUL and other
// control characters are data (Tencent documents binary values, Tencent's docs, see docs/compatibility.md Sources).
func customValue(path string) field {
	return field{path: path, kind: kString, bad: invalid, nul: okApplied, ctrl: okApplied}
}

// filterName is an entry of a response filter: a name that is no field selects nothing.
func filterName(path string) field { return stringOf(path, okNoChange, okNoChange) }

// stringOf is a string field with the answers to bad (invalid UTF-8 or a NUL) and ctrl.
func stringOf(path string, bad, ctrl want) field {
	return field{path: path, kind: kString, bad: bad, nul: bad, ctrl: ctrl}
}

// integer is an integer field with the answers to -1, 4294967296 and 2^63-1; a number no
// int64 holds is 60003.
func integer(path string, neg, big, max want) field {
	return field{path: path, kind: kNumber, neg: neg, big: big, max: max, huge: badJSON}
}

// muteTime is a MuteTime: any number outside 0..4294967295 is 10004 (docs/compatibility.md §5 row 15).
func muteTime(path string) field {
	return field{path: path, kind: kNumber, neg: invalid, big: invalid, max: invalid, huge: invalid}
}

// shadowedNumber is the old name of a number given under its current name too: the current
// name wins (docs/compatibility.md §3), so any number is ignored.
func shadowedNumber(path string) field {
	return field{path: path, kind: kNumber, neg: asBase, big: asBase, max: asBase, huge: asBase}
}

// listOf is a list without a batch limit.
func listOf(path string, empty want) field { return field{path: path, kind: kArray, empty: empty} }

// batch is a list with a batch limit: limit+1 entries made by item answer over.
func batch(path string, empty want, limit int, over im.Code, item func(int) any) field {
	return field{path: path, kind: kArray, empty: empty, limit: limit, over: fail(over), item: item}
}

// object is a JSON object field.
func object(path string) field { return field{path: path, kind: kObject} }

// Entries of over-limit batches: well-formed, never imported.
func userN(i int) any        { return fmt.Sprintf("u%d", i) }
func groupN(i int) any       { return fmt.Sprintf("g%d", i) }
func memberN(i int) any      { return map[string]string{"Member_Account": fmt.Sprintf("u%d", i)} }
func userItemN(i int) any    { return map[string]string{"UserID": fmt.Sprintf("u%d", i)} }
func accountItemN(i int) any { return map[string]string{"UserID": fmt.Sprintf("u%d", i), "Nick": "n"} }

// commandSpec is one command's part of the table.
type commandSpec struct {
	cmd   string // "service/command"
	write bool   // a successful call changes the store
	base  string // a valid body that succeeds on the fixture and holds every field
	// fields are every field of the request, each exactly once.
	fields []field
	// extra are cases the field cases cannot express.
	extra []badCase
}

// badCase is one request of the table.
type badCase struct {
	name string
	ops  []op // applied to the base body
	raw  func(base string) string
	want want
	ref  []op // sameAsAbsent: the reference body
}

// op changes a body: set puts the raw JSON text at path; del removes the field; miscase
// gives the field's key in the wrong case (wrongCase).
type op struct {
	path    string
	raw     string
	del     bool
	miscase bool
}

func set(path, raw string) op { return op{path: path, raw: raw} }
func del(path string) op      { return op{path: path, del: true} }
func miscase(path string) op  { return op{path: path, miscase: true} }

// wrongCase returns key in lower case, or in upper case if it is all lower case: a name
// that encoding/json alone would take for key, and Tencent would not.
func wrongCase(key string) string {
	if lower := strings.ToLower(key); lower != key {
		return lower
	}
	return strings.ToUpper(key)
}

// Values of the string cases, as raw JSON text.
const (
	invalidUTF8   = "\"a\xff\xfeb\"" // bytes that are never UTF-8
	truncatedUTF8 = "\"ab\xe4\xb8\"" // a sequence cut short
	rawControl    = "\"a\x01b\""     // JSON allows no raw control character in a string
	escapedNUL    = `"a\u0000b"`
	escapedCtrl   = `"a\u0001\u001f\t\nb"`
)

// bodyMax is the body limit of the test servers: the default (docs/compatibility.md §1).
const bodyMax = 1 << 20

// cases returns every case of the command.
func (spec *commandSpec) cases() []badCase {
	var cs []badCase
	for _, f := range spec.fields {
		cs = append(cs, f.cases()...)
	}
	cs = append(cs,
		badCase{name: "body over the limit", raw: overLimit, want: fail(im.CodeBodyTooLarge)},
		badCase{name: "unknown fields in every object", raw: withUnknownFields, want: asBase},
		badCase{name: "every key in the wrong case", raw: withWrongCase, want: asAbsent, ref: spec.withoutFields()},
		badCase{name: "unknown field nested 9999 deep", ops: []op{set("Zz_deep", nested(9999))}, want: asBase},
		badCase{name: "unknown field nested 10000 deep", ops: []op{set("Zz_deep", nested(10000))}, want: badJSON},
		badCase{name: "unknown field nested 100000 deep", ops: []op{set("Zz_deep", nested(100000))}, want: badJSON},
		badCase{name: "repeated keys, the last wins", raw: spec.repeatKeys(false), want: asBase},
		badCase{name: "repeated key of the wrong type first", raw: spec.repeatKeys(true), want: badJSON},
	)
	return append(cs, spec.extra...)
}

// cases returns the cases of one field.
func (f field) cases() []badCase {
	var cs []badCase
	add := func(name string, w want, ops ...op) {
		cs = append(cs, badCase{name: f.path + "/" + name, ops: ops, want: w})
	}
	for _, v := range wrongTypes[f.kind] {
		w := badJSON
		if f.wrong != nil {
			w = *f.wrong
		}
		add("wrong type "+v, w, set(f.path, v))
	}
	if !strings.HasSuffix(f.path, "[]") {
		cs = append(cs,
			badCase{name: f.path + "/null", ops: []op{set(f.path, "null")}, want: asAbsent, ref: []op{del(f.path)}},
			badCase{name: f.path + "/wrong case", ops: []op{miscase(f.path)}, want: asAbsent, ref: []op{del(f.path)}},
		)
	}
	switch f.kind {
	case kString:
		add("invalid UTF-8", f.bad, set(f.path, invalidUTF8))
		add("truncated UTF-8", f.bad, set(f.path, truncatedUTF8))
		add("raw control character", badJSON, set(f.path, rawControl))
		add("NUL", f.nul, set(f.path, escapedNUL))
		add("control characters", f.ctrl, set(f.path, escapedCtrl))
	case kNumber:
		add("-1", f.neg, set(f.path, "-1"))
		add("4294967296", f.big, set(f.path, "4294967296"))
		add("2^63-1", f.max, set(f.path, "9223372036854775807"))
		add("2^63", f.huge, set(f.path, "9223372036854775808"))
		add("-2^63-1", f.huge, set(f.path, "-9223372036854775809"))
		add("1e30", f.huge, set(f.path, "1e30"))
		add("1.5", f.huge, set(f.path, "1.5"))
	case kArray:
		c := badCase{name: f.path + "/empty", ops: []op{set(f.path, "[]")}, want: f.empty}
		if f.empty.as == sameAsAbsent {
			c.ref = []op{del(f.path)}
		}
		cs = append(cs, c)
		if f.limit > 0 {
			entries := make([]any, f.limit+1)
			for i := range entries {
				entries[i] = f.item(i)
			}
			data, _ := json.Marshal(entries)
			add(fmt.Sprintf("%d entries", f.limit+1), f.over, set(f.path, string(data)))
		}
	}
	return cs
}

// overLimit pads base with an unknown field to one byte over bodyMax.
func overLimit(base string) string {
	head, tail := base[:len(base)-1]+`,"Zz_pad":"`, `"}`
	return head + strings.Repeat("x", bodyMax+1-len(head)-len(tail)) + tail
}

// nested returns an array nested depth deep.
func nested(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }

// repeatKeys returns a body transformation that gives every top-level field of the base
// twice: first with another value (of the wrong JSON type for the first field, when
// wrongFirst), then with the base's.
func (spec *commandSpec) repeatKeys(wrongFirst bool) func(string) string {
	return func(base string) string {
		other := map[kind]string{kString: `"zz"`, kNumber: `7`, kArray: `[]`, kObject: `{}`}
		var b strings.Builder
		b.WriteString("{")
		for i, f := range spec.fields {
			if strings.ContainsAny(f.path, ".[") {
				continue
			}
			v := other[f.kind]
			if wrongFirst && i == 0 {
				v = wrongTypes[f.kind][0]
			}
			fmt.Fprintf(&b, "%q:%s,", f.path, v)
		}
		return b.String() + base[1:]
	}
}

// withUnknownFields adds an unknown field to every object of the base body.
func withUnknownFields(base string) string {
	v := decodeJSON(base)
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
			x["Zz_unknown"] = map[string]any{"a": []any{1, "x", nil, true}}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	data, _ := json.Marshal(v)
	return string(data)
}

// withWrongCase gives every key of the body in the wrong case (see wrongCase).
func withWrongCase(base string) string {
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, e := range x {
				out[wrongCase(k)] = walk(e)
			}
			return out
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		}
		return v
	}
	data, _ := json.Marshal(walk(decodeJSON(base)))
	return string(data)
}

// withoutFields returns the ops that delete every top-level field of the base body.
func (spec *commandSpec) withoutFields() []op {
	var ops []op
	for _, f := range spec.fields {
		if !strings.ContainsAny(f.path, ".[") {
			ops = append(ops, del(f.path))
		}
	}
	return ops
}

// decodeJSON decodes a body of the table, numbers as json.Number.
func decodeJSON(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(fmt.Sprintf("bad-input table: body %s: %v", s, err))
	}
	return v
}

// body returns the request of the case on base.
func (c badCase) body(tb testing.TB, base string) string {
	tb.Helper()
	body := applyOps(tb, base, c.ops)
	if c.raw != nil {
		body = c.raw(body)
	}
	return body
}
