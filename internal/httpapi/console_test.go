package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/timtest"
)

// fieldsAnswer is the answer of /console/api/fields.
type fieldsAnswer struct {
	ErrorCode    int
	ErrorInfo    string
	Added        *bool
	MemberFields []struct {
		Key        string
		Configured bool
		Declared   int64
	}
	GroupFields []struct {
		Key        string
		Configured bool
		Declared   int64
	}
	MemberFieldsMax int
	GroupFieldsMax  int
}

// consoleCall sends method to the console endpoint path as the app admin.
func consoleCall(tb testing.TB, s *timtest.Server, method, path, body string) (*reply, fieldsAnswer) {
	tb.Helper()
	r := MustSend(tb, s, MustRequest(tb, s, method, "/console/api/"+path+"?"+s.Query(s.Admin()), body))
	var a fieldsAnswer
	if err := json.Unmarshal(r.Raw, &a); err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	return r, a
}

// fieldKeys lists the keys of a fields answer, configured ones marked with a *.
func fieldKeys(list []struct {
	Key        string
	Configured bool
	Declared   int64
}) string {
	var out []string
	for _, k := range list {
		if k.Configured {
			k.Key += "*"
		}
		out = append(out, k.Key)
	}
	return strings.Join(out, ",")
}

// TestConsoleFields declares custom fields through POST /console/api/fields: they apply
// to the next REST call, the configured keys count towards the limits, bad keys and
// kinds are 10004, and the endpoint authenticates like any REST call.
func TestConsoleFields(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{MemberFields: []string{"Conf"}, RateLimit: timtest.NoRateLimit})
	s.MustImportAccounts(t, "alice", "bob")
	g := s.MustCreateGroup(t, "Public", "alice", "bob")
	modify := map[string]any{"GroupId": g, "Member_Account": "bob",
		"AppMemberDefinedData": []map[string]string{{"Key": "Level", "Value": "7"}}}
	if r := s.MustCall(t, "group_open_http_svc/modify_group_member_info", modify); r.ErrorCode != int(im.CodeInvalidParam) {
		t.Fatalf("an undeclared key: ErrorCode %d, want 10004", r.ErrorCode)
	}

	r, a := consoleCall(t, s, http.MethodPost, "fields", `{"Kind":"Member","Key":"Level"}`)
	wantAnswer(t, r, http.StatusOK, im.CodeOK)
	if a.Added == nil || !*a.Added || fieldKeys(a.MemberFields) != "Conf*,Level" || a.MemberFieldsMax != 5 || a.GroupFieldsMax != 10 {
		t.Errorf("declare Level: %s", r.Raw)
	}
	s.MustOK(t, "group_open_http_svc/modify_group_member_info", modify) // no restart

	_, a = consoleCall(t, s, http.MethodPost, "fields", `{"Kind":"Member","Key":"Conf"}`)
	if a.ErrorCode != 0 || a.Added == nil || *a.Added {
		t.Errorf("declare a configured key: ErrorCode %d, Added %v; want 0, false", a.ErrorCode, a.Added)
	}
	_, a = consoleCall(t, s, http.MethodPost, "fields", `{"Kind":"Group","Key":"Topic"}`)
	if fieldKeys(a.GroupFields) != "Topic" {
		t.Errorf("group fields after declaring Topic: %q", fieldKeys(a.GroupFields))
	}
	s.MustOK(t, "group_open_http_svc/modify_group_base_info",
		map[string]any{"GroupId": g, "AppDefinedData": []map[string]string{{"Key": "Topic", "Value": "go"}}})

	for _, key := range []string{"A", "B", "C"} {
		if _, a := consoleCall(t, s, http.MethodPost, "fields", `{"Kind":"Member","Key":"`+key+`"}`); a.ErrorCode != 0 {
			t.Fatalf("declare %s: %d %s", key, a.ErrorCode, a.ErrorInfo)
		}
	}
	for _, tc := range []struct{ name, body string }{
		{"a sixth member key", `{"Kind":"Member","Key":"D"}`},
		{"a bad key", `{"Kind":"Group","Key":"Le-vel"}`},
		{"a long key", `{"Kind":"Group","Key":"K0123456789abcdef"}`},
		{"no key", `{"Kind":"Group"}`},
		{"a bad kind", `{"Kind":"Account","Key":"X"}`},
	} {
		r, _ := consoleCall(t, s, http.MethodPost, "fields", tc.body)
		wantAnswer(t, r, http.StatusOK, im.CodeInvalidParam)
	}
	r, a = consoleCall(t, s, http.MethodGet, "fields", "")
	wantAnswer(t, r, http.StatusOK, im.CodeOK)
	if fieldKeys(a.MemberFields) != "Conf*,Level,A,B,C" {
		t.Errorf("GET fields: member keys %q, want Conf*,Level,A,B,C", fieldKeys(a.MemberFields))
	}

	t.Run("transport", func(t *testing.T) {
		r := MustSend(t, s, MustRequest(t, s, http.MethodGet, "/console/api/fields", ""))
		wantAnswer(t, r, http.StatusOK, im.CodeNoSDKAppID)
		r = MustSend(t, s, MustRequest(t, s, http.MethodGet, "/console/api/fields?"+s.Query("alice"), ""))
		wantAnswer(t, r, http.StatusOK, im.CodeNotAdmin)
		r, _ = consoleCall(t, s, http.MethodPut, "fields", "{}")
		wantAnswer(t, r, http.StatusMethodNotAllowed, im.CodeBadURL)
		if allow := r.Header.Get("Allow"); allow != "GET, POST" {
			t.Errorf("Allow: %q, want GET, POST", allow)
		}
		r, _ = consoleCall(t, s, http.MethodGet, "nothing", "")
		wantAnswer(t, r, http.StatusNotFound, im.CodeBadPath)
		r, _ = consoleCall(t, s, http.MethodPost, "fields", `[]`)
		wantAnswer(t, r, http.StatusOK, im.CodeBadJSON)
	})
}

