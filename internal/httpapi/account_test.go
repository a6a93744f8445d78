package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/timtest"
)

// The pins of docs/compatibility.md §4 and §4a (accounts, im_open_login_svc).

const (
	multiImport   = "/v4/im_open_login_svc/multiaccount_import"
	accountDelete = "/v4/im_open_login_svc/account_delete"
)

// mustJSON marshals v.
func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// ids returns n UserIDs with the prefix.
func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// items returns the {"UserID": id} items of an account_check or account_delete.
func items(ids ...string) []map[string]string {
	out := make([]map[string]string, len(ids))
	for i, id := range ids {
		out[i] = map[string]string{"UserID": id}
	}
	return out
}

// checkBody returns an account_check body for ids.
func checkBody(tb testing.TB, ids ...string) string {
	tb.Helper()
	return mustJSON(tb, map[string]any{"CheckItem": items(ids...)})
}

// MustStatus returns the AccountStatus account_check answers for id.
func MustStatus(tb testing.TB, s *timtest.Server, id string) string {
	tb.Helper()
	r := MustPostAdmin(tb, s, accountCheck, checkBody(tb, id))
	wantAnswer(tb, r, http.StatusOK, im.CodeOK)
	var resp struct {
		ResultItem []struct{ UserID, AccountStatus string }
	}
	if err := json.Unmarshal(r.Raw, &resp); err != nil || len(resp.ResultItem) != 1 {
		tb.Fatalf("account_check %q: got %s, want one ResultItem", id, r.Raw)
	}
	return resp.ResultItem[0].AccountStatus
}

// wantStatus checks the AccountStatus of each id.
func wantStatus(tb testing.TB, s *timtest.Server, status string, ids ...string) {
	tb.Helper()
	for _, id := range ids {
		if got := MustStatus(tb, s, id); got != status {
			tb.Errorf("account %q: got %s, want %s", id, got, status)
		}
	}
}

func TestAccountImport(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	long := strings.Repeat("n", 500)
	tests := []struct {
		name string
		body string
		code im.Code
	}{
		{"new", `{"UserID":"alice"}`, im.CodeOK},
		{"new with Nick and FaceUrl", `{"UserID":"bob","Nick":"Bob","FaceUrl":"http://x/b.png"}`, im.CodeOK},
		{"existing with a new Nick", `{"UserID":"bob","Nick":"Bobby"}`, im.CodeOK},
		{"existing without Nick and FaceUrl", `{"UserID":"bob"}`, im.CodeOK},
		{"existing with empty Nick", `{"UserID":"bob","Nick":"","FaceUrl":""}`, im.CodeOK},
		{"UserID of 32 bytes", `{"UserID":"` + strings.Repeat("a", 32) + `"}`, im.CodeOK},
		{"UserID with space and tilde", `{"UserID":" a~b "}`, im.CodeOK},
		{"Nick of 500 bytes", `{"UserID":"carol","Nick":"` + long + `"}`, im.CodeOK},
		{"FaceUrl of 500 bytes", `{"UserID":"carol","FaceUrl":"` + long + `"}`, im.CodeOK},
		{"Nick of 166 three-byte characters", `{"UserID":"carol","Nick":"` + strings.Repeat("中", 166) + `"}`, im.CodeOK},

		{"UserID missing", `{"Nick":"x"}`, im.CodeAccountParam},
		{"UserID empty", `{"UserID":""}`, im.CodeAccountParam},
		{"UserID of 33 bytes", `{"UserID":"` + strings.Repeat("a", 33) + `"}`, im.CodeAccountParam},
		{"UserID with a control character", `{"UserID":"a\u0001b"}`, im.CodeAccountParam},
		{"UserID with a newline", `{"UserID":"a\nb"}`, im.CodeAccountParam},
		{"UserID with DEL", `{"UserID":"a\u007fb"}`, im.CodeAccountParam},
		{"UserID \u00e9", `{"UserID":"\u00e9"}`, im.CodeAccountParam},
		{"UserID é raw", `{"UserID":"é"}`, im.CodeAccountParam},
		{"Nick of 501 bytes", `{"UserID":"dave","Nick":"` + long + `x"}`, im.CodeAccountParam},
		{"Nick of 167 three-byte characters", `{"UserID":"dave","Nick":"` + strings.Repeat("中", 167) + `"}`, im.CodeAccountParam},
		{"FaceUrl of 501 bytes", `{"UserID":"dave","FaceUrl":"` + long + `x"}`, im.CodeAccountParam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MustPostAdmin(t, s, accountImport, tt.body)
			wantAnswer(t, r, http.StatusOK, tt.code)
			if tt.code == im.CodeOK && string(r.Raw) != okPrefix+"}" {
				t.Errorf("answer: got %s, want %s}", r.Raw, okPrefix)
			}
		})
	}
	wantStatus(t, s, "Imported", "alice", "bob", strings.Repeat("a", 32), " a~b ", "carol")
	wantStatus(t, s, "NotImported", "dave", strings.Repeat("a", 31))
}

