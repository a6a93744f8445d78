package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/usersig"
	"github.com/timdhq/timd/timtest"
)

// The pins of docs/compatibility.md §1 (transport). Shared helpers of the black-box tests of
// package httpapi live here too.

const (
	accountCheck  = "/v4/im_open_login_svc/account_check"
	accountImport = "/v4/im_open_login_svc/account_import"

	// okPrefix starts every successful answer, byte for byte.
	okPrefix = `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0`
	// failPrefix starts every failed answer, byte for byte, up to the ErrorInfo text.
	failPrefix = `{"ActionStatus":"FAIL","ErrorInfo":"`

	// checkU1 is an account_check body that succeeds on any server.
	checkU1 = `{"CheckItem":[{"UserID":"u1"}]}`
)

// reply is one REST answer as received.
type reply struct {
	Status int
	Header http.Header
	Raw    []byte
	Env    struct {
		ActionStatus string
		ErrorInfo    string
		ErrorCode    int
	}
}

// MustSend sends req to s and reads the answer, which must be a JSON object.
func MustSend(tb testing.TB, s *timtest.Server, req *http.Request) *reply {
	tb.Helper()
	client := *s.Client()
	// A redirect is an answer to check, not to follow: the REST API never redirects.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read answer: %v", req.Method, req.URL, err)
	}
	r := &reply{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if err := json.Unmarshal(raw, &r.Env); err != nil {
		tb.Fatalf("%s %s: answer is not a JSON envelope: HTTP %d: %v: %s", req.Method, req.URL, resp.StatusCode, err, raw)
	}
	return r
}

// MustRequest returns a request of method for target, a path and query relative to s.URL
// sent exactly as written (no re-encoding).
func MustRequest(tb testing.TB, s *timtest.Server, method, target, body string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(method, s.URL+target, strings.NewReader(body))
	if err != nil {
		tb.Fatalf("new request %s %s: %v", method, target, err)
	}
	return req
}

// MustPost posts body to target (path and query) without a Content-Type header.
func MustPost(tb testing.TB, s *timtest.Server, target, body string) *reply {
	tb.Helper()
	return MustSend(tb, s, MustRequest(tb, s, http.MethodPost, target, body))
}

// MustPostAdmin posts body to path with the query of the app admin.
func MustPostAdmin(tb testing.TB, s *timtest.Server, path, body string) *reply {
	tb.Helper()
	return MustPost(tb, s, path+"?"+s.Query(s.Admin()), body)
}

// wantAnswer checks an answer: its HTTP status, its ErrorCode, an ActionStatus and
// ErrorInfo that agree with the code, the envelope's keys first and in the order
// ActionStatus, ErrorInfo, ErrorCode, a JSON Content-Type and an X-Request-Id header.
func wantAnswer(tb testing.TB, r *reply, status int, code im.Code) {
	tb.Helper()
	if r.Status != status {
		tb.Errorf("HTTP status: got %d, want %d (%s)", r.Status, status, r.Raw)
	}
	if r.Env.ErrorCode != int(code) {
		tb.Errorf("ErrorCode: got %d (%s), want %d", r.Env.ErrorCode, r.Env.ErrorInfo, code)
	}
	if code == im.CodeOK {
		if !bytes.HasPrefix(r.Raw, []byte(okPrefix)) {
			tb.Errorf("answer: got %s, want it to start with %s", r.Raw, okPrefix)
		}
	} else {
		if !bytes.HasPrefix(r.Raw, []byte(failPrefix)) {
			tb.Errorf("answer: got %s, want it to start with %s", r.Raw, failPrefix)
		}
		if r.Env.ErrorInfo == "" {
			tb.Errorf("ErrorInfo: got \"\", want a description of error %d", code)
		}
	}
	keys := topKeys(tb, r.Raw)
	if len(keys) < 3 || keys[0] != "ActionStatus" || keys[1] != "ErrorInfo" || keys[2] != "ErrorCode" {
		tb.Errorf("keys: got %v, want ActionStatus, ErrorInfo, ErrorCode first", keys)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("Content-Type: got %q, want application/json", ct)
	}
	if r.Header.Get("X-Request-Id") == "" {
		tb.Errorf("X-Request-Id header: got none, want one")
	}
}

