package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/sqlite"
	"github.com/timdhq/timd/internal/webhook"
)

// outboxStore is a store with its outbox, as both stores are.
type outboxStore interface {
	im.Store
	im.Outbox
}

// MustStore opens a SQLite store in a temporary directory; it closes when the test ends.
func MustStore(tb testing.TB) *sqlite.DB {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "timd.db"), sqlite.Options{})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// event is the body the Deliverer tests enqueue: which group, and its place in the group.
type event struct {
	CallbackCommand string
	GroupID         string `json:"GroupId"`
	Seq             int
}

// MustEnqueue writes an event of group with sequence number seq to the outbox.
func MustEnqueue(tb testing.TB, st outboxStore, app uint64, group string, seq int) {
	tb.Helper()
	body, _ := json.Marshal(event{CallbackCommand: webhook.AfterGroupInfoChanged, GroupID: group, Seq: seq})
	err := st.Update(context.Background(), func(ctx context.Context, tx im.Tx) error {
		return tx.Enqueue(ctx, im.OutboxEntry{
			App: app, Group: group, Command: webhook.AfterGroupInfoChanged, ClientIP: "198.51.100.4",
			Body: body, Created: time.Now().UnixMilli(), NextAttempt: 0,
		})
	})
	if err != nil {
		tb.Fatalf("enqueue: %v", err)
	}
}

// depth returns the number of events in the outbox.
func depth(tb testing.TB, st outboxStore) int64 {
	tb.Helper()
	n, err := st.CountOutbox(context.Background())
	if err != nil {
		tb.Fatalf("count events: %v", err)
	}
	return n
}

// mustDrain waits up to d for the outbox to empty.
func mustDrain(tb testing.TB, st outboxStore, d time.Duration) {
	tb.Helper()
	if !waitFor(d, func() bool { return depth(tb, st) == 0 }) {
		tb.Fatalf("outbox still holds %d events after %v", depth(tb, st), d)
	}
}

// observer counts what a Deliverer reports.
type observer struct {
	mu                           sync.Mutex
	delivered, failed, abandoned int
}

func (o *observer) Delivered(string, time.Duration) { o.mu.Lock(); o.delivered++; o.mu.Unlock() }
func (o *observer) Failed(string)                   { o.mu.Lock(); o.failed++; o.mu.Unlock() }
func (o *observer) Abandoned(string)                { o.mu.Lock(); o.abandoned++; o.mu.Unlock() }
func (o *observer) Dropped(string)                  {}

func (o *observer) counts() [3]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return [3]int{o.delivered, o.failed, o.abandoned}
}

// run starts d until the test ends (or the returned stop is called) and returns stop,
// which waits for Run to return.
func run(tb testing.TB, d *webhook.Deliverer) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				tb.Errorf("Deliverer.Run still running 10s after its context ended")
			}
		})
	}
	tb.Cleanup(stop)
	return stop
}

// newDeliverer returns a Deliverer of st for one app with cfg, polling often.
func newDeliverer(st outboxStore, cfg webhook.Config, obs webhook.Observer) *webhook.Deliverer {
	return webhook.NewDeliverer(st, webhook.NewSender(nil, nil, nil), map[uint64]webhook.Config{testApp: cfg},
		webhook.DelivererOptions{Observer: obs, Poll: 20 * time.Millisecond})
}

// bodies decodes the events a receiver got.
func bodies(tb testing.TB, hits []hit) []event {
	tb.Helper()
	out := make([]event, len(hits))
	for i, h := range hits {
		if err := json.Unmarshal(h.Body, &out[i]); err != nil {
			tb.Fatalf("body %d is not JSON: %v: %s", i, err, h.Body)
		}
	}
	return out
}

