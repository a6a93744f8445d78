package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

var followerScenarios = []scenario{
	{"Outbox/LeaseFollowers", testLeaseFollowers},
}

// mustLeaseFollowers leases up to n followers of head at at, until leaseUntil.
func mustLeaseFollowers(tb testing.TB, s im.Store, head im.OutboxEntry, at, leaseUntil int64, n int) []im.OutboxEntry {
	tb.Helper()
	var es []im.OutboxEntry
	mustUpdateOutbox(tb, s, func(ctx context.Context, tx im.OutboxTx) (err error) {
		es, err = tx.LeaseFollowers(ctx, head, at, leaseUntil, n)
		return err
	})
	return es
}

// testLeaseFollowers checks that a claimed head's followers are leased as a run: in ID
// order, only of its own app and group, at most n, stopping before one still leased, and
// that a leased run keeps every event of it from other claims.
func testLeaseFollowers(t *testing.T, s im.Store) {
	mustEnqueue(t, s, event(app1, "g", "a1"), event(app1, "h", "b1"), event(app1, "g", "a2"),
		event(app2, "g", "other-app"), event(app1, "g", "a3"), event(app1, "g", "a4"))
	lease := nowMS + 1000
	heads := checkClaim(t, s, "the heads", nowMS, lease, "a1", "b1", "other-app")
	a1 := byCommand(t, heads, "a1")
	run := mustLeaseFollowers(t, s, a1, nowMS, lease, 2)
	if got := commands(run); !slices.Equal(got, []string{"a2", "a3"}) {
		t.Fatalf("followers of a1 (n 2): got %q, want [a2 a3]", got)
	}
	for _, e := range run {
		if e.LeaseUntil != lease {
			t.Errorf("follower %s: LeaseUntil %d, want %d", e.Command, e.LeaseUntil, lease)
		}
	}
	if got := mustLeaseFollowers(t, s, byCommand(t, heads, "b1"), nowMS, lease, 5); len(got) != 0 {
		t.Errorf("followers of b1, alone in its group: got %q, want none", commands(got))
	}
	mustDeleteEvent(t, s, a1.ID)
	checkClaim(t, s, "with a1 delivered but a2 and a3 still leased", nowMS, lease)
	// a4 follows a3, which is still leased: a run may not skip over it.
	if got := mustLeaseFollowers(t, s, a1, nowMS, lease, 5); len(got) != 0 {
		t.Errorf("followers before a leased one: got %q, want none", commands(got))
	}
	later := lease + 1
	heads = checkClaim(t, s, "after the leases ended", later, later+1000, "b1", "a2", "other-app")
	a2 := byCommand(t, heads, "a2")
	if got := commands(mustLeaseFollowers(t, s, a2, later, later+1000, 5)); !slices.Equal(got, []string{"a3", "a4"}) {
		t.Errorf("followers of a2 after the leases ended: got %q, want [a3 a4]", got)
	}
	if got := mustLeaseFollowers(t, s, a2, later, later+1000, 0); len(got) != 0 {
		t.Errorf("followers with n 0: got %q, want none", commands(got))
	}
}
