package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// outboxScenarios check Enqueue, ClaimEvents, DeleteEvent, RetryEvent and CountEvents.
var outboxScenarios = []scenario{
	{"Outbox/RoundTrip", testOutboxRoundTrip},
	{"Outbox/IDsIncrease", testOutboxIDsIncrease},
	{"Outbox/Rollback", testOutboxRollback},
	{"Outbox/NextAttempt", testOutboxNextAttempt},
	{"Outbox/Lease", testOutboxLease},
	{"Outbox/GroupOrder", testOutboxGroupOrder},
	{"Outbox/LimitAndOrder", testOutboxLimitAndOrder},
	{"Outbox/RetryAndDelete", testOutboxRetryAndDelete},
	{"Outbox/ViewWritesFail", testOutboxViewWritesFail},
	{"Outbox/SurvivesDestroyGroup", testOutboxSurvivesDestroyGroup},
	{"Concurrency/ClaimEvents", func(t *testing.T, s im.Store) { ClaimConcurrently(t, s, s) }},
}

// nowMS is the unix ms the outbox scenarios claim at, unless they move it on.
const nowMS int64 = 1_700_000_000_000

// event returns an event of app's group with its command, due at now.
func event(app uint64, group, command string) im.OutboxEntry {
	return im.OutboxEntry{
		App: app, Group: group, Command: command, ClientIP: "203.0.113.7",
		Body: []byte(`{"CallbackCommand":"` + command + `"}`), Created: nowMS - 5, NextAttempt: nowMS,
	}
}