// topKeys returns the keys of the JSON object raw, in order.
func topKeys(tb testing.TB, raw []byte) []string {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		tb.Fatalf("answer is not a JSON object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			tb.Fatalf("answer %s: %v", raw, err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			tb.Fatalf("answer %s: %v", raw, err)
		}
	}
	return keys
}

// omit, as a value of queryWith, leaves the parameter out.
const omit = "\x00omit"

// queryWith returns the app admin's query (sdkappid, identifier, usersig, random,
// contenttype, in that order) with some parameters replaced: sets holds name, value
// pairs. Values are written as given, without escaping.
func queryWith(s *timtest.Server, sets ...string) string {
	names := []string{"sdkappid", "identifier", "usersig", "random", "contenttype"}
	values := map[string]string{
		"sdkappid": strconv.FormatUint(s.SDKAppID(), 10), "identifier": s.Admin(),
		"usersig": s.UserSig(s.Admin()), "random": "1234", "contenttype": "json",
	}
	for i := 0; i+1 < len(sets); i += 2 {
		values[sets[i]] = sets[i+1]
	}
	var parts []string
	for _, n := range names {
		if v := values[n]; v != omit {
			parts = append(parts, n+"="+v)
		}
	}
	return strings.Join(parts, "&")
}

// unlimited is an Options.Configure that turns rate limiting off (the request rates, the
// attribute write rate of a group and the broadcast rate), so that tests making many
// calls measure nothing but what they test.
func unlimited(c *config.Config) {
	for i := range c.Apps {
		c.Apps[i].RateLimits = config.RateLimits{}
		c.Apps[i].Limits.GroupAttrWriteRate = 0
		c.Apps[i].Messages.BroadcastRate = 0
	}
}

func TestTransportEnvelope(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})

	t.Run("OK answer", func(t *testing.T) {
		r := MustPostAdmin(t, s, accountCheck, checkU1)
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
		want := okPrefix + `,"ResultItem":[{"UserID":"u1","ResultCode":0,"ResultInfo":"","AccountStatus":"NotImported"}]}`
		if string(r.Raw) != want {
			t.Errorf("answer: got %s, want %s", r.Raw, want)
		}
	})
	t.Run("OK answer without fields", func(t *testing.T) {
		r := MustPostAdmin(t, s, accountImport, `{"UserID":"u1"}`)
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
		if string(r.Raw) != okPrefix+"}" {
			t.Errorf("answer: got %s, want %s}", r.Raw, okPrefix)
		}
	})
	t.Run("FAIL answer", func(t *testing.T) {
		r := MustPostAdmin(t, s, accountImport, `{"UserID":""}`)
		wantAnswer(t, r, http.StatusOK, im.CodeAccountParam)
		info, _ := json.Marshal(r.Env.ErrorInfo)
		want := `{"ActionStatus":"FAIL","ErrorInfo":` + string(info) + `,"ErrorCode":70402}`
		if string(r.Raw) != want {
			t.Errorf("answer: got %s, want %s", r.Raw, want)
		}
	})
}

func TestTransportRequestID(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	seen := map[string]bool{}
	for i := range 20 {
		var r *reply
		switch i % 4 {
		case 0:
			r = MustPostAdmin(t, s, accountCheck, checkU1) // OK
		case 1:
			r = MustPostAdmin(t, s, accountCheck, `[]`) // 60003
		case 2:
			r = MustPost(t, s, "/v4/x", `{}`) // 404
		case 3:
			r = MustSend(t, s, MustRequest(t, s, http.MethodGet, accountCheck+"?"+queryWith(s), `{}`)) // 405
		}
		id := r.Header.Get("X-Request-Id")
		if id == "" {
			t.Fatalf("call %d: X-Request-Id: got none, want one (%s)", i, r.Raw)
		}
		if seen[id] {
			t.Fatalf("call %d: X-Request-Id %q: got it twice, want a new one per request", i, id)
		}
		seen[id] = true
		if bytes.Contains(r.Raw, []byte(id)) {
			t.Errorf("call %d: body %s contains the request id %q, want it only in the header", i, r.Raw, id)
		}
		for _, k := range topKeys(t, r.Raw) {
			if strings.EqualFold(k, "RequestId") {
				t.Errorf("call %d: body %s has key %q, want the request id only in the header", i, r.Raw, k)
			}
		}
	}
}