// TestConsoleFieldsRateLimited: a console endpoint spends the app's tokens like a REST
// command, and answers 60007 beyond them. At 0.001/s only the first call has a token,
// however slowly the machine runs the calls.
func TestConsoleFieldsRateLimited(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{RateLimit: 0.001})
	var codes []int
	for range 3 {
		_, a := consoleCall(t, s, http.MethodGet, "fields", "")
		codes = append(codes, a.ErrorCode)
	}
	if codes[0] != 0 || codes[1] != int(im.CodeRateLimited) || codes[2] != int(im.CodeRateLimited) {
		t.Errorf("3 calls at 0.001/s: ErrorCodes %v, want [0 60007 60007]", codes)
	}
}

// TestConsoleCallbacks reads GET /console/api/callbacks after after-callbacks to an
// endpoint that fails, then answers.
func TestConsoleCallbacks(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"ActionStatus":"OK","ErrorCode":0}`))
	}))
	t.Cleanup(recv.Close)
	s := timtest.NewServer(t, &timtest.Options{CallbackURL: recv.URL, RateLimit: timtest.NoRateLimit})
	s.MustImportAccounts(t, "alice")
	s.MustOK(t, "group_open_http_svc/create_group", map[string]any{"Type": "Public", "Name": "g", "Owner_Account": "alice"})

	type attempt struct {
		Command string
		OK      bool
		Outcome string
	}
	var a struct {
		ErrorCode   int
		Configured  bool
		OutboxDepth int64
		Attempts    []attempt
		Totals      []struct {
			Command    string
			OK, Failed int64
		}
	}
	read := func() {
		r := MustSend(t, s, MustRequest(t, s, http.MethodGet, "/console/api/callbacks?"+s.Query(s.Admin()), ""))
		wantAnswer(t, r, http.StatusOK, im.CodeOK)
		if err := json.Unmarshal(r.Raw, &a); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for read(); !hasAttempt(a.Attempts, func(at attempt) bool { return at.Command == "Group.CallbackAfterCreateGroup" && !at.OK }); read() {
		if time.Now().After(deadline) {
			t.Fatalf("no failed after-callback reported: %+v", a)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !a.Configured || a.OutboxDepth < 1 {
		t.Errorf("while the endpoint fails: Configured %v, OutboxDepth %d; want true, at least 1", a.Configured, a.OutboxDepth)
	}
	if at := a.Attempts[0]; at.Outcome != "HTTP 503" {
		t.Errorf("newest attempt: %+v, want the HTTP 503", at)
	}
	if !hasAttempt(a.Attempts, func(at attempt) bool { return at.Command == "Group.CallbackBeforeCreateGroup" }) {
		t.Errorf("before-callbacks are not reported: %+v", a.Attempts)
	}

	fail.Store(false)
	for deadline = time.Now().Add(20 * time.Second); a.OutboxDepth != 0 || !a.Attempts[0].OK; read() {
		if time.Now().After(deadline) {
			t.Fatalf("the outbox did not drain: %+v", a)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, tot := range a.Totals {
		if tot.Command == "Group.CallbackAfterCreateGroup" && (tot.OK != 1 || tot.Failed < 1) {
			t.Errorf("totals of %s: %+v, want 1 OK after failures", tot.Command, tot)
		}
	}
}

func hasAttempt[A any](list []A, ok func(A) bool) bool {
	for _, a := range list {
		if ok(a) {
			return true
		}
	}
	return false
}
