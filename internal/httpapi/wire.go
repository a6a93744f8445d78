package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// kv is a custom-field entry on the wire. Value keeps invalid UTF-8 as sent, so that the
// rules refuse it rather than store U+FFFD in its place.
type kv struct {
	Key   string   `json:"Key"`
	Value wireText `json:"Value"`
}

func toKVs(in []kv) []group.KV {
	if len(in) == 0 {
		return nil
	}
	out := make([]group.KV, len(in))
	for i, e := range in {
		out[i] = group.KV{Key: e.Key, Value: string(e.Value)}
	}
	return out
}

// number returns the first number present, parsed, for fields with an old and a
// current name (docs/compatibility.md §3: the current name wins). The fields are kept raw because
// json.Number would also take a JSON string such as "60"; a value that is not a JSON
// number is a field of the wrong JSON type: 60003, for the name that loses too, as the
// decoder answers every other field of the wrong type.
func number(current, old *json.RawMessage, currentName, oldName string) (*group.Number, error) {
	for _, f := range []struct {
		n    *json.RawMessage
		name string
	}{{current, currentName}, {old, oldName}} {
		if f.n != nil && (len(*f.n) == 0 || ((*f.n)[0] != '-' && ((*f.n)[0] < '0' || (*f.n)[0] > '9'))) {
			return nil, im.Errorf(im.CodeBadJSON, "the request body is not valid: field %s must be a JSON number", f.name)
		}
	}
	for _, n := range []*json.RawMessage{current, old} {
		if n != nil {
			return parseNumber(string(*n)), nil
		}
	}
	return nil, nil
}

// parseNumber reads the text of a JSON number into the rules' Number: exact when it is an
// integer that fits in 64 bits, otherwise kept as text for the rules to judge.
func parseNumber(text string) *group.Number {
	n, err := strconv.ParseInt(text, 10, 64)
	return &group.Number{Int: n, Exact: err == nil, Text: text}
}

// wireText is a JSON string that keeps invalid UTF-8 as sent. encoding/json turns each byte
// that is not UTF-8 into U+FFFD, which would let such a text through as a different,
// valid one; kept as sent (escapes and all), the rules see it and reject it. A \u escape
// of a lone surrogate ("a\ud800b"), which encoding/json turns into U+FFFD too, is kept as
// its three bytes, which are not UTF-8 either: the same text is refused (10004) whether
// its client escaped it or not (docs/compatibility.md §4).
type wireText string

func (t *wireText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	switch {
	case !utf8.Valid(b):
		s = string(b[1 : len(b)-1])
	case loneSurrogate(b):
		s = unquoteSurrogates(b)
	}
	*t = wireText(s)
	return nil
}

// loneSurrogate reports whether the JSON string b, well-formed, escapes a surrogate that
// is not half of a pair.
func loneSurrogate(b []byte) bool {
	if !bytes.Contains(b, []byte(`\u`)) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		i++
		if b[i] != 'u' {
			continue
		}
		r := hex4(b[i+1 : i+5])
		i += 4
		switch {
		case 0xdc00 <= r && r <= 0xdfff:
			return true // a low half first
		case 0xd800 <= r && r <= 0xdbff:
			if i+6 >= len(b) || b[i+1] != '\\' || b[i+2] != 'u' {
				return true
			}
			if lo := hex4(b[i+3 : i+7]); lo < 0xdc00 || lo > 0xdfff {
				return true
			}
			i += 6
		}
	}
	return false
}

// unquoteSurrogates unquotes the JSON string b, well-formed, writing each escaped lone
// surrogate as the three bytes UTF-8 would give its code point, which are invalid UTF-8.
// Each part between escapes is unquoted by encoding/json.
func unquoteSurrogates(b []byte) string {
	var out []byte
	body := b[1 : len(b)-1]
	start := 0
	flush := func(end int) {
		var part string
		_ = json.Unmarshal(append(append([]byte{'"'}, body[start:end]...), '"'), &part)
		out = append(out, part...)
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		if body[i+1] != 'u' {
			i++
			continue
		}
		r := hex4(body[i+2 : i+6])
		if r < 0xd800 || r > 0xdfff {
			i += 5
			continue
		}
		if r <= 0xdbff && i+12 <= len(body) && body[i+6] == '\\' && body[i+7] == 'u' {
			if lo := hex4(body[i+8 : i+12]); 0xdc00 <= lo && lo <= 0xdfff {
				i += 11 // a pair: encoding/json decodes it
				continue
			}
		}
		flush(i)
		out = append(out, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
		start = i + 6
		i += 5
	}
	flush(len(body))
	return string(out)
}

// hex4 returns the value of four hex digits, which a well-formed JSON escape holds.
func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		default:
			r = r<<4 | rune(c-'A'+10)
		}
	}
	return r
}

type groupIDReq struct {
	GroupID string `json:"GroupId"`
}

// jsonObject is a field that holds a JSON object kept as sent (OfflinePushInfo). Any other
// JSON type is a field of the wrong type (60003); null is the field left out.
type jsonObject []byte

func (o *jsonObject) UnmarshalJSON(b []byte) error {
	switch b[0] {
	case 'n':
		*o = nil
		return nil
	case '{':
		*o = append(jsonObject(nil), b...)
		return nil
	}
	return &json.UnmarshalTypeError{Value: "non-object", Type: reflect.TypeFor[map[string]any]()}
}