// TestTransportMethod pins the methods of docs/compatibility.md §1: POST, and GET, which a
// real client library sends for commands without a body (its empty body reads as {});
// any other method is 405 with 60002 and an Allow header.
func TestTransportMethod(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		t.Run(method, func(t *testing.T) {
			r := MustSend(t, s, MustRequest(t, s, method, accountCheck+"?"+queryWith(s), checkU1))
			wantAnswer(t, r, http.StatusMethodNotAllowed, im.CodeBadURL)
			if got := r.Header.Get("Allow"); got != "POST, GET" {
				t.Errorf("Allow header: got %q, want POST, GET", got)
			}
		})
	}
	const appGroups = "/v4/group_open_http_svc/get_appid_group_list"
	tests := []struct {
		name, method, path, body string
		code                     im.Code
	}{
		{"GET with a body", http.MethodGet, accountCheck, checkU1, im.CodeOK},
		{"GET without a body", http.MethodGet, appGroups, "", im.CodeOK},
		{"GET with white space", http.MethodGet, appGroups, " \n", im.CodeOK},
		{"GET without a body reads as {}", http.MethodGet, accountCheck, "", im.CodeAccountParam}, // CheckItem missing, not 60003
		{"GET with a body that is not JSON", http.MethodGet, appGroups, "x", im.CodeBadJSON},
		{"POST without a body", http.MethodPost, appGroups, "", im.CodeBadJSON},
		{"GET of an unknown command", http.MethodGet, "/v4/group_open_http_svc/no_such_command", "", im.CodeUnknownCommand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MustSend(t, s, MustRequest(t, s, tt.method, tt.path+"?"+queryWith(s), tt.body))
			wantAnswer(t, r, http.StatusOK, tt.code)
		})
	}
	t.Run("GET answers as POST", func(t *testing.T) {
		s.MustOK(t, "group_open_http_svc/create_group", map[string]any{"Type": "Public", "Name": "g", "GroupId": "via-get"})
		get := MustSend(t, s, MustRequest(t, s, http.MethodGet, appGroups+"?"+queryWith(s), ""))
		post := MustPost(t, s, appGroups+"?"+queryWith(s), "{}")
		if string(get.Raw) != string(post.Raw) || !strings.Contains(string(get.Raw), "via-get") {
			t.Errorf("GET answered %s, POST of {} %s; want the same, with the group", get.Raw, post.Raw)
		}
	})
}

func TestTransportPath(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	q := "?" + queryWith(s)
	tests := []struct {
		name   string
		path   string
		status int
		code   im.Code
	}{
		{"v4 alone", "/v4", http.StatusNotFound, im.CodeBadPath},
		{"v4 slash", "/v4/", http.StatusNotFound, im.CodeBadPath},
		{"service only", "/v4/x", http.StatusNotFound, im.CodeBadPath},
		{"service slash", "/v4/im_open_login_svc/", http.StatusNotFound, im.CodeBadPath},
		{"three parts", "/v4/a/b/c", http.StatusNotFound, im.CodeBadPath},
		{"known command too deep", "/v4/im_open_login_svc/account_check/x", http.StatusNotFound, im.CodeBadPath},
		{"other root", "/foo", http.StatusNotFound, im.CodeBadPath},
		{"root", "/", http.StatusNotFound, im.CodeBadPath},
		{"other version", "/v4x/im_open_login_svc/account_check", http.StatusNotFound, im.CodeBadPath},
		{"double slash before service", "/v4//im_open_login_svc/account_check", http.StatusNotFound, im.CodeBadPath},
		{"double slash before command", "/v4/im_open_login_svc//account_check", http.StatusNotFound, im.CodeBadPath},
		{"leading double slash", "//v4/im_open_login_svc/account_check", http.StatusNotFound, im.CodeBadPath},
		{"dot segment", "/v4/im_open_login_svc/./account_check", http.StatusNotFound, im.CodeBadPath},
		{"dot-dot segment", "/v4/x/../im_open_login_svc/account_check", http.StatusNotFound, im.CodeBadPath},
		{"trailing slash", accountCheck + "/", http.StatusNotFound, im.CodeBadPath},
		{"health path with POST", "/healthz", http.StatusNotFound, im.CodeBadPath},
		{"unknown service", "/v4/openim_nosuch_svc/sendmsg", http.StatusOK, im.CodeBadPath},
		{"unknown command of a known service", "/v4/openim/sendmsg", http.StatusOK, im.CodeUnknownCommand},
		{"unknown command", "/v4/group_open_http_svc/no_such_command", http.StatusOK, im.CodeUnknownCommand},
		{"command of the other service", "/v4/im_open_login_svc/create_group", http.StatusOK, im.CodeUnknownCommand},
		{"command in another case", "/v4/im_open_login_svc/Account_Check", http.StatusOK, im.CodeUnknownCommand},
		{"known command", accountCheck, http.StatusOK, im.CodeOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MustPost(t, s, tt.path+q, checkU1)
			wantAnswer(t, r, tt.status, tt.code)
		})
	}
}

