package server_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/timdhq/timd/timtest"
)

// scrape returns the value of the sample of /metrics matching pattern (one capture
// group around the value), or -1 when there is none.
func scrape(tb testing.TB, s *timtest.Server, pattern string) float64 {
	tb.Helper()
	resp, err := s.Client().Get(s.URL + "/metrics")
	if err != nil {
		tb.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET /metrics: HTTP %d", resp.StatusCode)
	}
	m := regexp.MustCompile(pattern).FindSubmatch(body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		tb.Fatalf("sample %q: %v", m[0], err)
	}
	return v
}

func TestMetricsCountRequestsByCommandAndCode(t *testing.T) {
	s := timtest.NewServer(t, nil)
	okRe := `timd_requests_total\{code="0",command="im_open_login_svc/account_check"\} (\S+)`
	badRe := `timd_requests_total\{code="70402",command="im_open_login_svc/account_check"\} (\S+)`
	if got := scrape(t, s, okRe); got != -1 {
		t.Fatalf("before any call: account_check OK counter = %v, want absent", got)
	}
	for range 3 {
		s.MustOK(t, "im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"a"}]}`)
	}
	s.MustCall(t, "im_open_login_svc/account_check", `{"CheckItem":[]}`)
	if got := scrape(t, s, okRe); got != 3 {
		t.Errorf("account_check OK counter = %v, want 3", got)
	}
	if got := scrape(t, s, badRe); got != 1 {
		t.Errorf("account_check 70402 counter = %v, want 1", got)
	}
	latency := `timd_request_duration_seconds_count\{command="im_open_login_svc/account_check"\} (\S+)`
	if got := scrape(t, s, latency); got != 4 {
		t.Errorf("latency histogram count = %v, want 4", got)
	}
	views := `timd_store_duration_seconds_count\{kind="view",outcome="ok"\} (\S+)`
	if got := scrape(t, s, views); got != 3 {
		t.Errorf("store view count = %v, want 3", got)
	}
}

// TestMetricsCountUnknownCommandsByName checks that calls of services and commands timd
// does not serve are counted under their names from the path, so an operator sees what
// clients call, while a bound keeps clients from making a label per call: odd names, and
// names past the 64th, share the label unknown/other.
func TestMetricsCountUnknownCommandsByName(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{RateLimit: timtest.NoRateLimit})
	post := func(path string) {
		t.Helper()
		resp, err := s.Client().Post(s.URL+path+"?"+s.Query(s.Admin()), "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	post("/v4/nosuch_svc/sendmsg")
	post("/v4/nosuch_svc/sendmsg")
	post("/v4/group_open_http_svc/get_group_list")
	post("/v4/nosuch_svc/send%2Dmsg") // not plain
	post("/v4/x")                     // not a command path
	for _, tt := range []struct {
		pattern string
		want    float64
	}{
		{`timd_requests_total\{code="60009",command="nosuch_svc/sendmsg"\} (\S+)`, 2},
		{`timd_requests_total\{code="10003",command="group_open_http_svc/get_group_list"\} (\S+)`, 1},
		{`timd_requests_total\{code="60009",command="unknown/other"\} (\S+)`, 1},
		{`timd_requests_total\{code="60009",command="invalid"\} (\S+)`, 1},
	} {
		if got := scrape(t, s, tt.pattern); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.pattern, got, tt.want)
		}
	}
	for i := range 70 {
		post(fmt.Sprintf("/v4/nosuch_svc/cmd%d", i))
	}
	// 2 names so far, then 62 more of their own; the other 8 share one label.
	if got := scrape(t, s, `timd_requests_total\{code="60009",command="nosuch_svc/cmd61"\} (\S+)`); got != 1 {
		t.Errorf("the 64th unknown name: got %v, want its own label", got)
	}
	if got := scrape(t, s, `timd_requests_total\{code="60009",command="nosuch_svc/cmd62"\} (\S+)`); got != -1 {
		t.Errorf("the 65th unknown name: got %v, want no label of its own", got)
	}
	if got := scrape(t, s, `timd_requests_total\{code="60009",command="unknown/other"\} (\S+)`); got != 9 {
		t.Errorf("unknown/other: got %v, want 9", got)
	}
	post("/v4/nosuch_svc/sendmsg") // a name with a label keeps it
	if got := scrape(t, s, `timd_requests_total\{code="60009",command="nosuch_svc/sendmsg"\} (\S+)`); got != 3 {
		t.Errorf("nosuch_svc/sendmsg after the bound: got %v, want 3", got)
	}
}
