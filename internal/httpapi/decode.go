package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/timdhq/timd/internal/im"
)

// Request bodies are decoded with exact, case-sensitive field names, as Tencent matches
// them (docs/compatibility.md §1): encoding/json alone would take "groupid" or "GroupID"
// for GroupId, so a typo that Tencent silently drops would work against timd. Before
// encoding/json sees a body, one pass over its bytes finds every key its wire struct does
// not name exactly, records its path for X-Timd-Ignored-Fields, and blanks the key (its
// characters become spaces), which no field name matches however it is folded. A body
// whose keys are all exact, the usual case, is decoded as it came, without a copy.

// shape is what a wire type expects of a JSON value: an object with exactly named fields,
// or an array of such objects. A nil *shape is a value the walk does not look into
// (strings, numbers, lists of strings, raw values, custom unmarshalers).
type shape struct {
	fields map[string]*shape // an object's fields by exact JSON name; nil unless an object
	elem   *shape            // an array's element; nil unless an array of objects
	// current maps the old names among fields to their current names (docs/compatibility.md
	// §3), from the wire struct's `current:"..."` tags; nil when there are none.
	current map[string]string
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// shapeOf returns the shape of values of type t.
func shapeOf(t reflect.Type) *shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		s := &shape{fields: map[string]*shape{}}
		addFields(s, t)
		return s
	case reflect.Slice, reflect.Array:
		if elem := shapeOf(t.Elem()); elem != nil {
			return &shape{elem: elem}
		}
	}
	return nil
}

// addFields adds the JSON fields of struct t to s, those of embedded structs included, as
// encoding/json names them.
func addFields(s *shape, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(s, f.Type)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s.fields[name] = shapeOf(f.Type)
		if cur := f.Tag.Get("current"); cur != "" {
			if s.current == nil {
				s.current = map[string]string{}
			}
			s.current[name] = cur
		}
	}
}

// maxIgnored is the number of ignored field paths an answer lists (docs/compatibility.md
// §1); maxPathLen caps the length of each.
const (
	maxIgnored = 20
	maxPathLen = 128
)

// ignored is the fields of a request body that its command does not know.
type ignored struct {
	paths []string // the first maxIgnored paths, in body order
	n     int      // how many there were in all
	// old lists the fields given under an old name, as "ShutUpTime (now MuteTime)", for
	// strict mode; they are not ignored.
	old []string
}

// header returns the value of X-Timd-Ignored-Fields: the paths, comma-separated.
func (ig ignored) header() string { return strings.Join(ig.paths, ", ") }

// decodeBody decodes a request body into v, whose shape is s: 60003 unless the body is a
// JSON object whose known fields have the right JSON types. Fields not named exactly are
// ignored, as Tencent ignores unknown fields, and listed in the answer.
//
// Where the contract says so (docs/compatibility.md §1), encoding/json decides: a JSON
// null is the field left out; of a key given twice the last wins; a number that an
// integer field cannot hold (fractional, or beyond 64 bits) is a field of the wrong JSON
// type, 60003, except MuteTime, which §5 row 15 answers 10004; nesting deeper than
// encoding/json's 10000 levels is malformed JSON, 60003, in ignored fields too.
func decodeBody(body []byte, v any, s *shape) (ignored, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return ignored{}, im.Errorf(im.CodeBadJSON, "the request body is empty; send {} for a request without fields")
	}
	if trimmed[0] != '{' {
		return ignored{}, im.Errorf(im.CodeBadJSON, "the request body is not a JSON object")
	}
	data, ign := exactKeys(body, len(body)-len(trimmed), s)
	if err := json.Unmarshal(data, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			ign = ignored{} // a path found in a malformed body may be no path at all
		}
		return ign, im.Errorf(im.CodeBadJSON, "the request body is not valid: %s", jsonProblem(err))
	}
	return ign, nil
}

// exactKeys returns body, whose JSON object starts at body[start], with every key that s
// does not name exactly blanked, and the paths of those keys. It returns body itself when
// there are none, or when body is not well-formed JSON, which encoding/json then refuses.
func exactKeys(body []byte, start int, s *shape) ([]byte, ignored) {
	w := walker{data: body, pos: start}
	if err := w.object(s); err != nil {
		return body, ignored{}
	}
	if w.out == nil {
		return body, ignored{old: w.ign.old}
	}
	return w.out, w.ign
}

// errMalformed stops a walk at a body that is not well-formed JSON.
var errMalformed = errors.New("malformed JSON")

// walker walks a body once, along the shape of its wire struct. It checks only what it
// must to find keys and the ends of values: encoding/json checks the rest afterwards.
type walker struct {
	data []byte
	pos  int
	out  []byte // a copy of data with ignored keys blanked; nil until one is
	ign  ignored
	// path is where the walk is: the keys and indexes from the body down to the value
	// being walked, as positions, so that the walk allocates nothing until it ignores a
	// field. A shape is a few levels deep; deeper parts would go unnamed.
	path  [8]step
	depth int
}

// step is one part of a path: the key string at data[start:end], or when start is -1,
// the array index end.
type step struct{ start, end int }

// ws skips white space.
func (w *walker) ws() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

// peek returns the byte at the walk's position, or 0 at the end.
func (w *walker) peek() byte {
	if w.pos < len(w.data) {
		return w.data[w.pos]
	}
	return 0
}