func TestTransportQuery(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	raw := sigWithSpecials(t, s)
	encoded := strings.NewReplacer("*", "%2A", "-", "%2D", "_", "%5F").Replace(raw)
	tests := []struct {
		name string
		sets []string
		code im.Code
	}{
		{"all present", nil, im.CodeOK},
		{"sdkappid missing", []string{"sdkappid", omit}, im.CodeNoSDKAppID},
		{"sdkappid empty", []string{"sdkappid", ""}, im.CodeNoSDKAppID},
		{"sdkappid abc", []string{"sdkappid", "abc"}, im.CodeNoSDKAppID},
		{"sdkappid negative", []string{"sdkappid", "-1"}, im.CodeNoSDKAppID},
		{"sdkappid not configured", []string{"sdkappid", "1400000999"}, im.CodeUnknownApp},
		{"identifier missing", []string{"identifier", omit}, im.CodeNoIdentifier},
		{"identifier empty", []string{"identifier", ""}, im.CodeNoIdentifier},
		{"usersig missing", []string{"usersig", omit}, im.CodeSigEmpty},
		{"usersig empty", []string{"usersig", ""}, im.CodeSigEmpty},
		{"random missing", []string{"random", omit}, im.CodeOK},
		{"random 0", []string{"random", "0"}, im.CodeOK},
		{"random 4294967295", []string{"random", "4294967295"}, im.CodeOK},
		{"random x", []string{"random", "x"}, im.CodeBadURL},
		{"random -1", []string{"random", "-1"}, im.CodeBadURL},
		{"random 4294967296", []string{"random", "4294967296"}, im.CodeBadURL},
		{"random 1.5", []string{"random", "1.5"}, im.CodeBadURL},
		{"random empty", []string{"random", ""}, im.CodeBadURL},
		{"contenttype missing", []string{"contenttype", omit}, im.CodeOK},
		{"contenttype xml", []string{"contenttype", "xml"}, im.CodeBadURL},
		{"contenttype JSON", []string{"contenttype", "JSON"}, im.CodeBadURL},
		{"contenttype empty", []string{"contenttype", ""}, im.CodeBadURL},
		{"usersig raw", []string{"usersig", raw}, im.CodeOK},
		{"usersig percent-encoded", []string{"usersig", encoded}, im.CodeOK},
		{"identifier not an admin", []string{"identifier", "alice", "usersig", s.UserSig("alice")}, im.CodeNotAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MustPost(t, s, accountCheck+"?"+queryWith(s, tt.sets...), checkU1)
			wantAnswer(t, r, http.StatusOK, tt.code)
		})
	}
}

// sigWithSpecials returns a UserSig of the admin that holds all of '*', '-' and '_', the
// characters of Tencent's base64 that a URL may carry raw or percent-encoded.
func sigWithSpecials(tb testing.TB, s *timtest.Server) string {
	tb.Helper()
	for i := range 10000 {
		sig := usersig.Mint(s.SDKAppID(), s.Admin(), s.SecretKey(), int64(86400+i), s.Now())
		if strings.Contains(sig, "*") && strings.Contains(sig, "-") && strings.Contains(sig, "_") {
			return sig
		}
	}
	tb.Fatal("no UserSig with '*', '-' and '_' found")
	return ""
}

func TestTransportContentTypeIgnored(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	for _, ct := range []string{"", "text/plain", "application/json", "application/json; charset=utf-8",
		"application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		t.Run(fmt.Sprintf("%q", ct), func(t *testing.T) {
			req := MustRequest(t, s, http.MethodPost, accountCheck+"?"+queryWith(s), checkU1)
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			r := MustSend(t, s, req)
			wantAnswer(t, r, http.StatusOK, im.CodeOK)
		})
	}
}

