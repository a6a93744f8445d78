package server_test

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
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