// mustEnqueue enqueues es in one Update, in order.
func mustEnqueue(tb testing.TB, s im.Store, es ...im.OutboxEntry) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error {
		for _, e := range es {
			if err := tx.Enqueue(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// mustClaim claims up to limit events at at, leased until leaseUntil, in its own Update.
func mustClaim(tb testing.TB, s im.Store, at, leaseUntil int64, limit int) []im.OutboxEntry {
	tb.Helper()
	var es []im.OutboxEntry
	mustUpdateOutbox(tb, s, func(ctx context.Context, tx im.OutboxTx) (err error) {
		es, err = tx.ClaimEvents(ctx, at, leaseUntil, limit)
		return err
	})
	return es
}

// mustDeleteEvent deletes an event in its own Update.
func mustDeleteEvent(tb testing.TB, s im.Store, id int64) {
	tb.Helper()
	mustUpdateOutbox(tb, s, func(ctx context.Context, tx im.OutboxTx) error { return tx.DeleteEvent(ctx, id) })
}

// mustRetryEvent records a failed attempt in its own Update.
func mustRetryEvent(tb testing.TB, s im.Store, id int64, attempts int, next int64) {
	tb.Helper()
	mustUpdateOutbox(tb, s, func(ctx context.Context, tx im.OutboxTx) error { return tx.RetryEvent(ctx, id, attempts, next) })
}

// mustCountEvents counts the outbox in a View.
func mustCountEvents(tb testing.TB, s im.Store) int64 {
	tb.Helper()
	n, err := outbox(tb, s).CountOutbox(tb.Context())
	if err != nil {
		tb.Fatalf("CountOutbox: %v", err)
	}
	return n
}

// outbox returns s as an im.Outbox: every store is one.
func outbox(tb testing.TB, s im.Store) im.Outbox {
	tb.Helper()
	o, ok := s.(im.Outbox)
	if !ok {
		tb.Fatalf("%T does not implement im.Outbox", s)
	}
	return o
}

// mustUpdateOutbox runs fn in the store's UpdateOutbox and fails tb if it returns an error.
func mustUpdateOutbox(tb testing.TB, s im.Store, fn func(ctx context.Context, tx im.OutboxTx) error) {
	tb.Helper()
	if err := outbox(tb, s).UpdateOutbox(tb.Context(), fn); err != nil {
		tb.Fatalf("UpdateOutbox: %v", err)
	}
}

// commands returns the Command of each event, in order.
func commands(es []im.OutboxEntry) []string {
	cs := make([]string, 0, len(es))
	for _, e := range es {
		cs = append(cs, e.Command)
	}
	return cs
}

// checkClaim claims at at, leased until leaseUntil, and checks the commands claimed.
func checkClaim(tb testing.TB, s im.Store, when string, at, leaseUntil int64, want ...string) []im.OutboxEntry {
	tb.Helper()
	es := mustClaim(tb, s, at, leaseUntil, 100)
	if got := commands(es); !slices.Equal(got, want) {
		tb.Errorf("ClaimEvents %s: got %q, want %q", when, got, want)
	}
	return es
}

// byCommand returns the event of es with command c, failing tb if there is none.
func byCommand(tb testing.TB, es []im.OutboxEntry, c string) im.OutboxEntry {
	tb.Helper()
	for _, e := range es {
		if e.Command == c {
			return e
		}
	}
	tb.Fatalf("no event %q among %q", c, commands(es))
	return im.OutboxEntry{}
}

// testOutboxRoundTrip enqueues events with every field set (an SDKAppID with the high bit,
// a body of arbitrary bytes, fields Enqueue must ignore) and claims them back.
func testOutboxRoundTrip(t *testing.T, s im.Store) {
	const bigApp uint64 = 1<<63 + 1400000001
	e := im.OutboxEntry{
		App: bigApp, Group: "@TGS#2群✓", Command: "Group.CallbackAfterCreateGroup", ClientIP: "2001:db8::1",
		Body:    []byte("{\"k\":\"\x00\xff\xfe binary\"}"),
		Created: nowMS - 100, NextAttempt: nowMS - 50,
		ID: 1 << 40, Attempts: 9, LeaseUntil: nowMS + 1_000_000, // ignored
	}
	empty := event(app1, "g", "empty body")
	empty.Body = nil
	mustEnqueue(t, s, e, empty)
	if n := mustCountEvents(t, s); n != 2 {
		t.Errorf("CountEvents: got %d, want 2", n)
	}

	got := mustClaim(t, s, nowMS, nowMS+30_000, 10)
	if len(got) != 2 {
		t.Fatalf("ClaimEvents: got %d events, want 2 (Enqueue must ignore LeaseUntil)", len(got))
	}
	if got[0].ID <= 0 || got[0].ID == 1<<40 || got[1].ID <= got[0].ID {
		t.Errorf("IDs: got %d %d, want increasing ones the store assigns", got[0].ID, got[1].ID)
	}
	e.ID, e.Attempts, e.LeaseUntil = got[0].ID, 0, nowMS+30_000
	if d := diff(e, got[0]); d != "" {
		t.Errorf("claimed event (-want +got):\n%s", d)
	}
	empty.ID, empty.LeaseUntil = got[1].ID, nowMS+30_000
	if d := diff(empty, got[1]); d != "" {
		t.Errorf("claimed event with an empty body (-want +got):\n%s", d)
	}
}

// testOutboxIDsIncrease enqueues events of several apps and groups, in one Update and in
// several, and checks that their IDs follow the order of Enqueue, and that emptying the
// outbox does not let an ID be handed out again.
func testOutboxIDsIncrease(t *testing.T, s im.Store) {
	mustEnqueue(t, s, event(app1, "g1", "1"), event(app2, "g1", "2"), event(app1, "g2", "3"))
	mustEnqueue(t, s, event(app2, "g2", "4"))
	mustEnqueue(t, s, event(app1, "g3", "5"))
	es := checkClaim(t, s, "of five events in five groups", nowMS, nowMS+1000, "1", "2", "3", "4", "5")
	var last int64
	for _, e := range es {
		if e.ID <= last {
			t.Errorf("ID of event %s: got %d, want after %d", e.Command, e.ID, last)
		}
		last = e.ID
		mustDeleteEvent(t, s, e.ID)
	}
	if n := mustCountEvents(t, s); n != 0 {
		t.Fatalf("CountEvents after deleting all: got %d, want 0", n)
	}
	mustEnqueue(t, s, event(app1, "g1", "6"))
	es = checkClaim(t, s, "after emptying the outbox", nowMS, nowMS+1000, "6")
	if len(es) == 1 && es[0].ID <= last {
		t.Errorf("ID after emptying the outbox: got %d, want after %d (IDs are never reused)", es[0].ID, last)
	}
}

// testOutboxRollback checks that the outbox is part of the Update's transaction: an event
// enqueued, a claim, a retry or a delete in an Update that fails leaves nothing behind.
func testOutboxRollback(t *testing.T, s im.Store) {
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		if err := tx.CreateGroup(ctx, newGroup(app1, "g")); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, event(app1, "g", "created")); err != nil {
			return err
		}
		return errBoom
	})
	if err != errBoom {
		t.Fatalf("Update: got %v, want fn's error", err)
	}
	if n := mustCountEvents(t, s); n != 0 {
		t.Errorf("CountEvents after a rolled-back Enqueue: got %d, want 0", n)
	}
	if _, err := getGroup(t, s, app1, "g"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetGroup after the rolled-back Update: got %v, want ErrNotFound", err)
	}
	checkClaim(t, s, "after a rolled-back Enqueue", nowMS, nowMS+1000)

	// A claim, and a retry or delete after it, in an Update that fails: the event is back
	// as it was, unleased.
	mustEnqueue(t, s, event(app1, "g", "kept"))
	for _, name := range []string{"ClaimEvents", "RetryEvent", "DeleteEvent"} {
		err := outbox(t, s).UpdateOutbox(t.Context(), func(ctx context.Context, tx im.OutboxTx) error {
			es, err := tx.ClaimEvents(ctx, nowMS, nowMS+1000, 1)
			if err != nil {
				return err
			}
			if len(es) != 1 {
				t.Errorf("ClaimEvents in the Update with %s: got %q, want [kept]", name, commands(es))
				return errBoom
			}
			switch name {
			case "RetryEvent":
				err = tx.RetryEvent(ctx, es[0].ID, 5, nowMS+1000)
			case "DeleteEvent":
				err = tx.DeleteEvent(ctx, es[0].ID)
			}
			if err != nil {
				return err
			}
			return errBoom
		})
		if err != errBoom {
			t.Fatalf("Update with %s: got %v, want fn's error", name, err)
		}
		es := checkClaim(t, s, "after a rolled-back "+name, nowMS, nowMS+1000, "kept")
		if len(es) != 1 {
			t.FailNow()
		}
		if es[0].Attempts != 0 || es[0].NextAttempt != nowMS {
			t.Errorf("after a rolled-back %s: got Attempts %d NextAttempt %d, want 0 %d", name, es[0].Attempts, es[0].NextAttempt, nowMS)
		}
		mustRetryEvent(t, s, es[0].ID, 0, nowMS) // end the lease for the next round
	}
}

