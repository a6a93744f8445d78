package httpapi_test

import (
	"strings"
	"testing"

	"github.com/timdhq/timd/timtest"
)

const (
	cmdKick       = "im_open_login_svc/kick"
	cmdOnline     = "openim/query_online_status"
	cmdQueryState = "openim/querystate"
	codeMissing   = 70107
	codeAcctParam = 70402
)

// TestKick checks im_open_login_svc/kick: OK for an imported account, which has no login
// state in timd to invalidate; 70107 for one never imported; 70402 for a malformed UserID
// (docs/compatibility.md §11).
func TestKick(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "alice")
	r := s.MustOK(t, cmdKick, map[string]any{"UserID": "alice"})
	if want := okPrefix + "}"; strings.TrimSpace(string(r.Raw)) != want {
		t.Errorf("kick: got %s, want %s", r.Raw, want)
	}
	s.MustOK(t, cmdKick, map[string]any{"Identifier": "alice"})
	mustCode(t, s, cmdKick, map[string]any{"UserID": "nobody"}, codeMissing)
	mustCode(t, s, cmdKick, map[string]any{"UserID": "nobody", "Identifier": "alice"}, codeMissing)
	mustCode(t, s, cmdKick, map[string]any{}, codeAcctParam)
	mustCode(t, s, cmdKick, map[string]any{"UserID": strings.Repeat("a", 33)}, codeAcctParam)
	// The admin's own UserSig still works: kick invalidates nothing of the REST API's.
	s.MustOK(t, cmdKick, map[string]any{"UserID": "alice"})
}

// TestQueryOnlineStatus checks openim/query_online_status and its older word querystate:
// every imported account Offline, the others in ErrorList with 70107.
func TestQueryOnlineStatus(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "alice", "bob")
	for _, cmd := range []string{cmdOnline, cmdQueryState} {
		r := s.MustOK(t, cmd, map[string]any{"To_Account": []string{"bob", "nobody", "alice"}, "IsNeedDetail": 1})
		want := okPrefix + `,"QueryResult":[{"To_Account":"bob","State":"Offline"},{"To_Account":"alice","State":"Offline"}],` +
			`"ErrorList":[{"To_Account":"nobody","ErrorCode":70107}]}`
		if got := strings.TrimSpace(string(r.Raw)); got != want {
			t.Errorf("%s:\n got %s\nwant %s", cmd, got, want)
		}
	}
	r := s.MustOK(t, cmdOnline, map[string]any{"To_Account": []string{"alice"}})
	if want := okPrefix + `,"QueryResult":[{"To_Account":"alice","State":"Offline"}],"ErrorList":[]}`; strings.TrimSpace(string(r.Raw)) != want {
		t.Errorf("all found: got %s, want %s", r.Raw, want)
	}
	many := make([]string, 501)
	for i := range many {
		many[i] = "alice"
	}
	mustCode(t, s, cmdOnline, map[string]any{"To_Account": many}, codeAcctParam)
	mustCode(t, s, cmdOnline, map[string]any{}, codeAcctParam)
}
