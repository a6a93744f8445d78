package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/webhook"
	"github.com/timdhq/timd/timtest"
)

// The after-callback delivery rules of docs/compatibility.md §7, black-box, on the store
// the environment selects: order within a group under failures and retries, groups
// interleaving, and the events dropped (too old, or callbacks turned off) and counted.

// flakyReceiver answers after-callbacks with 500 at every failEvery-th attempt (never
// when 0) and records the Introduction of each AfterGroupInfoChanged attempt by group.
type flakyReceiver struct {
	srv       *httptest.Server
	failEvery int

	mu       sync.Mutex
	attempts int
	intros   map[string][]string // group -> Introductions in order of arrival
	ok       map[string][]string // the same, of the attempts answered 200
}

func newFlakyReceiver(t *testing.T, failEvery int) *flakyReceiver {
	t.Helper()
	rc := &flakyReceiver{failEvery: failEvery, intros: map[string][]string{}, ok: map[string][]string{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			GroupID      string `json:"GroupId"`
			Introduction *string
		}
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &body)
		rc.mu.Lock()
		rc.attempts++
		fail := rc.failEvery > 0 && rc.attempts%rc.failEvery == 0
		isInfo := r.URL.Query().Get("CallbackCommand") == webhook.AfterGroupInfoChanged && body.Introduction != nil
		if isInfo {
			rc.intros[body.GroupID] = append(rc.intros[body.GroupID], *body.Introduction)
			if !fail {
				rc.ok[body.GroupID] = append(rc.ok[body.GroupID], *body.Introduction)
			}
		}
		rc.mu.Unlock()
		if fail {
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, cbOK)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// delivered returns the Introductions of group answered 200, in order of arrival.
func (rc *flakyReceiver) delivered(group string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.ok[group]...)
}

// TestCallbackOrderPerGroupUnderRetries pins §7: the callbacks of one group arrive in the
// order of its changes, a failed one retried before any later one of its group is sent,
// while groups interleave.
func TestCallbackOrderPerGroupUnderRetries(t *testing.T) {
	rc := newFlakyReceiver(t, 3)
	dbg := &syncLog{}
	defer func() {
		if t.Failed() {
			t.Log(dbg.String())
		}
	}()
	s := timtest.NewServer(t, &timtest.Options{Logger: slog.New(slog.NewTextHandler(dbg, &slog.HandlerOptions{Level: slog.LevelDebug})), Configure: func(c *config.Config) {
		c.Apps[0].RateLimits = config.RateLimits{}
		c.Apps[0].Callback = webhook.Config{URL: rc.srv.URL, RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond}
	}})
	groups := []string{"ga", "gb", "gc"}
	for _, g := range groups {
		s.MustOK(t, cmdCreate, map[string]any{"GroupId": g, "Type": "Public", "Name": g})
	}
	const changes = 15
	for i := range changes {
		for _, g := range groups {
			s.MustOK(t, cmdBase, map[string]any{"GroupId": g, "Introduction": fmt.Sprintf("%s-%02d", g, i)})
		}
	}
	deadline := time.Now().Add(waitTimeout)
	for _, g := range groups {
		for len(rc.delivered(g)) < changes {
			if time.Now().After(deadline) {
				t.Fatalf("group %s: %d of %d callbacks delivered within %v", g, len(rc.delivered(g)), changes, waitTimeout)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, g := range groups {
		// Every attempt, failed ones included, is at or after the last one sent: a later
		// change never overtakes an earlier one that is still being retried.
		seq := rc.intros[g]
		for i := 1; i < len(seq); i++ {
			if seq[i] < seq[i-1] {
				t.Errorf("group %s: %s arrived after %s (attempts in order: %q)", g, seq[i], seq[i-1], seq)
				break
			}
		}
		if got := rc.ok[g]; len(got) != changes || got[0] != g+"-00" || got[changes-1] != fmt.Sprintf("%s-%02d", g, changes-1) {
			t.Errorf("group %s: delivered %q, want each change once, in order", g, got)
		}
	}
	if rc.attempts < changes*len(groups)*3/2 {
		t.Errorf("%d attempts for %d callbacks with every third failing, want retries", rc.attempts, changes*len(groups))
	}
}

// outcomes returns the sum of timd_callbacks_total for outcome.
func outcomes(t *testing.T, url, outcome string) float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	total := 0.0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "timd_callbacks_total{") && strings.Contains(line, `outcome="`+outcome+`"`) {
			v, _ := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
			total += v
		}
	}
	return total
}

// TestCallbackDropped pins §7: an event is dropped, and counted, when it is older than
// GiveUpAfter, or when its app's callback URL or that callback command has been turned
// off by the time it would be sent (here, across a restart on the same store).
func TestCallbackDropped(t *testing.T) {
	st := envStore(t)
	down := newFlakyReceiver(t, 1) // every attempt fails
	start := func(t *testing.T, cb webhook.Config) (string, func()) {
		t.Helper()
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		cfg.Apps[0].SecretKey = testKey
		cfg.Apps[0].RateLimits = config.RateLimits{}
		cfg.Apps[0].Callback = cb
		srv, err := server.New(context.Background(), cfg, server.Options{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv.Handler())
		return hs.URL, func() { hs.Close(); _ = srv.Shutdown(context.Background()) }
	}
	// waitOutcome waits until /metrics counts n events of outcome.
	waitOutcome := func(t *testing.T, url, outcome string, n float64) {
		t.Helper()
		deadline := time.Now().Add(waitTimeout)
		for outcomes(t, url, outcome) < n {
			if time.Now().After(deadline) {
				t.Fatalf("timd_callbacks_total %s: %v within %v, want %v", outcome, outcomes(t, url, outcome), waitTimeout, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	createGroup := func(t *testing.T, url, id string) {
		t.Helper()
		r := (&readyServer{url: url}).call(t, "group_open_http_svc/create_group", fmt.Sprintf(`{"GroupId":%q,"Type":"Public","Name":"g"}`, id))
		if r != 0 {
			t.Fatalf("create_group %s: ErrorCode %d", id, r)
		}
	}
	failing := webhook.Config{URL: down.srv.URL, RetryMin: 5 * time.Millisecond, RetryMax: 10 * time.Millisecond}

	t.Run("older than GiveUpAfter", func(t *testing.T) {
		cb := failing
		cb.GiveUpAfter = 200 * time.Millisecond
		url, stop := start(t, cb)
		defer stop()
		createGroup(t, url, "old")
		waitOutcome(t, url, "abandoned", 1)
		if n := outcomes(t, url, "delivered"); n != 0 {
			t.Errorf("delivered: %v, want 0", n)
		}
	})
	for _, tt := range []struct {
		name  string
		after webhook.Config
	}{
		{"URL turned off", webhook.Config{}},
		{"command turned off", webhook.Config{URL: down.srv.URL, Commands: []string{webhook.AfterGroupDestroyed}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url, stop := start(t, failing)
			createGroup(t, url, "g-"+strings.ReplaceAll(tt.name, " ", "-"))
			waitOutcome(t, url, "failed", 1)
			stop()
			url, stop = start(t, tt.after)
			defer stop()
			waitOutcome(t, url, "dropped", 1)
			deadline := time.Now().Add(waitTimeout)
			for outboxDepth(t, url) != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("outbox depth %v after the restart, want the event dropped", outboxDepth(t, url))
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// outboxDepth returns timd_callback_outbox_depth.
func outboxDepth(t *testing.T, url string) float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "timd_callback_outbox_depth "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return -1
}