func TestTransportBody(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	tests := []struct {
		name    string
		path    string
		body    string
		code    im.Code
		inInfo  string // a text the ErrorInfo must contain
		wantRaw string // the whole answer, when it matters
	}{
		{name: "empty", path: accountCheck, body: "", code: im.CodeBadJSON},
		{name: "white space", path: accountCheck, body: " \r\n\t", code: im.CodeBadJSON},
		{name: "not JSON", path: accountCheck, body: "not json", code: im.CodeBadJSON},
		{name: "array", path: accountCheck, body: "[]", code: im.CodeBadJSON},
		{name: "null", path: accountCheck, body: "null", code: im.CodeBadJSON},
		{name: "string", path: accountCheck, body: `"x"`, code: im.CodeBadJSON},
		{name: "truncated", path: accountCheck, body: `{"CheckItem":[`, code: im.CodeBadJSON},
		{name: "trailing garbage", path: accountCheck, body: checkU1 + " x", code: im.CodeBadJSON},
		{name: "UserID a number", path: accountImport, body: `{"UserID": 5}`, code: im.CodeBadJSON, inInfo: "UserID"},
		{name: "CheckItem a string", path: accountCheck, body: `{"CheckItem":"u1"}`, code: im.CodeBadJSON, inInfo: "CheckItem"},
		{name: "UserID in an item a number", path: accountCheck, body: `{"CheckItem":[{"UserID":7}]}`, code: im.CodeBadJSON},
		{
			name: "unknown fields ignored", path: accountCheck,
			body:    `{"Extra":{"x":[1,2,{"y":null}]},"CheckItem":[{"UserID":"u1","Unknown":true}],"More":"z"}`,
			code:    im.CodeOK,
			wantRaw: okPrefix + `,"ResultItem":[{"UserID":"u1","ResultCode":0,"ResultInfo":"","AccountStatus":"NotImported"}]}`,
		},
		{name: "leading white space", path: accountCheck, body: "\n  " + checkU1, code: im.CodeOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MustPostAdmin(t, s, tt.path, tt.body)
			wantAnswer(t, r, http.StatusOK, tt.code)
			if !strings.Contains(r.Env.ErrorInfo, tt.inInfo) {
				t.Errorf("ErrorInfo: got %q, want it to name %q", r.Env.ErrorInfo, tt.inInfo)
			}
			if tt.wantRaw != "" && string(r.Raw) != tt.wantRaw {
				t.Errorf("answer: got %s, want %s", r.Raw, tt.wantRaw)
			}
		})
	}
}

func TestTransportBodyLimit(t *testing.T) {
	const limit = 1024
	s := timtest.NewServer(t, &timtest.Options{Configure: func(c *config.Config) {
		unlimited(c)
		c.Apps[0].Limits.BodyMax = limit
	}})
	// padded returns an account_check body of exactly n bytes.
	padded := func(n int) string {
		head, tail := `{"CheckItem":[{"UserID":"u1"}],"Pad":"`, `"}`
		return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	}
	tests := []struct {
		name string
		size int
		code im.Code
	}{
		{"at the limit", limit, im.CodeOK},
		{"one byte over", limit + 1, im.CodeBodyTooLarge},
		{"far over", 64 * limit, im.CodeBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := padded(tt.size)
			if len(body) != tt.size {
				t.Fatalf("body: got %d bytes, want %d", len(body), tt.size)
			}
			r := MustPostAdmin(t, s, accountCheck, body)
			wantAnswer(t, r, http.StatusOK, tt.code)
		})
	}
}

// secondApp is a second app for servers that serve two.
var secondApp = struct {
	id    uint64
	admin string
	key   string
}{1400000777, "admin2", "second-app-secret-key"}

// withSecondApp is an Options.Configure part that adds secondApp to the configuration.
func withSecondApp(c *config.Config) {
	c.Apps = append(c.Apps, config.App{
		SDKAppID:   secondApp.id,
		SecretKey:  secondApp.key,
		Admins:     []string{secondApp.admin},
		Limits:     im.DefaultLimits(),
		RateLimits: config.DefaultRateLimits(),
		Features:   im.DefaultFeatures(),
		Messages:   im.DefaultMessageSettings(),
	})
}