// object walks the object at w.pos, whose fields s names.
func (w *walker) object(s *shape) error {
	w.pos++ // {
	w.ws()
	if w.peek() == '}' {
		w.pos++
		return nil
	}
	for {
		w.ws()
		start := w.pos
		if err := w.str(); err != nil {
			return err
		}
		end := w.pos
		key, err := w.key(start, end)
		if err != nil {
			return err
		}
		w.ws()
		if w.peek() != ':' {
			return errMalformed
		}
		w.pos++
		w.ws()
		if err := w.field(s, key, start, end); err != nil {
			return err
		}
		w.ws()
		switch w.peek() {
		case ',':
			w.pos++
		case '}':
			w.pos++
			return nil
		default:
			return errMalformed
		}
	}
}

// field walks the value of the key at data[start:end], in an object whose fields s
// names; key is the key's text.
func (w *walker) field(s *shape, key []byte, start, end int) error {
	sub, known := s.fields[string(key)]
	if !known {
		w.ignore(key, start, end)
		return w.skip()
	}
	if cur, old := s.current[string(key)]; old && len(w.ign.old) < maxIgnored {
		w.ign.old = append(w.ign.old, fmt.Sprintf("%s (now %s)", appendKey(w.pathText(), key), cur))
	}
	if sub == nil {
		return w.skip()
	}
	w.push(step{start, end})
	err := w.value(sub)
	w.depth--
	return err
}

// push enters the part st of a path.
func (w *walker) push(st step) {
	if w.depth < len(w.path) {
		w.path[w.depth] = st
	}
	w.depth++
}

// array walks the array at w.pos, whose elements have shape s.
func (w *walker) array(s *shape) error {
	w.pos++ // [
	w.ws()
	if w.peek() == ']' {
		w.pos++
		return nil
	}
	for i := 0; ; i++ {
		w.ws()
		w.push(step{-1, i})
		err := w.value(s)
		w.depth--
		if err != nil {
			return err
		}
		w.ws()
		switch w.peek() {
		case ',':
			w.pos++
		case ']':
			w.pos++
			return nil
		default:
			return errMalformed
		}
	}
}

// value walks the value at w.pos, looking into it when it is the object or array that s
// expects; any other value (a wrong type among them, which encoding/json then refuses) is
// skipped.
func (w *walker) value(s *shape) error {
	switch c := w.peek(); {
	case s.fields != nil && c == '{':
		return w.object(s)
	case s.elem != nil && c == '[':
		return w.array(s.elem)
	}
	return w.skip()
}

// str moves past the string at w.pos.
func (w *walker) str() error {
	if w.peek() != '"' {
		return errMalformed
	}
	for i := w.pos + 1; i < len(w.data); i++ {
		switch c := w.data[i]; {
		case c == '"':
			w.pos = i + 1
			return nil
		case c == '\\':
			i++
		case c < 0x20:
			return errMalformed
		}
	}
	return errMalformed
}

// key returns the text of the key string data[start:end]: its bytes in the body unless
// it holds escapes.
func (w *walker) key(start, end int) ([]byte, error) {
	raw := w.data[start:end]
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	var k string
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, errMalformed
	}
	return []byte(k), nil
}

// skip moves past the value at w.pos, whatever it holds.
func (w *walker) skip() error {
	switch w.peek() {
	case '"':
		return w.str()
	case '{', '[':
	case 0, ',', '}', ']', ':':
		return errMalformed
	default: // a number or a literal: encoding/json checks its spelling
		for w.pos < len(w.data) {
			switch w.data[w.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return nil
			}
			w.pos++
		}
		return nil
	}
	depth := 0
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case '"':
			if err := w.str(); err != nil {
				return err
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				w.pos++
				return nil
			}
		}
		w.pos++
	}
	return errMalformed
}

// ignore records the field key of the object at w.path, whose key string is
// data[start:end], and blanks the key.
func (w *walker) ignore(key []byte, start, end int) {
	w.ign.n++
	if len(w.ign.paths) < maxIgnored {
		p := string(appendKey(w.pathText(), key))
		if len(p) > maxPathLen {
			p = p[:maxPathLen-3] + "..."
		}
		w.ign.paths = append(w.ign.paths, p)
	}
	if w.out == nil {
		w.out = bytes.Clone(w.data)
	}
	for i := start + 1; i < end-1; i++ {
		w.out[i] = ' '
	}
}

// pathText returns the path of the walk's position: MemberList[0].AppMemberDefinedData.
func (w *walker) pathText() []byte {
	var p []byte
	for _, st := range w.path[:min(w.depth, len(w.path))] {
		if st.start < 0 {
			p = append(strconv.AppendInt(append(p, '['), int64(st.end), 10), ']')
			continue
		}
		key, _ := w.key(st.start, st.end)
		p = appendKey(p, key)
	}
	if w.depth > len(w.path) {
		p = append(p, ".(deeper)"...)
	}
	return p
}

// appendKey appends key, as a part of a field path, to path: as is when it is a plain
// name, else quoted as a Go string in ASCII, its commas escaped too, so that a path holds
// no comma (the header's separator) and no byte that is not printable ASCII.
func appendKey(path, key []byte) []byte {
	if len(path) > 0 {
		path = append(path, '.')
	}
	if plainKey(key) {
		return append(path, key...)
	}
	quoted := strconv.AppendQuoteToASCII(nil, string(key))
	return append(path, bytes.ReplaceAll(quoted, []byte(","), []byte(`\u002c`))...)
}

// plainKey reports whether key is a nonempty run of letters, digits, '_' and '-'.
func plainKey(key []byte) bool {
	if len(key) == 0 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
