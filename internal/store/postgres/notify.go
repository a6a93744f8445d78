package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The events of the users' streams travel between the replicas of one database through
// PostgreSQL's LISTEN/NOTIFY: a replica notifies a small payload on the channel of the
// store's schema, and every replica listening on it hears it. PostgreSQL delivers a
// notification only once its transaction commits, to every session listening at that
// moment, in the order the notifying transactions committed.

// maxNotify bounds a payload sent by NOTIFY itself; PostgreSQL refuses 8,000 bytes or
// more. A longer one is kept in stream_events and its id notified.
const maxNotify = 7000

// streamEventAge is how long a payload kept in stream_events stays.
const streamEventAge = 5 * time.Minute

// channel returns the notification channel of the store's schema. Channels are
// database-wide, so that stores of different schemas in one database do not hear each
// other; the name is a hash of the schema's.
func (db *DB) channel(ctx context.Context) (string, error) {
	db.chanMu.Lock()
	defer db.chanMu.Unlock()
	if db.chanName != "" {
		return db.chanName, nil
	}
	var schema string
	if err := db.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(schema))
	db.chanName = "timd_stream_" + hex.EncodeToString(sum[:8])
	return db.chanName, nil
}

// Notify sends payload to every replica listening on the store's schema, this one too.
// A payload over about 7,000 bytes is kept in stream_events for a few minutes and
// travels as a reference that Listen resolves.
func (db *DB) Notify(ctx context.Context, payload string) error {
	if db.closed.Load() {
		return ErrClosed
	}
	ch, err := db.channel(ctx)
	if err != nil {
		return fmt.Errorf("postgres: notify: %w", err)
	}
	if len(payload) > maxNotify {
		var id int64
		err := db.pool.QueryRow(ctx, `WITH old AS (
				DELETE FROM stream_events WHERE created < now() - make_interval(secs => $2)
			)
			INSERT INTO stream_events (payload) VALUES ($1) RETURNING id`,
			payload, streamEventAge.Seconds()).Scan(&id)
		if err != nil {
			return fmt.Errorf("postgres: keep a stream event: %w", err)
		}
		payload = fmt.Sprintf("@%d", id)
	}
	if _, err := db.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, ch, payload); err != nil {
		return fmt.Errorf("postgres: notify: %w", err)
	}
	return nil
}

// Listen listens on the store's schema on a connection of its own, calling fn with each
// payload in the order they arrive, until ctx ends. When the connection breaks it
// connects again, with a growing pause, and then calls lost: notifications sent in
// between were missed. It returns ctx's error, or the first error if it cannot listen
// at all.
func (db *DB) Listen(ctx context.Context, fn func(payload string), lost func()) error {
	ch, err := db.channel(ctx)
	if err != nil {
		return fmt.Errorf("postgres: listen: %w", err)
	}
	conn, err := db.listenConn(ctx, ch)
	if err != nil {
		return err
	}
	pause := 100 * time.Millisecond
	for {
		err := db.receive(ctx, conn, fn)
		conn.Close(context.WithoutCancel(ctx))
		if ctx.Err() != nil {
			return ctx.Err()
		}
		_ = err // the connection broke: listen again
		for {
			if err := sleep(ctx, pause); err != nil {
				return err
			}
			pause = min(2*pause, 5*time.Second)
			if conn, err = db.listenConn(ctx, ch); err == nil {
				break
			}
		}
		pause = 100 * time.Millisecond
		lost()
	}
}

// listenConn opens a connection of its own that listens on ch.
func (db *DB) listenConn(ctx context.Context, ch string) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("postgres: listen: connect: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres: listen: %w", err)
	}
	return conn, nil
}

// receive hands conn's notifications to fn until conn fails or ctx ends.
func (db *DB) receive(ctx context.Context, conn *pgx.Conn, fn func(string)) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		payload := n.Payload
		if len(payload) > 0 && payload[0] == '@' {
			if payload, err = db.streamEvent(ctx, payload[1:]); err != nil {
				continue // gone or unreadable: the streams resume from the store
			}
		}
		fn(payload)
	}
}

// streamEvent reads a payload kept in stream_events.
func (db *DB) streamEvent(ctx context.Context, id string) (string, error) {
	var payload string
	err := db.pool.QueryRow(ctx, `SELECT payload FROM stream_events WHERE id = $1`, id).Scan(&payload)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("stream event %s: gone", id)
	}
	return payload, err
}

// replicaTimeout is how long a replica may go unseen before its streams no longer count.
const replicaTimeout = time.Minute

// Heartbeat records that replica is alive, and forgets the replicas not seen for a
// minute with the streams they had.
func (db *DB) Heartbeat(ctx context.Context, replica string) error {
	if db.closed.Load() {
		return ErrClosed
	}
	_, err := db.pool.Exec(ctx, `WITH gone AS (
			DELETE FROM stream_replicas WHERE seen < now() - make_interval(secs => $2) RETURNING id
		), dropped AS (
			DELETE FROM stream_presence WHERE replica IN (SELECT id FROM gone)
		)
		INSERT INTO stream_replicas (id, seen) VALUES ($1, now())
		ON CONFLICT (id) DO UPDATE SET seen = now()`, replica, replicaTimeout.Seconds())
	if err != nil {
		return fmt.Errorf("postgres: heartbeat: %w", err)
	}
	return nil
}

// SetPresence records that the accounts of online have a stream open on replica, and
// those of offline no longer have.
func (db *DB) SetPresence(ctx context.Context, replica string, app uint64, online, offline []string) error {
	if db.closed.Load() {
		return ErrClosed
	}
	_, err := db.pool.Exec(ctx, `WITH gone AS (
			DELETE FROM stream_presence WHERE app = $1 AND replica = $2 AND account = ANY($4)
		)
		INSERT INTO stream_presence (app, account, replica)
		SELECT $1, a, $2 FROM unnest($3::text[]) AS a
		ON CONFLICT DO NOTHING`, appID(app), replica, online, offline)
	if err != nil {
		return fmt.Errorf("postgres: set presence: %w", err)
	}
	return nil
}

// Online returns which of accounts have a stream open on a replica seen within the last
// minute.
func (db *DB) Online(ctx context.Context, app uint64, accounts []string) ([]string, error) {
	if db.closed.Load() {
		return nil, ErrClosed
	}
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT p.account FROM stream_presence p
		JOIN stream_replicas r ON r.id = p.replica
		WHERE p.app = $1 AND p.account = ANY($2) AND r.seen > now() - make_interval(secs => $3)`,
		appID(app), accounts, replicaTimeout.Seconds())
	if err != nil {
		return nil, fmt.Errorf("postgres: online: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: online: %w", err)
	}
	return out, nil
}

// DropReplica forgets replica and the streams it had: it is shutting down.
func (db *DB) DropReplica(ctx context.Context, replica string) error {
	if db.closed.Load() {
		return ErrClosed
	}
	_, err := db.pool.Exec(ctx, `WITH dropped AS (
			DELETE FROM stream_presence WHERE replica = $1
		)
		DELETE FROM stream_replicas WHERE id = $1`, replica)
	if err != nil {
		return fmt.Errorf("postgres: drop replica: %w", err)
	}
	return nil
}
