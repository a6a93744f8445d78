package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/usersig"
	"github.com/timdhq/timd/timtest"
)

// devApp is the second app of the development endpoint tests.
var devApp = struct {
	id         uint64
	admin, key string
}{1400000002, "admin2", "fedcba9876543210fedcba9876543210"}

// newDevServer starts timd with the development endpoints on (dev) or off, with a second
// app, devApp, and rate limits off.
func newDevServer(tb testing.TB, dev bool) *timtest.Server {
	tb.Helper()
	return timtest.NewServer(tb, &timtest.Options{
		RateLimit: timtest.NoRateLimit,
		Configure: func(c *config.Config) {
			c.Dev = dev
			c.Apps = append(c.Apps, config.App{
				SDKAppID: devApp.id, SecretKey: devApp.key, Admins: []string{devApp.admin},
				Limits: im.DefaultLimits(),
			})
		},
	})
}

// devQuery returns the query of the second app's admin, signed at s's time.
func devQuery(s *timtest.Server) string {
	sig := usersig.Mint(devApp.id, devApp.admin, devApp.key, 86400, s.Now())
	return fmt.Sprintf("sdkappid=%d&identifier=%s&usersig=%s&random=1&contenttype=json", devApp.id, devApp.admin, sig)
}

// devAnswer is an answer of a development endpoint or a REST call.
type devAnswer struct {
	Status int
	Header http.Header
	Raw    string
	Body   struct {
		ActionStatus     string
		ErrorInfo        string
		ErrorCode        int
		Now              int64
		Requests         []devEntry
		MutedAccountList []struct{ Member_Account string }
		ResultItem       []struct{ UserID, AccountStatus string }
	}
}

// devEntry is one entry of GET /dev/requests.
type devEntry struct {
	Time, RequestId, Command, Identifier, Request, Answer string
	SDKAppID                                              uint64
	ErrorCode                                             int
	DurationMs                                            float64
}