// testOutboxNextAttempt checks that an event is claimable from its NextAttempt on.
func testOutboxNextAttempt(t *testing.T, s im.Store) {
	later, due, past := event(app1, "a", "later"), event(app1, "b", "due"), event(app1, "c", "past")
	later.NextAttempt, past.NextAttempt = nowMS+10, 0
	mustEnqueue(t, s, later, due, past)
	checkClaim(t, s, "at now", nowMS, nowMS+1000, "due", "past")
	checkClaim(t, s, "just before NextAttempt", nowMS+9, nowMS+1000)
	es := checkClaim(t, s, "at NextAttempt", nowMS+10, nowMS+1000, "later")
	if len(es) == 1 && es[0].NextAttempt != nowMS+10 {
		t.Errorf("NextAttempt of the claimed event: got %d, want %d", es[0].NextAttempt, nowMS+10)
	}
}

// testOutboxLease checks that a claimed event is not claimable before its lease ends, is
// claimable from then on, and that RetryEvent ends the lease.
func testOutboxLease(t *testing.T, s im.Store) {
	mustEnqueue(t, s, event(app1, "g", "e"))
	es := checkClaim(t, s, "at now", nowMS, nowMS+100, "e")
	if len(es) != 1 {
		t.FailNow()
	}
	id := es[0].ID
	if es[0].LeaseUntil != nowMS+100 {
		t.Errorf("LeaseUntil: got %d, want %d", es[0].LeaseUntil, nowMS+100)
	}
	checkClaim(t, s, "at now again", nowMS, nowMS+100)
	checkClaim(t, s, "just before the lease ends", nowMS+99, nowMS+200)
	es = checkClaim(t, s, "when the lease ends", nowMS+100, nowMS+200, "e")
	if len(es) == 1 && (es[0].ID != id || es[0].LeaseUntil != nowMS+200) {
		t.Errorf("re-claimed event: got ID %d LeaseUntil %d, want %d %d", es[0].ID, es[0].LeaseUntil, id, nowMS+200)
	}
	checkClaim(t, s, "within the new lease", nowMS+150, nowMS+300)

	mustRetryEvent(t, s, id, 1, nowMS+150)
	es = checkClaim(t, s, "after RetryEvent, at its NextAttempt", nowMS+150, nowMS+400, "e")
	if len(es) == 1 && (es[0].Attempts != 1 || es[0].NextAttempt != nowMS+150 || es[0].LeaseUntil != nowMS+400) {
		t.Errorf("retried event: got Attempts %d NextAttempt %d LeaseUntil %d, want 1 %d %d",
			es[0].Attempts, es[0].NextAttempt, es[0].LeaseUntil, nowMS+150, nowMS+400)
	}
}

