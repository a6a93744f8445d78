package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/timdhq/timd/internal/im"
)

// Enqueue appends e to the outbox with the next ID (e.ID, e.Attempts and e.LeaseUntil are
// ignored). It is part of the Update's transaction: if the Update rolls back, so does the
// event.
func (t *tx) Enqueue(ctx context.Context, e im.OutboxEntry) error {
	if err := t.check(true); err != nil {
		return err
	}
	body := e.Body
	if body == nil {
		body = []byte{} // body is NOT NULL; an empty body is stored as an empty BLOB
	}
	_, err := t.exec(ctx, `INSERT INTO outbox (app, group_id, command, client_ip, body, created,
			attempts, next_attempt, lease_until)
		VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0)`,
		appID(e.App), e.Group, e.Command, e.ClientIP, body, e.Created, e.NextAttempt)
	if err != nil {
		return fmt.Errorf("enqueue %s of group %q: %w", e.Command, e.Group, err)
	}
	return nil
}

// claimEvents is the statement of ClaimEvents: ?1 is now, ?2 the lease end, ?3 the limit.
// An event is claimable when it is due, not leased, and the oldest of its (app, group) in
// the outbox: an older event holds it back whether that one is leased, waiting for its
// next attempt, or claimable in this same statement. The single writer runs claims one
// after another, so no row lock is needed for two claims to be disjoint.
const claimEvents = `UPDATE outbox SET lease_until = ?2
	WHERE id IN (
		SELECT e.id FROM outbox e
		WHERE e.next_attempt <= ?1 AND e.lease_until <= ?1
			AND NOT EXISTS (SELECT 1 FROM outbox o
				WHERE o.app = e.app AND o.group_id = e.group_id AND o.id < e.id)
		ORDER BY e.id LIMIT ?3)
	RETURNING id, app, group_id, command, client_ip, body, created, attempts, next_attempt,
		lease_until`

// ClaimEvents leases up to limit claimable events until leaseUntil and returns them in ID
// order. An event is claimable when its NextAttempt <= now, its lease has ended
// (LeaseUntil <= now), and no older event of the same (App, Group) is in the outbox.
func (t *tx) ClaimEvents(ctx context.Context, now, leaseUntil int64, limit int) ([]im.OutboxEntry, error) {
	if err := t.check(true); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := t.query(ctx, claimEvents, now, leaseUntil, limit)
	if err != nil {
		return nil, fmt.Errorf("claim events: %w", err)
	}
	es, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("claim events: %w", err)
	}
	// RETURNING gives the rows in no particular order.
	slices.SortFunc(es, func(a, b im.OutboxEntry) int { return cmp.Compare(a.ID, b.ID) })
	return es, nil
}

// scanEvents scans and closes rows of outbox events.
func scanEvents(rows *sql.Rows) ([]im.OutboxEntry, error) {
	defer rows.Close()
	var es []im.OutboxEntry
	for rows.Next() {
		var e im.OutboxEntry
		var app int64
		err := rows.Scan(&e.ID, &app, &e.Group, &e.Command, &e.ClientIP, &e.Body, &e.Created,
			&e.Attempts, &e.NextAttempt, &e.LeaseUntil)
		if err != nil {
			return nil, err
		}
		e.App = uint64(app)
		es = append(es, e)
	}
	return es, rows.Err()
}

// LeaseFollowers leases up to n events that follow head in its group, stopping before the
// first leased one, and returns them in ID order.
func (t *tx) LeaseFollowers(ctx context.Context, head im.OutboxEntry, now, leaseUntil int64, n int) ([]im.OutboxEntry, error) {
	if err := t.check(true); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	rows, err := t.query(ctx, `SELECT id, app, group_id, command, client_ip, body, created, attempts,
			next_attempt, lease_until FROM outbox INDEXED BY outbox_group
		WHERE app = ? AND group_id = ? AND id > ? ORDER BY id LIMIT ?`,
		appID(head.App), head.Group, head.ID, n)
	if err != nil {
		return nil, fmt.Errorf("lease followers of event %d: %w", head.ID, err)
	}
	es, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("lease followers of event %d: %w", head.ID, err)
	}
	es = unleasedPrefix(es, now)
	for i := range es {
		if _, err := t.exec(ctx, `UPDATE outbox SET lease_until = ? WHERE id = ?`, leaseUntil, es[i].ID); err != nil {
			return nil, fmt.Errorf("lease event %d: %w", es[i].ID, err)
		}
		es[i].LeaseUntil = leaseUntil
	}
	return es, nil
}

// unleasedPrefix returns the events of es (in ID order) before the first one still leased
// at now.
func unleasedPrefix(es []im.OutboxEntry, now int64) []im.OutboxEntry {
	for i, e := range es {
		if e.LeaseUntil > now {
			return es[:i]
		}
	}
	return es
}

// DeleteEvent removes an event; a missing one is not an error.
func (t *tx) DeleteEvent(ctx context.Context, id int64) error {
	if err := t.check(true); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM outbox WHERE id = ?`, id); err != nil {
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
	err := t.execOne(ctx, `UPDATE outbox SET attempts = ?, next_attempt = ?, lease_until = 0
		WHERE id = ?`, attempts, nextAttempt, id)
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
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&n); err != nil {
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