// devDo sends method path?query with body and decodes the envelope of the answer.
func devDo(tb testing.TB, s *timtest.Server, method, path, query, body string) devAnswer {
	tb.Helper()
	req, err := http.NewRequest(method, s.URL+path+"?"+query, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := devAnswer{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if err := json.Unmarshal(raw, &a.Body); err != nil {
		tb.Fatalf("%s %s: answer is not the envelope: %v: %s", method, path, err, raw)
	}
	return a
}

// wantDev fails tb unless a has the HTTP status and ErrorCode given.
func wantDev(tb testing.TB, a devAnswer, status int, code im.Code) {
	tb.Helper()
	wantAction := "OK"
	if code != im.CodeOK {
		wantAction = "FAIL"
	}
	if a.Status != status || a.Body.ErrorCode != int(code) || a.Body.ActionStatus != wantAction {
		tb.Fatalf("answer: got HTTP %d, ErrorCode %d, ActionStatus %q (%s); want HTTP %d, ErrorCode %d, %s",
			a.Status, a.Body.ErrorCode, a.Body.ActionStatus, a.Raw, status, code, wantAction)
	}
}

// devEndpoints are the development endpoints with their methods.
var devEndpoints = []struct{ method, path string }{
	{http.MethodPost, "/dev/reset"},
	{http.MethodPost, "/dev/clock"},
	{http.MethodGet, "/dev/requests"},
}

func TestDevEndpointsOffByDefault(t *testing.T) {
	s := newDevServer(t, false)
	for _, ep := range devEndpoints {
		t.Run(ep.path, func(t *testing.T) {
			a := devDo(t, s, ep.method, ep.path, s.Query(s.Admin()), "{}")
			wantDev(t, a, http.StatusNotFound, im.CodeBadPath)
		})
	}
	s.MustImportAccounts(t, "alice")
	devDo(t, s, http.MethodPost, "/dev/reset", s.Query(s.Admin()), "")
	r := s.MustOK(t, "im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"alice"}]}`)
	if !strings.Contains(string(r.Raw), `"Imported"`) {
		t.Errorf("account after /dev/reset with dev off: got %s, want it still imported", r.Raw)
	}
}

func TestDevEndpointsAuthenticate(t *testing.T) {
	s := newDevServer(t, true)
	s.MustImportAccounts(t, "alice")
	good := s.Query(s.Admin())
	q := func(key, value string) string {
		v, _ := url.ParseQuery(good)
		v.Set(key, value)
		return v.Encode()
	}
	aliceSig := url.Values{"sdkappid": {fmt.Sprint(s.SDKAppID())}, "identifier": {"alice"}, "usersig": {s.UserSig("alice")}}
	tests := []struct {
		name  string
		query string
		code  im.Code
	}{
		{"no query", "", im.CodeNoSDKAppID},
		{"unknown app", q("sdkappid", "1400000999"), im.CodeUnknownApp},
		{"no usersig", q("usersig", ""), im.CodeSigEmpty},
		{"garbage usersig", q("usersig", "garbage"), im.CodeSigMalformed},
		{"another app's usersig", q("usersig", usersig.Mint(s.SDKAppID(), s.Admin(), devApp.key, 86400, s.Now())), im.CodeSigBad},
		{"not an admin", aliceSig.Encode(), im.CodeNotAdmin},
	}
	for _, ep := range devEndpoints {
		for _, tt := range tests {
			t.Run(ep.path+"/"+tt.name, func(t *testing.T) {
				wantDev(t, devDo(t, s, ep.method, ep.path, tt.query, `{"advance":"1h"}`), http.StatusOK, tt.code)
			})
		}
	}
	if got := s.Now(); got.After(time.Now().Add(30 * time.Minute)) {
		t.Errorf("clock after refused /dev/clock calls: got %v, want unmoved", got)
	}
	r := s.MustOK(t, "im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"alice"}]}`)
	if !strings.Contains(string(r.Raw), `"Imported"`) {
		t.Errorf("account after refused /dev/reset calls: got %s, want it still imported", r.Raw)
	}
}

func TestDevEndpointsPathAndMethod(t *testing.T) {
	s := newDevServer(t, true)
	t.Run("unknown path", func(t *testing.T) {
		wantDev(t, devDo(t, s, http.MethodPost, "/dev/nothing", s.Query(s.Admin()), "{}"), http.StatusNotFound, im.CodeBadPath)
	})
	for _, ep := range devEndpoints {
		other := http.MethodGet
		if ep.method == http.MethodGet {
			other = http.MethodPost
		}
		t.Run(other+" "+ep.path, func(t *testing.T) {
			a := devDo(t, s, other, ep.path, s.Query(s.Admin()), "{}")
			wantDev(t, a, http.StatusMethodNotAllowed, im.CodeBadURL)
			if got := a.Header.Get("Allow"); got != ep.method {
				t.Errorf("Allow header: got %q, want %q", got, ep.method)
			}
		})
	}
}

// TestDevReset resets the first app: its accounts and groups are gone, the second app's
// stay, and the first app works on from scratch.
func TestDevReset(t *testing.T) {
	s := newDevServer(t, true)
	s.MustImportAccounts(t, "alice", "bob")
	g := s.MustCreateGroup(t, "Public", "alice", "bob")
	second := devDo(t, s, http.MethodPost, "/v4/im_open_login_svc/multiaccount_import", devQuery(s), `{"Accounts":["alice"]}`)
	wantDev(t, second, http.StatusOK, im.CodeOK)

	wantDev(t, devDo(t, s, http.MethodPost, "/dev/reset", s.Query(s.Admin()), ""), http.StatusOK, im.CodeOK)

	check := `{"CheckItem":[{"UserID":"alice"},{"UserID":"bob"}]}`
	r := devDo(t, s, http.MethodPost, "/v4/im_open_login_svc/account_check", s.Query(s.Admin()), check)
	for _, item := range r.Body.ResultItem {
		if item.AccountStatus != "NotImported" {
			t.Errorf("account %s after /dev/reset: got %s, want NotImported", item.UserID, item.AccountStatus)
		}
	}
	info := s.MustOK(t, "group_open_http_svc/get_group_info", map[string]any{"GroupIdList": []string{g}})
	if !strings.Contains(string(info.Raw), "10010") {
		t.Errorf("get_group_info after /dev/reset: got %s, want the group gone (10010)", info.Raw)
	}
	r = devDo(t, s, http.MethodPost, "/v4/im_open_login_svc/account_check", devQuery(s), `{"CheckItem":[{"UserID":"alice"}]}`)
	if len(r.Body.ResultItem) != 1 || r.Body.ResultItem[0].AccountStatus != "Imported" {
		t.Errorf("the other app's account after /dev/reset: got %s, want Imported", r.Raw)
	}
	s.MustImportAccounts(t, "alice")
	s.MustCreateGroup(t, "Public", "alice")
}

// TestDevClock mutes a member for a minute, moves the clock past the mute with /dev/clock
// and sees it gone; then sets the clock, and refuses bad bodies.
func TestDevClock(t *testing.T) {
	s := newDevServer(t, true)
	s.MustImportAccounts(t, "alice", "bob")
	g := s.MustCreateGroup(t, "Public", "alice", "bob")
	s.MustOK(t, "group_open_http_svc/forbid_send_msg", map[string]any{"GroupId": g, "Members_Account": []string{"bob"}, "MuteTime": 60})
	muted := func() int {
		t.Helper()
		r := devDo(t, s, http.MethodPost, "/v4/group_open_http_svc/get_group_muted_account", s.Query(s.Admin()), `{"GroupId":"`+g+`"}`)
		wantDev(t, r, http.StatusOK, im.CodeOK)
		return len(r.Body.MutedAccountList)
	}
	if n := muted(); n != 1 {
		t.Fatalf("muted members before /dev/clock: got %d, want 1", n)
	}
	before := devDo(t, s, http.MethodPost, "/dev/clock", s.Query(s.Admin()), "")
	wantDev(t, before, http.StatusOK, im.CodeOK)
	after := devDo(t, s, http.MethodPost, "/dev/clock", s.Query(s.Admin()), `{"advance":"61s"}`)
	wantDev(t, after, http.StatusOK, im.CodeOK)
	if d := after.Body.Now - before.Body.Now; d < 61 || d > 63 {
		t.Errorf("Now after advancing 61s: moved %ds, want 61s", d)
	}
	if n := muted(); n != 0 {
		t.Errorf("muted members after /dev/clock advanced past the mute: got %d, want 0", n)
	}

	target := time.Now().Add(48 * time.Hour).Unix()
	set := devDo(t, s, http.MethodPost, "/dev/clock", devQuery(s), fmt.Sprintf(`{"now":%d}`, target))
	wantDev(t, set, http.StatusOK, im.CodeOK)
	if set.Body.Now != target {
		t.Errorf("Now after setting it: got %d, want %d", set.Body.Now, target)
	}

	for _, tt := range []struct {
		name, body string
		code       im.Code
	}{
		{"negative advance", `{"advance":"-1s"}`, im.CodeInvalidParam},
		{"advance not a duration", `{"advance":"soon"}`, im.CodeInvalidParam},
		{"both", `{"advance":"1s","now":1700000000}`, im.CodeInvalidParam},
		{"now not positive", `{"now":0}`, im.CodeInvalidParam},
		{"advance a number", `{"advance":90}`, im.CodeBadJSON},
		{"not JSON", `advance=1s`, im.CodeBadJSON},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The clock is two days ahead: sign as of then.
			sig := usersig.Mint(devApp.id, devApp.admin, devApp.key, 86400, time.Unix(target, 0))
			q := fmt.Sprintf("sdkappid=%d&identifier=%s&usersig=%s", devApp.id, devApp.admin, sig)
			wantDev(t, devDo(t, s, http.MethodPost, "/dev/clock", q, tt.body), http.StatusOK, tt.code)
		})
	}
}

// TestDevRequests reads the request journal: the app's own calls, oldest first, with
// their bodies and codes, never a UserSig, and none after a reset.
func TestDevRequests(t *testing.T) {
	s := newDevServer(t, true)
	query := s.Query(s.Admin())
	devDo(t, s, http.MethodPost, "/v4/im_open_login_svc/multiaccount_import", query, `{"Accounts":["alice"]}`)
	devDo(t, s, http.MethodPost, "/v4/im_open_login_svc/account_check", query, `{"CheckItem":[]}`)
	devDo(t, s, http.MethodPost, "/v4/im_open_login_svc/account_check", devQuery(s), `{"CheckItem":[{"UserID":"x"}]}`)
	devDo(t, s, http.MethodPost, "/v4/group_open_http_svc/get_group_info", strings.Replace(query, "usersig=", "usersig=x", 1), `{}`)

	a := devDo(t, s, http.MethodGet, "/dev/requests", query+"&limit=2", "")
	wantDev(t, a, http.StatusOK, im.CodeOK)
	got := a.Body.Requests
	if len(got) != 2 {
		t.Fatalf("requests with limit=2: got %d, want 2 (%s)", len(got), a.Raw)
	}
	first, last := got[0], got[1]
	if first.Command != "im_open_login_svc/account_check" || first.ErrorCode != int(im.CodeAccountParam) ||
		first.Request != `{"CheckItem":[]}` || !strings.Contains(first.Answer, `"ErrorCode":70402`) {
		t.Errorf("first entry: got %+v, want the failed account_check with its bodies", first)
	}
	if last.Command != "group_open_http_svc/get_group_info" || last.ErrorCode != int(im.CodeSigMalformed) || last.Request != "" {
		t.Errorf("last entry: got %+v, want the get_group_info refused 70003 before its body was read", last)
	}
	if first.SDKAppID != s.SDKAppID() || first.Identifier != s.Admin() || first.RequestId == "" || first.Time == "" {
		t.Errorf("first entry's caller: got %+v", first)
	}
	sig, _ := url.ParseQuery(query)
	if strings.Contains(a.Raw, sig.Get("usersig")) {
		t.Errorf("the journal shows a UserSig: %s", a.Raw)
	}

	all := devDo(t, s, http.MethodGet, "/dev/requests", query, "")
	if n := len(all.Body.Requests); n != 3 {
		t.Errorf("requests of the app: got %d, want 3 (the other app's and /dev calls left out): %s", n, all.Raw)
	}
	other := devDo(t, s, http.MethodGet, "/dev/requests", devQuery(s), "")
	if n := len(other.Body.Requests); n != 1 || other.Body.Requests[0].Request != `{"CheckItem":[{"UserID":"x"}]}` {
		t.Errorf("requests of the other app: got %s, want its one account_check", other.Raw)
	}
	for _, bad := range []string{"0", "-1", "x"} {
		wantDev(t, devDo(t, s, http.MethodGet, "/dev/requests", query+"&limit="+bad, ""), http.StatusOK, im.CodeInvalidParam)
	}

	devDo(t, s, http.MethodPost, "/dev/reset", query, "")
	if n := len(devDo(t, s, http.MethodGet, "/dev/requests", query, "").Body.Requests); n != 0 {
		t.Errorf("requests after /dev/reset: got %d, want 0", n)
	}
	if n := len(devDo(t, s, http.MethodGet, "/dev/requests", devQuery(s), "").Body.Requests); n != 1 {
		t.Errorf("the other app's requests after /dev/reset: got %d, want 1", n)
	}
}
