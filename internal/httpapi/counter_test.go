package httpapi_test

import (
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

const (
	cmdGetCounter    = "group_open_http_svc/get_group_counter"
	cmdUpdateCounter = "group_open_http_svc/update_group_counter"
	cmdDeleteCounter = "group_open_http_svc/delete_group_counter"
	codeUltimate     = 10059
	codeCounterKeys  = 10063
)

// counterList builds a GroupCounter list from key, value pairs.
func counterList(kvs ...any) []map[string]any {
	var out []map[string]any
	for i := 0; i+1 < len(kvs); i += 2 {
		out = append(out, map[string]any{"Key": kvs[i], "Value": kvs[i+1]})
	}
	return out
}

// wantRaw checks a whole answer.
func wantRaw(t *testing.T, what string, r *timtest.Response, fields string) {
	t.Helper()
	want := `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0` + fields + `}`
	if got := strings.TrimSpace(string(r.Raw)); got != want {
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}

// TestGroupCounter checks the three counter commands on the wire (docs/compatibility.md
// §10): Key and Value, the modes, the answers.
func TestGroupCounter(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner")
	g := s.MustCreateGroup(t, "Public", "owner")
	wantRaw(t, "get of a new group", s.MustOK(t, cmdGetCounter, map[string]any{"GroupId": g}), `,"GroupCounter":[]`)

	r := s.MustOK(t, cmdUpdateCounter, map[string]any{"GroupId": g, "GroupCounter": counterList("like", 5, "unlike", 1)})
	wantRaw(t, "update without Mode", r, `,"GroupCounter":[{"Key":"like","Value":5},{"Key":"unlike","Value":1}]`)
	r = s.MustOK(t, cmdUpdateCounter, map[string]any{"GroupId": g, "Mode": "Increase", "GroupCounter": counterList("unlike", 2, "big", int64(9007199254740993))})
	wantRaw(t, "Increase", r, `,"GroupCounter":[{"Key":"unlike","Value":3},{"Key":"big","Value":9007199254740993}]`)
	r = s.MustOK(t, cmdUpdateCounter, map[string]any{"GroupId": g, "Mode": "Decrease", "GroupCounter": counterList("like", 6)})
	wantRaw(t, "Decrease", r, `,"GroupCounter":[{"Key":"like","Value":-1}]`)
	r = s.MustOK(t, cmdGetCounter, map[string]any{"GroupId": g})
	wantRaw(t, "get all", r, `,"GroupCounter":[{"Key":"big","Value":9007199254740993},{"Key":"like","Value":-1},{"Key":"unlike","Value":3}]`)
	r = s.MustOK(t, cmdGetCounter, map[string]any{"GroupId": g, "GroupCounterKeys": []string{"unlike", "none", "like"}})
	wantRaw(t, "get some", r, `,"GroupCounter":[{"Key":"unlike","Value":3},{"Key":"like","Value":-1}]`)

	wantRaw(t, "delete some", s.MustOK(t, cmdDeleteCounter, map[string]any{"GroupId": g, "GroupCounterKeys": []string{"big", "none"}}), ``)
	r = s.MustOK(t, cmdGetCounter, map[string]any{"GroupId": g})
	wantRaw(t, "get after delete", r, `,"GroupCounter":[{"Key":"like","Value":-1},{"Key":"unlike","Value":3}]`)
	s.MustOK(t, cmdDeleteCounter, map[string]any{"GroupId": g})
	wantRaw(t, "get after delete all", s.MustOK(t, cmdGetCounter, map[string]any{"GroupId": g}), `,"GroupCounter":[]`)

	t.Run("group types", func(t *testing.T) {
		for _, typ := range []string{"Private", "Public", "ChatRoom", "AVChatRoom", "Community"} {
			id := s.MustCreateGroup(t, typ, "owner")
			want := codeOK
			if typ == "Community" {
				want = codeNotAllowed
			}
			mustCode(t, s, cmdUpdateCounter, map[string]any{"GroupId": id, "GroupCounter": counterList("k", 1)}, want)
			mustCode(t, s, cmdGetCounter, map[string]any{"GroupId": id}, want)
			mustCode(t, s, cmdDeleteCounter, map[string]any{"GroupId": id}, want)
		}
	})
}

// TestGroupCounterCodes checks the codes of update_group_counter: 10063 over 20 keys,
// 10004, 10010, 10015, 60003 for a Value beyond 64 bits.
func TestGroupCounterCodes(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner")
	g := s.MustCreateGroup(t, "Public", "owner")
	s.MustOK(t, cmdUpdateCounter, map[string]any{"GroupId": g, "GroupCounter": counterList("top", int64(9223372036854775807))})
	var twenty []any
	for i := range 20 {
		twenty = append(twenty, string(rune('a'+i)), 1)
	}
	for _, tc := range []struct {
		name string
		body string
		want int
	}{
		{"no GroupId", `{"GroupCounter":[{"Key":"k","Value":1}]}`, codeBadGroupID},
		{"no such group", `{"GroupId":"nosuch","GroupCounter":[{"Key":"k","Value":1}]}`, codeNoGroup},
		{"no GroupCounter", `{"GroupId":"` + g + `"}`, codeInvalid},
		{"Mode in another case", `{"GroupId":"` + g + `","Mode":"increase","GroupCounter":[{"Key":"k","Value":1}]}`, codeInvalid},
		{"Key of 129 bytes", `{"GroupId":"` + g + `","GroupCounter":[{"Key":"` + strings.Repeat("k", 129) + `","Value":1}]}`, codeInvalid},
		{"Value 2^63", `{"GroupId":"` + g + `","GroupCounter":[{"Key":"k","Value":9223372036854775808}]}`, codeBadJSON},
		{"Increase past the top", `{"GroupId":"` + g + `","Mode":"Increase","GroupCounter":[{"Key":"top","Value":1}]}`, codeInvalid},
		{"20 keys besides one", mustJSON(t, map[string]any{"GroupId": g, "GroupCounter": counterList(twenty...)}), codeCounterKeys},
	} {
		t.Run(tc.name, func(t *testing.T) { mustCode(t, s, cmdUpdateCounter, tc.body, tc.want) })
	}
	wantRaw(t, "unchanged", s.MustOK(t, cmdGetCounter, map[string]any{"GroupId": g}), `,"GroupCounter":[{"Key":"top","Value":9223372036854775807}]`)
}

// TestGroupCounterFeature checks that an app configured without group counters answers
// 10059 (Tencent's code for a feature of the Ultimate edition).
func TestGroupCounterFeature(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Features.GroupCounters = false }})
	s.MustImportAccounts(t, "owner")
	g := s.MustCreateGroup(t, "Public", "owner")
	for _, cmd := range []string{cmdGetCounter, cmdUpdateCounter, cmdDeleteCounter} {
		mustCode(t, s, cmd, map[string]any{"GroupId": g, "GroupCounter": counterList("k", 1)}, codeUltimate)
	}
}