func TestMultiAccountImport(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	const okAnswer = `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"FailAccounts":[]}`

	t.Run("old form", func(t *testing.T) {
		r := MustPostAdmin(t, s, multiImport, `{"Accounts":["old1","old2"]}`)
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
		if string(r.Raw) != okAnswer {
			t.Errorf("answer: got %s, want %s", r.Raw, okAnswer)
		}
		wantStatus(t, s, "Imported", "old1", "old2")
	})
	t.Run("new form", func(t *testing.T) {
		r := MustPostAdmin(t, s, multiImport,
			`{"AccountList":[{"UserID":"new1","Nick":"N","FaceUrl":"http://x/1.png"},{"UserID":"new2"}]}`)
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
		if string(r.Raw) != okAnswer {
			t.Errorf("answer: got %s, want %s", r.Raw, okAnswer)
		}
		wantStatus(t, s, "Imported", "new1", "new2")
	})
	t.Run("existing accounts", func(t *testing.T) {
		r := MustPostAdmin(t, s, multiImport, `{"AccountList":[{"UserID":"old1","Nick":"Again"},{"UserID":"new1"}]}`)
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
		if string(r.Raw) != okAnswer {
			t.Errorf("answer: got %s, want %s", r.Raw, okAnswer)
		}
	})
	t.Run("malformed accounts fail alone", func(t *testing.T) {
		long := strings.Repeat("x", 33)
		body := mustJSON(t, map[string]any{
			"Accounts": []string{"fine1", "", long, "é", "a\x01"},
			"AccountList": []map[string]string{
				{"UserID": "fine2"},
				{"UserID": "bignick", "Nick": strings.Repeat("n", 501)},
				{"UserID": "bigface", "FaceUrl": strings.Repeat("f", 501)},
			},
		})
		r := MustPostAdmin(t, s, multiImport, body)
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
		var resp struct{ FailAccounts []string }
		if err := json.Unmarshal(r.Raw, &resp); err != nil {
			t.Fatal(err)
		}
		want := []string{"", long, "é", "a\x01", "bignick", "bigface"}
		if diff := cmp.Diff(want, resp.FailAccounts); diff != "" {
			t.Errorf("FailAccounts (-want +got):\n%s", diff)
		}
		wantStatus(t, s, "Imported", "fine1", "fine2")
		wantStatus(t, s, "NotImported", "bignick", "bigface")
	})
	t.Run("100 accounts", func(t *testing.T) {
		r := MustPostAdmin(t, s, multiImport, mustJSON(t, map[string]any{"Accounts": ids("h", 100)}))
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
		wantStatus(t, s, "Imported", "h0", "h99")
	})
	t.Run("101 accounts", func(t *testing.T) {
		r := MustPostAdmin(t, s, multiImport, mustJSON(t, map[string]any{"Accounts": ids("o", 101)}))
		wantAnswer(t, r, http.StatusOK, im.CodeAccountParam)
		wantStatus(t, s, "NotImported", "o0")
	})
	t.Run("101 accounts across both forms", func(t *testing.T) {
		body := mustJSON(t, map[string]any{"Accounts": ids("p", 51), "AccountList": items(ids("q", 50)...)})
		r := MustPostAdmin(t, s, multiImport, body)
		wantAnswer(t, r, http.StatusOK, im.CodeAccountParam)
		wantStatus(t, s, "NotImported", "p0", "q0")
	})
	t.Run("no accounts", func(t *testing.T) {
		for _, body := range []string{`{}`, `{"Accounts":[]}`, `{"AccountList":[]}`} {
			r := MustPostAdmin(t, s, multiImport, body)
			wantAnswer(t, r, http.StatusOK, im.CodeAccountParam)
		}
	})
}

func TestAccountCheck(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	s.MustImportAccounts(t, "here")

	t.Run("answer", func(t *testing.T) {
		r := MustPostAdmin(t, s, accountCheck, checkBody(t, "here", "gone", "here"))
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
		want := okPrefix + `,"ResultItem":[` +
			`{"UserID":"here","ResultCode":0,"ResultInfo":"","AccountStatus":"Imported"},` +
			`{"UserID":"gone","ResultCode":0,"ResultInfo":"","AccountStatus":"NotImported"},` +
			`{"UserID":"here","ResultCode":0,"ResultInfo":"","AccountStatus":"Imported"}]}`
		if string(r.Raw) != want {
			t.Errorf("answer:\ngot  %s\nwant %s", r.Raw, want)
		}
	})
	t.Run("100 accounts", func(t *testing.T) {
		r := MustPostAdmin(t, s, accountCheck, checkBody(t, ids("c", 100)...))
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
		var resp struct{ ResultItem []struct{ UserID string } }
		if err := json.Unmarshal(r.Raw, &resp); err != nil {
			t.Fatal(err)
		}
		if len(resp.ResultItem) != 100 || resp.ResultItem[99].UserID != "c99" {
			t.Errorf("ResultItem: got %d items, want 100 ending with c99", len(resp.ResultItem))
		}
	})
	for _, tt := range []struct {
		name string
		body string
	}{
		{"101 accounts", checkBody(t, ids("c", 101)...)},
		{"no accounts", `{"CheckItem":[]}`},
		{"CheckItem missing", `{}`},
		{"a malformed UserID", checkBody(t, "here", strings.Repeat("a", 33))},
		{"an empty UserID", checkBody(t, "")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantAnswer(t, MustPostAdmin(t, s, accountCheck, tt.body), http.StatusOK, im.CodeAccountParam)
		})
	}
}