// testOutboxGroupOrder checks that a group's events are claimed one at a time, in ID order:
// an event is held back while an older event of its (App, Group) is in the outbox, leased
// or waiting for its next attempt; other groups' events, and the same group ID in another
// app, are not.
func testOutboxGroupOrder(t *testing.T, s im.Store) {
	mustEnqueue(t, s, event(app1, "g", "g1"), event(app1, "g", "g2"), event(app1, "h", "h1"))
	mustEnqueue(t, s, event(app2, "g", "app2 g1"), event(app1, "g", "g3"))
	es := checkClaim(t, s, "at first", nowMS, nowMS+1000, "g1", "h1", "app2 g1")
	if len(es) != 3 {
		t.FailNow()
	}
	g1 := byCommand(t, es, "g1")
	checkClaim(t, s, "while g1 is leased", nowMS, nowMS+1000)

	mustRetryEvent(t, s, g1.ID, 1, nowMS+50)
	checkClaim(t, s, "while g1 waits for its next attempt", nowMS+10, nowMS+1000)
	checkClaim(t, s, "when g1 is due again", nowMS+50, nowMS+1000, "g1")

	mustDeleteEvent(t, s, g1.ID)
	es = checkClaim(t, s, "after g1 is deleted", nowMS+50, nowMS+1000, "g2")
	mustDeleteEvent(t, s, byCommand(t, es, "g2").ID)
	checkClaim(t, s, "after g2 is deleted", nowMS+50, nowMS+1000, "g3")
}

// testOutboxLimitAndOrder checks that a claim takes at most limit events, the oldest first,
// and returns them in ID order.
func testOutboxLimitAndOrder(t *testing.T, s im.Store) {
	var all []im.OutboxEntry
	for i := range 5 {
		all = append(all, event(app1, fmt.Sprintf("g%d", 4-i), strconv.Itoa(i)))
	}
	mustEnqueue(t, s, all...)
	for _, want := range [][]string{{"0", "1"}, {"2", "3"}, {"4"}, nil} {
		if got := commands(mustClaim(t, s, nowMS, nowMS+1000, 2)); !slices.Equal(got, want) {
			t.Errorf("ClaimEvents limit 2: got %q, want %q", got, want)
		}
	}
	mustEnqueue(t, s, event(app1, "x", "5"))
	if got := mustClaim(t, s, nowMS, nowMS+1000, 0); len(got) != 0 {
		t.Errorf("ClaimEvents limit 0: got %q, want none", commands(got))
	}
	checkClaim(t, s, "after a claim of limit 0", nowMS, nowMS+1000, "5")
}

// testOutboxRetryAndDelete checks RetryEvent and DeleteEvent of present and missing
// events, CountEvents, and that ErrNotFound leaves the transaction usable.
func testOutboxRetryAndDelete(t *testing.T, s im.Store) {
	mustEnqueue(t, s, event(app1, "g", "a"), event(app1, "h", "b"))
	es := mustClaim(t, s, nowMS, nowMS+1000, 10)
	if len(es) != 2 {
		t.Fatalf("ClaimEvents: got %q, want [a b]", commands(es))
	}
	a, b := es[0], es[1]
	mustDeleteEvent(t, s, a.ID)
	if n := mustCountEvents(t, s); n != 1 {
		t.Errorf("CountEvents after DeleteEvent: got %d, want 1", n)
	}
	mustUpdateOutbox(t, s, func(ctx context.Context, tx im.OutboxTx) error {
		if err := tx.DeleteEvent(ctx, a.ID); err != nil {
			t.Errorf("DeleteEvent of a deleted event: got %v, want nil", err)
		}
		if err := tx.DeleteEvent(ctx, 1<<50); err != nil {
			t.Errorf("DeleteEvent of an unknown ID: got %v, want nil", err)
		}
		if err := tx.RetryEvent(ctx, a.ID, 1, nowMS); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("RetryEvent of a deleted event: got %v, want ErrNotFound", err)
		}
		// The transaction goes on after ErrNotFound.
		return tx.RetryEvent(ctx, b.ID, 3, nowMS+7)
	})
	if n := mustCountEvents(t, s); n != 1 {
		t.Errorf("CountOutbox after the retry: got %d, want 1", n)
	}
	mustEnqueue(t, s, event(app1, "g", "c"))
	if n := mustCountEvents(t, s); n != 2 {
		t.Errorf("CountEvents after the Update: got %d, want 2", n)
	}
	es = checkClaim(t, s, "after the Update", nowMS+7, nowMS+1000, "b", "c")
	if len(es) == 2 && (es[0].Attempts != 3 || es[0].NextAttempt != nowMS+7) {
		t.Errorf("retried event: got Attempts %d NextAttempt %d, want 3 %d", es[0].Attempts, es[0].NextAttempt, nowMS+7)
	}
}

