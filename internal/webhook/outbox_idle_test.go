package webhook_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/postgres"
	"github.com/timdhq/timd/internal/webhook"
)

// anyStore opens the store the environment selects, as timtest does: PostgreSQL in a
// fresh schema of TIMD_TEST_POSTGRES_DSN with TIMD_TEST_STORE=postgres, else SQLite in a
// temporary directory. It closes when the test ends.
func anyStore(tb testing.TB) outboxStore {
	tb.Helper()
	ctx := context.Background()
	if os.Getenv("TIMD_TEST_STORE") != "postgres" {
		return MustStore(tb)
	}
	dsn, drop, err := postgres.NewTestSchema(ctx, os.Getenv("TIMD_TEST_POSTGRES_DSN"))
	if err != nil {
		tb.Fatalf("postgres test schema: %v", err)
	}
	tb.Cleanup(func() { _ = drop() })
	st, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 4})
	if err != nil {
		tb.Fatalf("open postgres store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// watchedStore counts the outbox's write transactions and fails them all while failing
// is set.
type watchedStore struct {
	outboxStore
	updates atomic.Int64
	failing atomic.Bool
}

var errDiskFull = errors.New("disk full (a test's failing store)")

func (s *watchedStore) UpdateOutbox(ctx context.Context, fn func(context.Context, im.OutboxTx) error) error {
	s.updates.Add(1)
	if s.failing.Load() {
		return errDiskFull
	}
	return s.outboxStore.UpdateOutbox(ctx, fn)
}

// TestDelivererIdleWithoutCallbackURL checks that a Deliverer of apps without a callback
// URL drops the events earlier runs left, those not yet due too, and then leaves the
// store alone until nudged, where one with a URL polls.
func TestDelivererIdleWithoutCallbackURL(t *testing.T) {
	base := anyStore(t)
	for i := range 3 {
		MustEnqueue(t, base, testApp, "left-over", i)
	}
	// And one whose retry falls due only later.
	err := base.Update(context.Background(), func(ctx context.Context, tx im.Tx) error {
		return tx.Enqueue(ctx, im.OutboxEntry{App: testApp, Group: "later", Command: webhook.AfterGroupInfoChanged,
			Body: []byte(`{}`), Created: time.Now().UnixMilli(), NextAttempt: time.Now().Add(300 * time.Millisecond).UnixMilli()})
	})
	if err != nil {
		t.Fatal(err)
	}
	st := &watchedStore{outboxStore: base}
	idle := webhook.NewDeliverer(st, webhook.NewSender(nil, nil, nil), map[uint64]webhook.Config{testApp: {}},
		webhook.DelivererOptions{Poll: 10 * time.Millisecond})
	stop := run(t, idle)
	mustDrain(t, base, 5*time.Second)
	time.Sleep(50 * time.Millisecond) // let the pass after the drain end
	before := st.updates.Load()
	time.Sleep(300 * time.Millisecond)
	if n := st.updates.Load() - before; n != 0 {
		t.Errorf("without a callback URL: %d store writes in 300ms of polling every 10ms, want none", n)
	}
	idle.Notify()
	if !waitFor(time.Second, func() bool { return st.updates.Load() > before }) {
		t.Errorf("without a callback URL: no pass after Notify")
	}
	stop()

	polling := &watchedStore{outboxStore: base}
	d := webhook.NewDeliverer(polling, webhook.NewSender(nil, nil, nil), map[uint64]webhook.Config{testApp: {URL: "http://127.0.0.1:1/cb"}},
		webhook.DelivererOptions{Poll: 10 * time.Millisecond})
	run(t, d)
	if !waitFor(5*time.Second, func() bool { return polling.updates.Load() >= 5 }) {
		t.Errorf("with a callback URL: %d claims in 5s of polling every 10ms, want it to poll", polling.updates.Load())
	}
}

// TestDelivererLogsStoreFailureOnce checks that a store the Deliverer cannot write is
// logged once as an error when the failure begins and once when it ends, not at every
// poll.
func TestDelivererLogsStoreFailureOnce(t *testing.T) {
	st := &watchedStore{outboxStore: anyStore(t)}
	log := &logBuffer{}
	st.failing.Store(true)
	d := webhook.NewDeliverer(st, webhook.NewSender(nil, nil, nil), map[uint64]webhook.Config{testApp: {URL: "http://127.0.0.1:1/cb"}},
		webhook.DelivererOptions{Poll: 5 * time.Millisecond, Logger: slog.New(slog.NewJSONHandler(log, nil))})
	run(t, d)
	count := func(msg string) int { return strings.Count(log.String(), msg) }
	const down, up = "the outbox cannot be written", "the outbox can be written again"
	if !waitFor(5*time.Second, func() bool { return st.updates.Load() > 20 }) {
		t.Fatalf("%d claims in 5s, want many", st.updates.Load())
	}
	if n := count(down); n != 1 || count(up) != 0 {
		t.Errorf("after %d failed claims: %d lines %q and %d %q, want 1 and 0:\n%s", st.updates.Load(), n, down, count(up), up, log)
	}
	st.failing.Store(false)
	if !waitFor(5*time.Second, func() bool { return count(up) == 1 }) {
		t.Fatalf("no %q line after the store recovered:\n%s", up, log)
	}
	if !strings.Contains(log.String(), `"failures":`) {
		t.Errorf("the recovery line does not count the failures:\n%s", log)
	}
	n := st.updates.Load()
	if !waitFor(5*time.Second, func() bool { return st.updates.Load() > n+20 }) {
		t.Fatalf("the Deliverer stopped polling")
	}
	if count(up) != 1 || count(down) != 1 {
		t.Errorf("after recovery: %d and %d lines, want one of each:\n%s", count(down), count(up), log)
	}
	st.failing.Store(true)
	if !waitFor(5*time.Second, func() bool { return count(down) == 2 }) {
		t.Errorf("a second outage: got %d %q lines, want 2:\n%s", count(down), down, log)
	}
}

// logBuffer is a log destination safe for concurrent writes.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
