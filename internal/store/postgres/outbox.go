package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
)

// Enqueue appends e to the outbox with the next ID of the identity (e.ID, e.Attempts and
// e.LeaseUntil are ignored). It is part of the Update's transaction: if the Update rolls
// back, so does the event.
//
// IDs come from a sequence, so they follow the order of the Enqueue calls, not of the
// commits. Two Updates that enqueue events of one group at once could therefore commit
// them out of ID order; the service enqueues a group's events under the group's row lock
// (GetGroup in the same Update), which orders them. The insert goes with the Update's
// next statement or its commit, still in the order of the calls.
func (t *tx) Enqueue(ctx context.Context, e im.OutboxEntry) error {
	if err := t.check(true); err != nil {
		return err
	}
	body := e.Body
	if body == nil {
		body = []byte{} // pgx sends a nil slice as NULL; body is NOT NULL
	}
	err := t.later(`INSERT INTO outbox (app, group_id, command, client_ip, body, created,
			attempts, next_attempt, lease_until)
		VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 0)`,
		appID(e.App), e.Group, e.Command, e.ClientIP, body, e.Created, e.NextAttempt)
	if err != nil {
		return fmt.Errorf("enqueue %s of group %q: %w", e.Command, e.Group, err)
	}
	return nil
}

// claimEvents is the statement of ClaimEvents: $1 is now, $2 the lease end, $3 the limit.
//
// due picks the claimable events: due, not leased, and the oldest of their (app, group)
// in the outbox. The NOT EXISTS reads without locking, so an older event holds the later
// ones of its group back whether it is leased, waiting for its next attempt, locked by
// another claim or being deleted. FOR UPDATE SKIP LOCKED locks each event picked and
// passes over those another transaction has locked, so concurrent claims (of this process
// or of other replicas) take disjoint events without waiting for each other. At READ
// COMMITTED an event another claim leased and committed after this statement's snapshot
// is locked in its new version and re-checked, and its lease then keeps it out. due is
// MATERIALIZED so it runs once, locking no more than $3 rows.
const claimEvents = `WITH due AS MATERIALIZED (
		SELECT e.id FROM outbox e
		WHERE e.next_attempt <= $1 AND e.lease_until <= $1
			AND NOT EXISTS (SELECT FROM outbox o
				WHERE o.app = e.app AND o.group_id = e.group_id AND o.id < e.id)
		ORDER BY e.id LIMIT $3
		FOR UPDATE SKIP LOCKED
	), claimed AS (
		UPDATE outbox SET lease_until = $2 FROM due WHERE outbox.id = due.id
		RETURNING outbox.id, outbox.app, outbox.group_id, outbox.command, outbox.client_ip,
			outbox.body, outbox.created, outbox.attempts, outbox.next_attempt, outbox.lease_until
	)
	SELECT id, app, group_id, command, client_ip, body, created, attempts, next_attempt,
		lease_until
	FROM claimed ORDER BY id`

// ClaimEvents leases up to limit claimable events until leaseUntil and returns them in ID
// order. An event is claimable when its NextAttempt <= now, its lease has ended
// (LeaseUntil <= now), and no older event of the same (App, Group) is in the outbox.
// Replicas claiming at once get disjoint events.
func (t *tx) ClaimEvents(ctx context.Context, now, leaseUntil int64, limit int) ([]im.OutboxEntry, error) {
	if err := t.check(true); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	es, err := collect(ctx, t, scanEvent, claimEvents, now, leaseUntil, limit)
	if err != nil {
		return nil, fmt.Errorf("claim events: %w", err)
	}
	return es, nil
}

// leaseFollowers is the statement of LeaseFollowers: the events after $3 in its group, in
// ID order, at most $4 of them. The rows are locked; head's lock (taken by the claim in
// this transaction) already keeps other claims off them.
const leaseFollowers = `SELECT id, app, group_id, command, client_ip, body, created, attempts,
		next_attempt, lease_until
	FROM outbox WHERE app = $1 AND group_id = $2 AND id > $3 ORDER BY id LIMIT $4
	FOR UPDATE`

// LeaseFollowers leases up to n events that follow head in its group, stopping before the
// first one still leased at now, and returns them in ID order.
func (t *tx) LeaseFollowers(ctx context.Context, head im.OutboxEntry, now, leaseUntil int64, n int) ([]im.OutboxEntry, error) {
	if err := t.check(true); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	es, err := collect(ctx, t, scanEvent, leaseFollowers, appID(head.App), head.Group, head.ID, n)
	if err != nil {
		return nil, fmt.Errorf("lease followers of event %d: %w", head.ID, err)
	}
	for i, e := range es {
		if e.LeaseUntil > now {
			es = es[:i]
			break
		}
	}
	if len(es) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(es))
	for i := range es {
		ids[i], es[i].LeaseUntil = es[i].ID, leaseUntil
	}
	if _, err := t.exec(ctx, `UPDATE outbox SET lease_until = $1 WHERE id = ANY($2)`, leaseUntil, ids); err != nil {
		return nil, fmt.Errorf("lease followers of event %d: %w", head.ID, err)
	}
	return es, nil
}

// scanEvent scans one row of claimEvents.
func scanEvent(r pgx.CollectableRow) (im.OutboxEntry, error) {
	var e im.OutboxEntry
	var app int64
	err := r.Scan(&e.ID, &app, &e.Group, &e.Command, &e.ClientIP, &e.Body, &e.Created,
		&e.Attempts, &e.NextAttempt, &e.LeaseUntil)
	e.App = uint64(app)
	return e, err
}

// DeleteEvent removes an event; a missing one is not an error.
func (t *tx) DeleteEvent(ctx context.Context, id int64) error {
	if err := t.check(true); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM outbox WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete event %d: %w", id, err)
	}
	return nil
}

// RetryEvent sets the event's Attempts and NextAttempt and ends its lease. ErrNotFound if
// the event is gone.
func (t *tx) RetryEvent(ctx context.Context, id int64, attempts int, nextAttempt int64) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.execOne(ctx, `UPDATE outbox SET attempts = $1, next_attempt = $2, lease_until = 0
		WHERE id = $3`, attempts, nextAttempt, id)
	if err != nil {
		return fmt.Errorf("retry event %d: %w", id, err)
	}
	return nil
}

// countEvents returns the number of events in the outbox.
func (t *tx) countEvents(ctx context.Context) (int64, error) {
	if err := t.check(false); err != nil {
		return 0, err
	}
	var n int64
	if err := t.queryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

var (
	_ im.Outbox   = (*DB)(nil)
	_ im.OutboxTx = (*tx)(nil)
)

// UpdateOutbox runs fn in a write transaction, as Update does, with the outbox's side of
// the transaction (im.Outbox).
func (db *DB) UpdateOutbox(ctx context.Context, fn func(ctx context.Context, tx im.OutboxTx) error) error {
	return db.Update(ctx, func(ctx context.Context, t im.Tx) error { return fn(ctx, t.(*tx)) })
}

// CountOutbox returns the number of entries waiting in the outbox, read in a snapshot.
func (db *DB) CountOutbox(ctx context.Context) (int64, error) {
	var n int64
	err := db.View(ctx, func(ctx context.Context, t im.Tx) error {
		var err error
		n, err = t.(*tx).countEvents(ctx)
		return err
	})
	return n, err
}