// testOutboxViewWritesFail checks that Enqueue fails in a View and leaves the outbox
// unchanged; the other outbox writes exist only in UpdateOutbox.
func testOutboxViewWritesFail(t *testing.T, s im.Store) {
	mustEnqueue(t, s, event(app1, "g", "e"))
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.Enqueue(ctx, event(app1, "h", "x")); err == nil {
			t.Errorf("Enqueue in View: got nil error, want an error")
		}
		return nil
	})
	if n := mustCountEvents(t, s); n != 1 {
		t.Errorf("CountOutbox after a View write: got %d, want 1", n)
	}
	checkClaim(t, s, "after a View write", nowMS, nowMS+1000, "e")
}

// testOutboxSurvivesDestroyGroup checks that destroying a group, or deleting an account,
// leaves the group's events in the outbox: the callback reporting a destruction is
// enqueued in the destroying transaction.
func testOutboxSurvivesDestroyGroup(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "u"})
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAddMembers(t, s, app1, newMember("g", "u", im.RoleOwner))
	mustEnqueue(t, s, event(app1, "g", "created"))
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.DeleteAccount(ctx, app1, "u"); err != nil {
			return err
		}
		if err := tx.DestroyGroup(ctx, app1, "g"); err != nil {
			return err
		}
		return tx.Enqueue(ctx, event(app1, "g", "destroyed"))
	})
	es := checkClaim(t, s, "after DestroyGroup", nowMS, nowMS+1000, "created")
	if len(es) != 1 {
		t.FailNow()
	}
	mustDeleteEvent(t, s, es[0].ID)
	checkClaim(t, s, "after the first is delivered", nowMS, nowMS+1000, "destroyed")
}

