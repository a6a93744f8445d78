package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

const (
	cmdGetAttr    = "group_open_attr_http_svc/get_group_attr"
	cmdModifyAttr = "group_open_http_svc/modify_group_attr"
	cmdSetAttr    = "group_open_http_svc/set_group_attr"
	cmdClearAttr  = "group_open_http_svc/clear_group_attr"
)

// noAttrRate is an Options.Configure part that turns the attribute write rate off.
func noAttrRate(c *config.Config) { c.Apps[0].Limits.GroupAttrWriteRate = 0 }

// attrList builds a GroupAttr list from key, value pairs.
func attrList(kvs ...string) []map[string]string {
	out := make([]map[string]string, 0, len(kvs)/2)
	for i := 0; i+1 < len(kvs); i += 2 {
		out = append(out, map[string]string{"key": kvs[i], "value": kvs[i+1]})
	}
	return out
}

// wantAttrs checks the whole answer of get_group_attr for g.
func wantAttrs(t *testing.T, s *timtest.Server, g, wantAry string) {
	t.Helper()
	r := s.MustOK(t, cmdGetAttr, map[string]any{"GroupId": g})
	want := `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"GroupAttrAry":` + wantAry + `}`
	if got := strings.TrimSpace(string(r.Raw)); got != want {
		t.Errorf("get_group_attr:\n got %s\nwant %s", got, want)
	}
}

// TestGroupAttr checks the four attribute commands on the wire, with the lower-case key
// and value of Tencent's pages (docs/compatibility.md §10).
func TestGroupAttr(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: noAttrRate})
	s.MustImportAccounts(t, "owner")
	g := s.MustCreateGroup(t, "Public", "owner")
	wantAttrs(t, s, g, `[]`)

	s.MustOK(t, cmdModifyAttr, map[string]any{"GroupId": g, "GroupAttr": attrList("b", "1", "a", "x\x00<y>")})
	s.MustOK(t, cmdModifyAttr, map[string]any{"GroupId": g, "GroupAttr": attrList("b", "2", "c", "")})
	wantAttrs(t, s, g, `[{"key":"a","value":"x\u0000<y>"},{"key":"b","value":"2"},{"key":"c","value":""}]`)

	s.MustOK(t, cmdSetAttr, map[string]any{"GroupId": g, "GroupAttr": attrList("z", "only")})
	wantAttrs(t, s, g, `[{"key":"z","value":"only"}]`)

	r := s.MustOK(t, cmdClearAttr, map[string]any{"GroupId": g})
	if want := `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`; strings.TrimSpace(string(r.Raw)) != want {
		t.Errorf("clear_group_attr: got %s, want %s", r.Raw, want)
	}
	wantAttrs(t, s, g, `[]`)

	t.Run("every type; a Community cannot be cleared", func(t *testing.T) {
		for _, typ := range []string{"Private", "Public", "ChatRoom", "AVChatRoom", "Community"} {
			id := s.MustCreateGroup(t, typ, "owner")
			s.MustOK(t, cmdSetAttr, map[string]any{"GroupId": id, "GroupAttr": attrList("k", typ)})
			s.MustOK(t, cmdModifyAttr, map[string]any{"GroupId": id, "GroupAttr": attrList("k", "v")})
			want := codeOK
			if typ == "Community" {
				want = codeNotAllowed
			}
			mustCode(t, s, cmdClearAttr, map[string]any{"GroupId": id}, want)
		}
	})

	t.Run("destroyed with the group", func(t *testing.T) {
		id := s.MustCreateGroup(t, "Public", "owner")
		s.MustOK(t, cmdSetAttr, map[string]any{"GroupId": id, "GroupAttr": attrList("k", "v")})
		s.MustOK(t, cmdDestroy, map[string]any{"GroupId": id})
		mustCode(t, s, cmdGetAttr, map[string]any{"GroupId": id}, codeNoGroup)
	})
}

// TestGroupAttrCodes checks the codes of the attribute commands: 10045 to 10048 for the
// limits, 10004, 10010, 10015; a refused write changes nothing.
func TestGroupAttrCodes(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: noAttrRate})
	s.MustImportAccounts(t, "owner")
	g := s.MustCreateGroup(t, "Public", "owner")
	s.MustOK(t, cmdSetAttr, map[string]any{"GroupId": g, "GroupAttr": attrList("keep", "me")})
	many := func(n int, value string) []map[string]string {
		var kvs []string
		for i := range n {
			kvs = append(kvs, string(rune('A'+i)), value)
		}
		return attrList(kvs...)
	}
	for _, tc := range []struct {
		name       string
		body       map[string]any
		want       int
		modifyOnly bool // set_group_attr would replace the kept key
	}{
		{"no GroupId", map[string]any{"GroupAttr": attrList("k", "v")}, codeBadGroupID, false},
		{"no such group", map[string]any{"GroupId": "nosuch", "GroupAttr": attrList("k", "v")}, codeNoGroup, false},
		{"no GroupAttr", map[string]any{"GroupId": g}, codeInvalid, false},
		{"empty key", map[string]any{"GroupId": g, "GroupAttr": attrList("", "v")}, codeInvalid, false},
		{"key twice", map[string]any{"GroupId": g, "GroupAttr": attrList("k", "1", "k", "2")}, codeInvalid, false},
		{"key 33 bytes", map[string]any{"GroupId": g, "GroupAttr": attrList(strings.Repeat("k", 33), "v")}, 10045, false},
		{"value 4001 bytes", map[string]any{"GroupId": g, "GroupAttr": attrList("k", strings.Repeat("v", 4001))}, 10046, false},
		{"16 keys besides one kept", map[string]any{"GroupId": g, "GroupAttr": many(16, "v")}, 10047, true},
		{"values over 16000 bytes", map[string]any{"GroupId": g, "GroupAttr": many(15, strings.Repeat("v", 1067))}, 10048, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustCode(t, s, cmdModifyAttr, tc.body, tc.want)
			if !tc.modifyOnly {
				mustCode(t, s, cmdSetAttr, tc.body, tc.want)
			}
		})
	}
	wantAttrs(t, s, g, `[{"key":"keep","value":"me"}]`)
	mustCode(t, s, cmdGetAttr, map[string]any{"GroupId": "nosuch"}, codeNoGroup)
	mustCode(t, s, cmdClearAttr, map[string]any{"GroupId": ""}, codeBadGroupID)
}

// TestGroupAttrRate checks the write rate of a group's attributes: 5 writes a second by
// default, then 10049 (docs/compatibility.md §10).
func TestGroupAttrRate(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner")
	g := s.MustCreateGroup(t, "Public", "owner")
	other := s.MustCreateGroup(t, "Public", "owner")
	// Twenty writes at 5 per second: unless they span four seconds, some are refused.
	refused := 0
	for i := range 20 {
		r := s.MustCall(t, cmdModifyAttr, map[string]any{"GroupId": g, "GroupAttr": attrList("k", "v")})
		switch r.ErrorCode {
		case 10049:
			refused++
		case codeOK:
		default:
			t.Fatalf("write %d: %s", i, r.Raw)
		}
	}
	if refused == 0 {
		t.Errorf("twenty writes at 5 per second: none refused")
	}
	s.MustOK(t, cmdModifyAttr, map[string]any{"GroupId": other, "GroupAttr": attrList("k", "v")})
	s.MustOK(t, cmdGetAttr, map[string]any{"GroupId": g})
	s.Advance(time.Minute)
	s.MustOK(t, cmdClearAttr, map[string]any{"GroupId": g})
}