// secondAppQuery returns the query of secondApp's admin, signed at s's time.
func secondAppQuery(s *timtest.Server) string {
	sig := usersig.Mint(secondApp.id, secondApp.admin, secondApp.key, 86400, s.Now())
	return fmt.Sprintf("sdkappid=%d&identifier=%s&usersig=%s&random=1&contenttype=json", secondApp.id, secondApp.admin, sig)
}

// burst fires n calls of body to target at once and counts the answers by ErrorCode; it
// also returns how long the calls took from the first sent to the last answered.
func burst(tb testing.TB, s *timtest.Server, n int, target, body string) (map[int]int, time.Duration) {
	tb.Helper()
	var (
		mu     sync.Mutex
		counts = map[int]int{}
		wg     sync.WaitGroup
		errs   = make(chan error, n)
		start  = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			<-start
			resp, err := s.Client().Post(s.URL+target, "", strings.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var env struct{ ErrorCode int }
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
				errs <- err
				return
			}
			mu.Lock()
			counts[env.ErrorCode]++
			mu.Unlock()
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(began)
	close(errs)
	for err := range errs {
		tb.Fatalf("burst: %v", err)
	}
	return counts, elapsed
}

// wantLimited checks the answers of a burst against a bucket of rate per second with a
// burst of rate: some calls refused with 60007, no more accepted than the bucket allows
// in elapsed (plus one for rounding), and no other answers.
func wantLimited(tb testing.TB, counts map[int]int, elapsed time.Duration, n int, rate float64) {
	tb.Helper()
	ok, limited := counts[0], counts[int(im.CodeRateLimited)]
	if ok+limited != n {
		tb.Errorf("answers: got %v, want only 0 and 60007", counts)
	}
	if limited == 0 {
		tb.Errorf("60007 answers: got none of %d calls in %v, want some (%v)", n, elapsed, counts)
	}
	if most := int(rate+rate*elapsed.Seconds()) + 1; ok > most || ok == 0 {
		tb.Errorf("OK answers: got %d of %d calls in %v, want 1 to %d", ok, n, elapsed, most)
	}
}

func TestTransportRateLimit(t *testing.T) {
	const rate = 5
	s := timtest.NewServer(t, &timtest.Options{Configure: func(c *config.Config) {
		withSecondApp(c)
		c.Apps[0].RateLimits.Commands["account_check"] = rate
		c.Apps[1].RateLimits.Commands["account_check"] = rate
	}})
	const n = 50
	counts, elapsed := burst(t, s, n, accountCheck+"?"+s.Query(s.Admin()), checkU1)
	wantLimited(t, counts, elapsed, n, rate)

	t.Run("refusal is a FAIL envelope", func(t *testing.T) {
		r := MustPostAdmin(t, s, accountCheck, checkU1)
		wantAnswer(t, r, http.StatusOK, im.CodeRateLimited)
	})
	t.Run("another command of the app is unaffected", func(t *testing.T) {
		for i := range 10 {
			r := MustPostAdmin(t, s, accountImport, fmt.Sprintf(`{"UserID":"u%d"}`, i))
			wantAnswer(t, r, http.StatusOK, im.CodeOK)
		}
	})
	t.Run("the same command of another app is unaffected", func(t *testing.T) {
		for range rate {
			r := MustPost(t, s, accountCheck+"?"+secondAppQuery(s), checkU1)
			wantAnswer(t, r, http.StatusOK, im.CodeOK)
		}
	})
	t.Run("failed authentication spends no token", func(t *testing.T) {
		s := timtest.NewServer(t, &timtest.Options{Configure: func(c *config.Config) {
			c.Apps[0].RateLimits.Commands["account_check"] = rate
		}})
		for range 3 * rate {
			r := MustPost(t, s, accountCheck+"?"+queryWith(s, "usersig", "garbage"), checkU1)
			wantAnswer(t, r, http.StatusOK, im.CodeSigMalformed)
		}
		r := MustPostAdmin(t, s, accountCheck, checkU1)
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
	})
}

func TestTransportRateLimitDefaults(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: func(c *config.Config) {
		withSecondApp(c)
		c.Apps[1].RateLimits.Commands["account_check"] = 0
	}})
	const n = 160
	t.Run("account_check 100 per second", func(t *testing.T) {
		counts, elapsed := burst(t, s, n, accountCheck+"?"+s.Query(s.Admin()), checkU1)
		if elapsed > 500*time.Millisecond {
			t.Skipf("%d calls took %v; too slow a machine to tell 100/s from more", n, elapsed)
		}
		wantLimited(t, counts, elapsed, n, 100)
	})
	t.Run("rate 0 disables the limit", func(t *testing.T) {
		counts, _ := burst(t, s, n, accountCheck+"?"+secondAppQuery(s), checkU1)
		if counts[0] != n {
			t.Errorf("answers: got %v, want %d OK", counts, n)
		}
	})
}