func TestDelivererDeliversInOrderPerGroup(t *testing.T) {
	// Each answer takes a varying time, so that events sent out of order would show.
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		time.Sleep(time.Duration(n%4) * 3 * time.Millisecond)
		io.WriteString(w, okAnswer)
	})
	st := MustStore(t)
	const perGroup = 15
	groups := []string{"@TGS#2AAAAAAAA", "@TGS#2BBBBBBBB", "custom-3"}
	for seq := range perGroup {
		for _, g := range groups {
			MustEnqueue(t, st, testApp, g, seq)
		}
	}
	obs := &observer{}
	d := newDeliverer(st, webhook.Config{URL: rc.URL, Concurrency: 4}, obs)
	run(t, d)
	d.Notify()
	mustDrain(t, st, 10*time.Second)

	hits := rc.Hits()
	if len(hits) != perGroup*len(groups) {
		t.Errorf("the receiver got %d callbacks, want %d, each once", len(hits), perGroup*len(groups))
	}
	got := map[string][]int{}
	for _, e := range bodies(t, hits) {
		got[e.GroupID] = append(got[e.GroupID], e.Seq)
	}
	want := map[string][]int{}
	for _, g := range groups {
		for seq := range perGroup {
			want[g] = append(want[g], seq)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order per group mismatch (-want +got):\n%s", diff)
	}
	if c := obs.counts(); c != [3]int{perGroup * len(groups), 0, 0} {
		t.Errorf("observer got delivered, failed, abandoned = %v, want [%d 0 0]", c, perGroup*len(groups))
	}
	for _, h := range hits {
		if h.Query.Get("CallbackCommand") != webhook.AfterGroupInfoChanged || h.Query.Get("ClientIP") != "198.51.100.4" ||
			h.Query.Get("SdkAppid") != fmt.Sprint(testApp) {
			t.Fatalf("query %v: want the event's command, client IP and app", h.Query)
		}
	}
}

func TestDelivererRetriesAfterFailures(t *testing.T) {
	const failures = 3
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n <= failures {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		io.WriteString(w, okAnswer)
	})
	st := MustStore(t)
	MustEnqueue(t, st, testApp, "g1", 0)
	MustEnqueue(t, st, testApp, "g1", 1) // held back until the first is delivered
	obs := &observer{}
	cfg := webhook.Config{URL: rc.URL, RetryMin: 10 * time.Millisecond, RetryMax: 40 * time.Millisecond}
	start := time.Now()
	run(t, newDeliverer(st, cfg, obs))
	mustDrain(t, st, 5*time.Second)
	t.Logf("delivered after %d failures in %v", failures, time.Since(start))

	var seqs []int
	for _, e := range bodies(t, rc.Hits()) {
		seqs = append(seqs, e.Seq)
	}
	if diff := cmp.Diff([]int{0, 0, 0, 0, 1}, seqs); diff != "" {
		t.Errorf("attempts mismatch (-want +got):\n%s", diff)
	}
	if c := obs.counts(); c != [3]int{2, failures, 0} {
		t.Errorf("observer got delivered, failed, abandoned = %v, want [2 %d 0]", c, failures)
	}
}

func TestDelivererGivesUp(t *testing.T) {
	rc := newReceiver(t, answer(http.StatusInternalServerError, ""))
	st := MustStore(t)
	MustEnqueue(t, st, testApp, "g1", 0)
	MustEnqueue(t, st, testApp, "g1", 1)
	obs := &observer{}
	cfg := webhook.Config{URL: rc.URL, GiveUpAfter: time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 10 * time.Millisecond}
	time.Sleep(2 * time.Millisecond) // the events are older than GiveUpAfter
	run(t, newDeliverer(st, cfg, obs))
	mustDrain(t, st, 5*time.Second)
	if c := obs.counts(); c != [3]int{0, 0, 2} {
		t.Errorf("observer got delivered, failed, abandoned = %v, want [0 0 2]", c)
	}
	if n := len(rc.Hits()); n != 2 {
		t.Errorf("the receiver got %d attempts, want 2 (one per event, then given up)", n)
	}
}

