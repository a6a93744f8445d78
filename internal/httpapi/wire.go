package httpapi

import (
	"encoding/json"
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
// valid one; kept as sent (escapes and all), the rules see it and reject it.
type wireText string

func (t *wireText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if !utf8.Valid(b) {
		s = string(b[1 : len(b)-1])
	}
	*t = wireText(s)
	return nil
}

type groupIDReq struct {
	GroupID string `json:"GroupId"`
}