// ClaimConcurrently checks claims made at once: it enqueues 200 events in 20 groups through
// stores[0], group after group, then claims from one goroutine per entry of stores (list a store twice for two
// claimers on one store, or list stores that share a database for replicas), each one
// delivering what it claimed by deleting it, or, once for some events, by RetryEvent to
// have it claimed again. Every claim leases for an hour, so no event may be claimed while
// another claimer holds it; and a group's events must be claimed in ID order, none while
// an older one is still claimed. The claimers stop at the first violation, and when no
// event has been claimable for 10s.
func ClaimConcurrently(t *testing.T, stores ...im.Store) {
	const groups, perGroup, limit = 20, 10, 7
	const lease = nowMS + 3_600_000
	const stall = 10 * time.Second
	// Group by group, so the IDs a claim would take first, were it to ignore the older
	// events of a group, are those of one group.
	var all []im.OutboxEntry
	for g := range groups {
		for i := range perGroup {
			all = append(all, event(app1, fmt.Sprintf("g%02d", g), strconv.Itoa(i)))
		}
	}
	mustEnqueue(t, stores[0], all...)

	var (
		mu       sync.Mutex
		held     = make(map[int64]bool)  // events claimed and not yet released
		next     = make(map[string]int)  // index of the event each group must give next
		inFlight = make(map[string]bool) // groups with an event claimed and not yet released
		claims   = make(map[int64]int)   // times each event was claimed
		retried  = make(map[int64]bool)  // events released by RetryEvent
		done     int                     // events deleted
		stop     bool                    // a claimer found a violation or gave up
		progress = time.Now()            // when a claim last got events
	)
	// fail reports a violation and stops every claimer; mu must be held.
	fail := func(format string, args ...any) {
		t.Errorf(format, args...)
		stop = true
	}
	// claimed records es, claimed by claimer c, and reports which to retry.
	claimed := func(c int, es []im.OutboxEntry) (retry []im.OutboxEntry) {
		mu.Lock()
		defer mu.Unlock()
		progress = time.Now()
		if len(es) > limit {
			fail("claimer %d: claimed %d events, limit %d", c, len(es), limit)
		}
		for i, e := range es {
			if i > 0 && e.ID <= es[i-1].ID {
				fail("claimer %d: events not in ID order: %d after %d", c, e.ID, es[i-1].ID)
			}
			claims[e.ID]++
			if held[e.ID] {
				fail("claimer %d: event %d (%s #%s) claimed while another claimer holds its lease", c, e.ID, e.Group, e.Command)
			} else if inFlight[e.Group] {
				fail("claimer %d: event %s #%s claimed while an older event of its group is claimed", c, e.Group, e.Command)
			}
			if want := strconv.Itoa(next[e.Group]); e.Command != want {
				fail("claimer %d: group %s gave event #%s, want #%s", c, e.Group, e.Command, want)
			}
			held[e.ID], inFlight[e.Group] = true, true
			next[e.Group]++
			if i, _ := strconv.Atoi(e.Command); i%4 == 3 && !retried[e.ID] {
				retried[e.ID] = true
				retry = append(retry, e)
			}
		}
		return retry
	}
	// release marks es as no longer claimed, before they are deleted or retried: a claim
	// of the group's next event may follow the commit at once.
	release := func(es []im.OutboxEntry, retry bool) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range es {
			held[e.ID], inFlight[e.Group] = false, false
			if retry {
				next[e.Group]-- // the same event comes again
			}
		}
	}
	// stopped reports whether the claimers are done: every event delivered, or stop. It
	// stops them when no claim has got events for too long.
	stopped := func(c int) bool {
		mu.Lock()
		defer mu.Unlock()
		if !stop && done < len(all) && time.Since(progress) > stall {
			fail("claimer %d: no event claimable for %v, %d of %d delivered", c, stall, done, len(all))
		}
		return stop || done >= len(all)
	}

	ctx := t.Context()
	var wg sync.WaitGroup
	for c, s := range stores {
		wg.Go(func() {
			for !stopped(c) {
				var es []im.OutboxEntry
				err := outbox(t, s).UpdateOutbox(ctx, func(ctx context.Context, tx im.OutboxTx) (err error) {
					es, err = tx.ClaimEvents(ctx, nowMS, lease, limit)
					return err
				})
				if err != nil {
					mu.Lock()
					fail("claimer %d: ClaimEvents: %v", c, err)
					mu.Unlock()
					return
				}
				if len(es) == 0 {
					time.Sleep(time.Millisecond)
					continue
				}
				retry := claimed(c, es)
				var deliver []im.OutboxEntry
				for _, e := range es {
					if !slices.ContainsFunc(retry, func(r im.OutboxEntry) bool { return r.ID == e.ID }) {
						deliver = append(deliver, e)
					}
				}
				release(retry, true)
				release(deliver, false)
				err = outbox(t, s).UpdateOutbox(ctx, func(ctx context.Context, tx im.OutboxTx) error {
					for _, e := range retry {
						if err := tx.RetryEvent(ctx, e.ID, e.Attempts+1, nowMS); err != nil {
							return err
						}
					}
					for _, e := range deliver {
						if err := tx.DeleteEvent(ctx, e.ID); err != nil {
							return err
						}
					}
					return nil
				})
				mu.Lock()
				if err != nil {
					fail("claimer %d: delivering: %v", c, err)
				}
				done += len(deliver)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if len(claims) != len(all) {
		t.Errorf("events claimed: got %d, want %d", len(claims), len(all))
	}
	for id, n := range claims {
		want := 1
		if retried[id] {
			want = 2
		}
		if n != want {
			t.Errorf("event %d claimed %d times, want %d", id, n, want)
		}
	}
	if n := mustCountEvents(t, stores[0]); n != 0 {
		t.Errorf("CountEvents after delivering all: got %d, want 0", n)
	}
}