func TestAccountDelete(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})

	t.Run("answer", func(t *testing.T) {
		s.MustImportAccounts(t, "d1", "d2")
		body := mustJSON(t, map[string]any{"DeleteItem": items("d1", "ghost", "d2", "d2")})
		r := MustPostAdmin(t, s, accountDelete, body)
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
		want := okPrefix + `,"ResultItem":[` +
			`{"UserID":"d1","ResultCode":0,"ResultInfo":""},` +
			`{"UserID":"ghost","ResultCode":70107,"ResultInfo":"Err_TLS_PT_Open_Login_Account_Not_Exist"},` +
			`{"UserID":"d2","ResultCode":0,"ResultInfo":""},` +
			`{"UserID":"d2","ResultCode":70107,"ResultInfo":"Err_TLS_PT_Open_Login_Account_Not_Exist"}]}`
		if string(r.Raw) != want {
			t.Errorf("answer:\ngot  %s\nwant %s", r.Raw, want)
		}
		wantStatus(t, s, "NotImported", "d1", "d2")
	})
	t.Run("reimport after delete", func(t *testing.T) {
		s.MustImportAccounts(t, "d1")
		wantStatus(t, s, "Imported", "d1")
	})
	for _, tt := range []struct {
		name string
		ids  []string
	}{
		{"101 accounts", ids("d", 101)},
		{"no accounts", nil},
		{"a malformed UserID", []string{"d1", "é"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := mustJSON(t, map[string]any{"DeleteItem": items(tt.ids...)})
			wantAnswer(t, MustPostAdmin(t, s, accountDelete, body), http.StatusOK, im.CodeAccountParam)
			wantStatus(t, s, "Imported", "d1") // nothing deleted
		})
	}
}

// roleEntry is a member object of get_group_member_info, as far as these tests read it.
type roleEntry struct {
	MemberAccount string `json:"Member_Account"`
	Role          string
}

// MustMembers returns the roleEntry count and members of a group.
func MustMembers(tb testing.TB, s *timtest.Server, groupID string) (int, []roleEntry) {
	tb.Helper()
	r := s.MustOK(tb, "group_open_http_svc/get_group_member_info", map[string]any{"GroupId": groupID})
	var resp struct {
		MemberNum  int
		MemberList []roleEntry
	}
	if err := r.Decode(&resp); err != nil {
		tb.Fatalf("get_group_member_info: %v: %s", err, r.Raw)
	}
	return resp.MemberNum, resp.MemberList
}

func TestAccountDeleteLeavesGroups(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	s.MustImportAccounts(t, "boss", "m1", "m2")
	groupID := s.MustCreateGroup(t, "Public", "boss", "m1", "m2")
	other := s.MustCreateGroup(t, "Private", "m1", "boss")

	n, members := MustMembers(t, s, groupID)
	wantBefore := []roleEntry{{"boss", "Owner"}, {"m1", "Member"}, {"m2", "Member"}}
	if diff := cmp.Diff(wantBefore, members); n != 3 || diff != "" {
		t.Fatalf("before delete: MemberNum %d, want 3; MemberList (-want +got):\n%s", n, diff)
	}

	r := MustPostAdmin(t, s, accountDelete, mustJSON(t, map[string]any{"DeleteItem": items("boss")}))
	wantAnswer(t, r, http.StatusOK, im.CodeOK)

	n, members = MustMembers(t, s, groupID)
	wantAfter := []roleEntry{{"m1", "Member"}, {"m2", "Member"}}
	if diff := cmp.Diff(wantAfter, members); n != 2 || diff != "" {
		t.Errorf("owned group after delete: MemberNum %d, want 2; MemberList (-want +got):\n%s", n, diff)
	}
	n, members = MustMembers(t, s, other)
	if diff := cmp.Diff([]roleEntry{{"m1", "Owner"}}, members); n != 1 || diff != "" {
		t.Errorf("joined group after delete: MemberNum %d, want 1; MemberList (-want +got):\n%s", n, diff)
	}

	// Importing the account again does not bring back its memberships.
	s.MustImportAccounts(t, "boss")
	n, members = MustMembers(t, s, groupID)
	if diff := cmp.Diff(wantAfter, members); n != 2 || diff != "" {
		t.Errorf("after reimport: MemberNum %d, want 2; MemberList (-want +got):\n%s", n, diff)
	}
}