func TestDelivererRetriesUntilGiveUpAfter(t *testing.T) {
	rc := newReceiver(t, answer(http.StatusInternalServerError, ""))
	st := MustStore(t)
	MustEnqueue(t, st, testApp, "g1", 0)
	obs := &observer{}
	cfg := webhook.Config{URL: rc.URL, GiveUpAfter: 300 * time.Millisecond, RetryMin: 20 * time.Millisecond, RetryMax: 40 * time.Millisecond}
	start := time.Now()
	run(t, newDeliverer(st, cfg, obs))
	mustDrain(t, st, 5*time.Second)
	elapsed := time.Since(start)
	c := obs.counts()
	if c[2] != 1 || c[1] < 3 {
		t.Errorf("observer got delivered, failed, abandoned = %v, want several failures and one abandoned", c)
	}
	if elapsed < 300*time.Millisecond {
		t.Errorf("gave up after %v, want no sooner than GiveUpAfter 300ms", elapsed)
	}
}

func TestDelivererReleasesLeasesOnShutdown(t *testing.T) {
	var mu sync.Mutex
	hangs := true
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hangs
		mu.Unlock()
		if h {
			<-r.Context().Done()
			return
		}
		io.WriteString(w, okAnswer)
	})
	st := MustStore(t)
	MustEnqueue(t, st, testApp, "g1", 0)
	// A long timeout makes the default lease 4*10s+5s: an event left leased would wait
	// that long.
	cfg := webhook.Config{URL: rc.URL, Timeout: 10 * time.Second}
	stop := run(t, newDeliverer(st, cfg, nil))
	rc.mustArrive(t, 5*time.Second)
	stop()

	mu.Lock()
	hangs = false
	mu.Unlock()
	obs := &observer{}
	start := time.Now()
	run(t, newDeliverer(st, cfg, obs))
	mustDrain(t, st, 5*time.Second)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("the restarted deliverer took %v, want the released event sent at once", elapsed)
	}
	if n := len(rc.Hits()); n != 2 {
		t.Errorf("the receiver got %d requests, want 2 (the interrupted one and the delivery)", n)
	}
	if c := obs.counts(); c != [3]int{1, 0, 0} {
		t.Errorf("observer got delivered, failed, abandoned = %v, want [1 0 0]: an interrupted attempt is no failure", c)
	}
}

func TestDelivererConcurrencyLimit(t *testing.T) {
	const limit = 3
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		time.Sleep(30 * time.Millisecond)
		io.WriteString(w, okAnswer)
	})
	st := MustStore(t)
	for i := range 24 {
		MustEnqueue(t, st, testApp, fmt.Sprintf("g%d", i), 0)
	}
	run(t, newDeliverer(st, webhook.Config{URL: rc.URL, Concurrency: limit}, nil))
	mustDrain(t, st, 10*time.Second)
	if got := rc.MaxBusy(); got != limit {
		t.Errorf("at most %d callbacks were in flight at once, want exactly the limit %d", got, limit)
	}
	if n := len(rc.Hits()); n != 24 {
		t.Errorf("the receiver got %d callbacks, want 24", n)
	}
}

func TestDelivererConcurrencyPerApp(t *testing.T) {
	const other = 1400000001
	slow := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		time.Sleep(40 * time.Millisecond)
		io.WriteString(w, okAnswer)
	})
	fast := newReceiver(t, nil)
	st := MustStore(t)
	for i := range 12 {
		MustEnqueue(t, st, testApp, fmt.Sprintf("g%d", i), 0)
		MustEnqueue(t, st, other, fmt.Sprintf("g%d", i), 0)
	}
	configs := map[uint64]webhook.Config{
		testApp: {URL: slow.URL, Concurrency: 2},
		other:   {URL: fast.URL, Concurrency: 1},
	}
	d := webhook.NewDeliverer(st, webhook.NewSender(nil, nil, nil), configs, webhook.DelivererOptions{Poll: 20 * time.Millisecond})
	run(t, d)
	mustDrain(t, st, 10*time.Second)
	if got := slow.MaxBusy(); got > 2 {
		t.Errorf("app %d had %d callbacks in flight, over its limit 2", testApp, got)
	}
	if got := fast.MaxBusy(); got > 1 {
		t.Errorf("app %d had %d callbacks in flight, over its limit 1", other, got)
	}
	if len(slow.Hits()) != 12 || len(fast.Hits()) != 12 {
		t.Errorf("got %d and %d callbacks, want 12 each", len(slow.Hits()), len(fast.Hits()))
	}
}

