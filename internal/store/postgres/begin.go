package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The BEGINs of an Update and of a View (see attempt and View for the isolation levels).
const (
	beginUpdate = "BEGIN ISOLATION LEVEL READ COMMITTED"
	beginView   = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
)

// lazyTx is the transaction of an Update or a View on one pooled connection. It saves
// round trips by pipelining: its BEGIN waits for the first statement and goes with it,
// and the writes queued by later (those whose outcome their caller does not need before
// the commit) wait for the next statement, or the COMMIT, and go with it. A modify is then
// two round trips (the read with the BEGIN, the writes with the COMMIT) where it was four
// to six, and a View of one read two where it was three. A BEGIN in a pipeline opens a transaction
// block that outlives the pipeline's end; a statement that fails in a pipeline makes the
// server skip the rest of it, the COMMIT included, and leaves the block aborted.
type lazyTx struct {
	c       *pgxpool.Conn
	begin   string      // the BEGIN statement
	begun   bool        // the BEGIN has been sent and succeeded
	pending []queuedSQL // writes queued by later, not sent yet
}

// queuedSQL is a write queued by lazyTx.later.
type queuedSQL struct {
	sql  string
	args []any
	// stale marks a write that checks a row read without its lock (see tx.optimistic):
	// when it fails its changesOne check, the row changed since it was read.
	stale bool
}

// deferredError is the failure of a queued write, reported by the statement (or the
// COMMIT) it was sent with. It keeps the server's error in its chain (so SQLSTATE-based
// retries still see it) but is never classified as the error of the statement that
// reported it: a queued write's unique violation must not read as the next read's
// ErrConflict.
type deferredError struct{ err error }

func (e *deferredError) Error() string { return "postgres: queued write: " + e.err.Error() }
func (e *deferredError) Unwrap() error { return e.err }

// later queues a write to go with the next statement or the COMMIT. Only writes whose
// every failure may fail the whole transaction are queued, and only writes whose outcome
// needs no check in the client (one that might change no row fails in the server instead,
// see changesOne): the caller learns nothing until the write is sent, and the result of a
// write sent with the COMMIT arrives after the COMMIT has run, too late to stop it.
func (l *lazyTx) later(q queuedSQL) {
	l.pending = append(l.pending, q)
}

// direct reports whether a statement can go alone: the BEGIN is sent and nothing waits.
func (l *lazyTx) direct() bool { return l.begun && len(l.pending) == 0 }

// send sends sql after the BEGIN (if not sent yet) and the queued writes, and returns the
// results with those of the BEGIN and the writes read.
func (l *lazyTx) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	if !l.begun {
		b.Queue(l.begin)
	}
	for _, q := range l.pending {
		b.Queue(q.sql, q.args...)
	}
	b.Queue(sql, args...)
	br := l.c.SendBatch(ctx, b)
	if !l.begun {
		if _, err := br.Exec(); err != nil {
			l.pending = nil
			return nil, errors.Join(err, br.Close())
		}
		l.begun = true
	}
	pending := l.pending
	l.pending = nil
	for _, q := range pending {
		if _, err := br.Exec(); err != nil {
			return nil, errors.Join(queuedFailure(q, err), br.Close())
		}
	}
	return br, nil
}

// queuedFailure is the error of queued write q that failed with err.
func queuedFailure(q queuedSQL, err error) error {
	if sqlState(err) == codeDivisionByZero { // see changesOne
		if q.stale {
			err = fmt.Errorf("%w: %w", errStale, err)
		} else {
			err = fmt.Errorf("%w: %w", errNoRowChanged, err)
		}
	}
	return &deferredError{err}
}