func TestTransportHealth(t *testing.T) {
	s := timtest.NewServer(t, nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run(path, func(t *testing.T) {
			r := MustSend(t, s, MustRequest(t, s, http.MethodGet, path, ""))
			if r.Status != http.StatusOK {
				t.Errorf("HTTP status: got %d, want 200 (%s)", r.Status, r.Raw)
			}
			if r.Header.Get("X-Request-Id") == "" {
				t.Errorf("X-Request-Id header: got none, want one")
			}
		})
	}
}

// TestTransportCheckOrder pins the check order of docs/compatibility.md §1, first failure
// wins: path, method, service, command, sdkappid, app configured, identifier, usersig
// empty, random/contenttype, signature (§2), admin; then the body. Each row breaks two
// checks and wants the earlier one's code.
func TestTransportCheckOrder(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	const unknownCmd, unknownSvc = "/v4/group_open_http_svc/no_such_command", "/v4/nosuch_svc/sendmsg"
	tests := []struct {
		name, method, path, query, body string
		status                          int
		code                            im.Code
	}{
		{"path before method", http.MethodPut, "/v4/x", queryWith(s), checkU1, http.StatusNotFound, im.CodeBadPath},
		{"method before service", http.MethodPut, unknownSvc, queryWith(s), checkU1, http.StatusMethodNotAllowed, im.CodeBadURL},
		{"service before sdkappid", http.MethodPost, unknownSvc, queryWith(s, "sdkappid", omit), checkU1, http.StatusOK, im.CodeBadPath},
		{"command before sdkappid", http.MethodPost, unknownCmd, queryWith(s, "sdkappid", omit), checkU1, http.StatusOK, im.CodeUnknownCommand},
		{"sdkappid before identifier", http.MethodPost, accountCheck, queryWith(s, "sdkappid", "x", "identifier", omit), checkU1, http.StatusOK, im.CodeNoSDKAppID},
		{"app before identifier", http.MethodPost, accountCheck, queryWith(s, "sdkappid", "1400000999", "identifier", omit), checkU1, http.StatusOK, im.CodeUnknownApp},
		{"identifier before usersig", http.MethodPost, accountCheck, queryWith(s, "identifier", omit, "usersig", omit), checkU1, http.StatusOK, im.CodeNoIdentifier},
		{"usersig before random", http.MethodPost, accountCheck, queryWith(s, "usersig", "", "random", "x"), checkU1, http.StatusOK, im.CodeSigEmpty},
		{"random before signature", http.MethodPost, accountCheck, queryWith(s, "random", "x", "usersig", "garbage"), checkU1, http.StatusOK, im.CodeBadURL},
		{"contenttype before signature", http.MethodPost, accountCheck, queryWith(s, "contenttype", "xml", "usersig", "garbage"), checkU1, http.StatusOK, im.CodeBadURL},
		{"signature before admin", http.MethodPost, accountCheck, queryWith(s, "identifier", "alice", "usersig", "garbage"), checkU1, http.StatusOK, im.CodeSigMalformed},
		{"admin before body", http.MethodPost, accountCheck, queryWith(s, "identifier", "alice", "usersig", s.UserSig("alice")), "not json", http.StatusOK, im.CodeNotAdmin},
		{"signature before body", http.MethodPost, accountCheck, queryWith(s, "usersig", "garbage"), "not json", http.StatusOK, im.CodeSigMalformed},
		{"body last", http.MethodPost, accountCheck, queryWith(s), "not json", http.StatusOK, im.CodeBadJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MustSend(t, s, MustRequest(t, s, tt.method, tt.path+"?"+tt.query, tt.body))
			wantAnswer(t, r, tt.status, tt.code)
		})
	}
}