// TestDelivererSendsOnceWhenAnAttemptOutlivesItsLease: an attempt that runs past its lease
// (as one waiting for its app's turn behind a slow endpoint can) must not be sent a second
// time by the same Deliverer.
func TestDelivererSendsOnceWhenAnAttemptOutlivesItsLease(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, okAnswer)
	})
	st := MustStore(t)
	MustEnqueue(t, st, testApp, "g1", 0)
	d := webhook.NewDeliverer(st, webhook.NewSender(nil, nil, nil), map[uint64]webhook.Config{testApp: {URL: rc.URL}},
		webhook.DelivererOptions{Lease: 50 * time.Millisecond, Poll: 10 * time.Millisecond})
	run(t, d)
	mustDrain(t, st, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	if n := len(rc.Hits()); n != 1 {
		t.Errorf("the receiver got the event %d times, want once", n)
	}
}

func TestDelivererDropsEventsOfCommandsTurnedOff(t *testing.T) {
	rc := newReceiver(t, nil)
	st := MustStore(t)
	MustEnqueue(t, st, testApp, "g1", 0)
	MustEnqueue(t, st, 1400000009, "g1", 0) // an app no longer configured
	cfg := webhook.Config{URL: rc.URL, Commands: []string{webhook.AfterCreateGroup}}
	d := webhook.NewDeliverer(st, webhook.NewSender(nil, nil, nil), map[uint64]webhook.Config{testApp: cfg},
		webhook.DelivererOptions{Poll: 10 * time.Millisecond})
	run(t, d)
	mustDrain(t, st, 5*time.Second)
	if n := len(rc.Hits()); n != 0 {
		t.Errorf("the receiver got %d callbacks of a command turned off, want 0", n)
	}
}

// TestDelivererSendsRunsInOrder fills one group with events, fails one in the middle of a
// run once, and checks that every event arrives, in order, the failed one twice and the
// others once: a run stops at its failure and gives the rest back. It logs how fast one
// group drains with runs and with one event per claim.
func TestDelivererSendsRunsInOrder(t *testing.T) {
	const n, failAt = 400, 150
	for _, runLen := range []int{1, 16} {
		t.Run(fmt.Sprintf("run=%d", runLen), func(t *testing.T) {
			var failed sync.Once
			var rc *receiver
			rc = newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
				var e event
				_ = json.Unmarshal(rc.Hits()[n-1].Body, &e) // the receiver has read the body
				fail := false
				if e.Seq == failAt {
					failed.Do(func() { fail = true })
				}
				if fail {
					w.WriteHeader(http.StatusInternalServerError)
					return
				}
				io.WriteString(w, okAnswer)
			})
			st := MustStore(t)
			for seq := range n {
				MustEnqueue(t, st, testApp, "g", seq)
			}
			cfg := webhook.Config{URL: rc.URL, RetryMin: 5 * time.Millisecond, RetryMax: 10 * time.Millisecond}
			d := webhook.NewDeliverer(st, webhook.NewSender(nil, nil, nil), map[uint64]webhook.Config{testApp: cfg},
				webhook.DelivererOptions{Poll: 20 * time.Millisecond, Run: runLen})
			start := time.Now()
			run(t, d)
			d.Notify()
			mustDrain(t, st, 30*time.Second)
			t.Logf("%d events of one group delivered in %v (%.0f/s)", n, time.Since(start), n/time.Since(start).Seconds())
			var got []int
			for _, e := range bodies(t, rc.Hits()) {
				got = append(got, e.Seq)
			}
			var want []int
			for seq := range n {
				want = append(want, seq)
				if seq == failAt {
					want = append(want, seq) // failed once, then sent again
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("deliveries (-want +got):\n%s", diff)
			}
		})
	}
}
