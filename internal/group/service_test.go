package group_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/sqlite"
)

// The rules' own tests call the service directly, with typed requests, on a real SQLite
// store in a temporary directory. One store serves the whole package: each test gets an
// app of its own, and data of different apps never mix. The wire (JSON names, the
// envelope) is tested in internal/httpapi.

var (
	sharedStore *sqlite.DB
	nextApp     atomic.Uint64
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "timd-group-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Durability is not what these tests check: the crash tests do that.
	sharedStore, err = sqlite.Open(context.Background(), filepath.Join(dir, "timd.db"), sqlite.Options{Synchronous: "OFF"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	nextApp.Store(1400000000)
	code := m.Run()
	sharedStore.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// clock is a movable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// advance moves the clock forward by d.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recorder is an im.Events that hears everything: it records the change events that
// commit and answers Ask events with verdict.
type recorder struct {
	mu       sync.Mutex
	pending  []im.Event // recorded in a transaction not known to have committed
	recorded []im.Event
	asked    []im.Event
	verdict  im.Verdict
	deaf     bool // the app listens to no event
}

func (r *recorder) Wants(uint64, im.EventKind) bool { return !r.deaf }

func (r *recorder) Ask(_ context.Context, _ im.Caller, ev im.Event) (im.Verdict, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, ev)
	return r.verdict, nil
}

func (r *recorder) Record(_ context.Context, _ im.Tx, _ im.Caller, ev im.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(r.pending, ev)
	return nil
}

func (r *recorder) Committed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recorded = append(r.recorded, r.pending...)
	r.pending = nil
}

// take returns the committed events and forgets them; events of a transaction that
// failed are dropped.
func (r *recorder) take() []im.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.recorded
	r.recorded, r.pending = nil, nil
	return out
}

// env is one test's app on the shared store.
type env struct {
	svc    *group.Service
	caller im.Caller
	clock  *clock
	events *recorder
}

// newEnv returns a service for a new app with member fields Level and Team, group field
// Topic, and the accounts given imported.
func newEnv(tb testing.TB, accounts ...string) *env {
	tb.Helper()
	app := &im.App{
		SDKAppID: nextApp.Add(1), Admins: []string{"admin"},
		MemberFields: []string{"Level", "Team"}, GroupFields: []string{"Topic"}, Limits: im.DefaultLimits(),
		Messages: im.DefaultMessageSettings(), Features: im.DefaultFeatures(),
	}
	e := &env{
		caller: im.Caller{App: app, Identifier: "admin", ClientIP: "192.0.2.1"},
		clock:  &clock{now: time.Unix(1_800_000_000, 0)},
		events: &recorder{},
	}
	e.svc = group.New(sharedStore, group.Options{Clock: e.clock, Events: e.events})
	err := sharedStore.Update(tb.Context(), func(ctx context.Context, tx im.Tx) error {
		for _, a := range accounts {
			if err := tx.PutAccount(ctx, im.Account{App: app.SDKAppID, UserID: a}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("import accounts: %v", err)
	}
	return e
}

// mustCreate creates a group of type t owned by owner with members, and returns its ID.
func (e *env) mustCreate(tb testing.TB, t im.GroupType, owner string, members ...string) string {
	tb.Helper()
	r := group.CreateRequest{Type: string(t), Name: "g", Owner: owner}
	if t == im.TypeAVChatRoom {
		members = nil
	}
	for _, m := range members {
		r.Members = append(r.Members, group.NewMember{Account: m})
	}
	c, err := e.svc.CreateGroup(tb.Context(), e.caller, r)
	if err != nil {
		tb.Fatalf("create %s group: %v", t, err)
	}
	e.events.take()
	return c.GroupID
}

// wantCode fails tb unless err carries code.
func wantCode(tb testing.TB, what string, err error, code im.Code) {
	tb.Helper()
	if got := im.CodeOf(err); got != code {
		tb.Fatalf("%s: got code %d (%v), want %d", what, got, err, code)
	}
}

// member returns account's membership of groupID as the rules read it.
func (e *env) member(tb testing.TB, groupID, account string) im.Member {
	tb.Helper()
	ms, err := e.svc.SpecifiedMembers(tb.Context(), e.caller, groupID, []string{account})
	if err != nil || len(ms) != 1 {
		tb.Fatalf("read member %q of %q: %v (%d found)", account, groupID, err, len(ms))
	}
	return ms[0]
}

func ptr[T any](v T) *T { return &v }