// QueryRowAlone runs a read that needs no transaction block (it locks nothing) as a
// statement of its own when nothing has been sent yet, without the BEGIN: a read of a
// READ COMMITTED transaction sees the same, a snapshot taken at its start. Otherwise it
// is QueryRow.
func (l *lazyTx) QueryRowAlone(ctx context.Context, sql string, args ...any) pgx.Row {
	if !l.begun && len(l.pending) == 0 {
		return l.c.QueryRow(ctx, sql, args...)
	}
	return l.QueryRow(ctx, sql, args...)
}

// Exec runs a statement that returns no rows.
func (l *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if l.direct() {
		return l.c.Exec(ctx, sql, args...)
	}
	br, err := l.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// QueryRow runs a statement that returns at most one row, read by the row's Scan.
func (l *lazyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if l.direct() {
		return l.c.QueryRow(ctx, sql, args...)
	}
	br, err := l.send(ctx, sql, args)
	if err != nil {
		return errorRow{err}
	}
	return batchRow{br: br, r: br.QueryRow()}
}

// Query runs a statement that returns rows; closing them ends the pipeline.
func (l *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if l.direct() {
		return l.c.Query(ctx, sql, args...)
	}
	br, err := l.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, errors.Join(err, br.Close())
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// end commits (or rolls back) the transaction, if its BEGIN was ever sent or a write
// waits. A commit sends the queued writes with the COMMIT, in one round trip (with the
// BEGIN too, when nothing was sent before; and one write alone, when nothing was sent
// in the block, needs neither: a statement is its own transaction); a rollback drops
// them unsent. When a queued write fails, the server skips the COMMIT and the
// transaction stays open, aborted, for the caller's rollback.
func (l *lazyTx) end(ctx context.Context, commit bool) error {
	if !commit {
		l.pending = nil
		if !l.begun {
			return nil
		}
		l.begun = false
		_, err := l.c.Exec(ctx, "ROLLBACK")
		return err
	}
	var tag pgconn.CommandTag
	var err error
	switch {
	case !l.begun && len(l.pending) == 0:
		return nil
	case len(l.pending) == 0:
		tag, err = l.c.Exec(ctx, "COMMIT")
	case !l.begun && len(l.pending) == 1:
		q := l.pending[0]
		l.pending = nil
		if _, err := l.c.Exec(ctx, q.sql, q.args...); err != nil {
			return queuedFailure(q, err)
		}
		return nil
	default:
		var br pgx.BatchResults
		if br, err = l.send(ctx, "COMMIT", nil); err == nil {
			tag, err = br.Exec()
			if cerr := br.Close(); err == nil {
				err = cerr
			}
		}
	}
	if err != nil {
		return err
	}
	l.begun = false
	if tag.String() == "ROLLBACK" {
		// PostgreSQL answers the COMMIT of an aborted transaction with a ROLLBACK.
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// errNoRowChanged is the failure of a queued changesOne write that changed no row.
var errNoRowChanged = errors.New("postgres: a queued write of one row changed none")

// errStale is the failure of a queued write of a row read without its lock, which
// changed (or went) since: Update runs fn again, locking what it reads.
var errStale = errors.New("postgres: a row read without its lock changed before its write")

// changesOne makes an UPDATE or DELETE fail in the server when it changes no row: it
// divides by the count of the rows changed (SQLSTATE 22012 when none). Queued, the write
// then aborts its transaction, and the COMMIT sent after it is skipped.
func changesOne(sql string) string {
	return "WITH w AS (" + sql + " RETURNING 1) SELECT 1 / count(*) FROM w"
}

// batchRow is the row of a pipelined QueryRow: Scan reads it, then ends the pipeline.
type batchRow struct {
	br pgx.BatchResults
	r  pgx.Row
}

func (b batchRow) Scan(dest ...any) error {
	err := b.r.Scan(dest...)
	if cerr := b.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// errorRow is a row whose statement failed before it was read.
type errorRow struct{ err error }

func (e errorRow) Scan(...any) error { return e.err }

// batchRows are the rows of a pipelined Query: closing them ends the pipeline.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if !r.closed {
		r.closed = true
		r.err = r.br.Close()
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}
