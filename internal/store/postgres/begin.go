package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// querier runs an Update's or a View's statements: a pgx.Tx, or a lazyTx.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// beginUpdate is the BEGIN of an Update (see attempt for the isolation level).
const beginUpdate = "BEGIN ISOLATION LEVEL READ COMMITTED"

// lazyTx is the transaction of an Update on one pooled connection, whose BEGIN waits for
// the first statement and goes with it in one pipelined round trip: a modify is then
// three round trips (BEGIN with the read, the write, COMMIT) where it was four. A BEGIN
// in a pipeline opens a transaction block that outlives the pipeline's end.
type lazyTx struct {
	c     *pgxpool.Conn
	begun bool // the BEGIN has been sent and succeeded
}

var _ querier = (*lazyTx)(nil)

// send sends sql after the BEGIN and returns the results with the BEGIN's read.
func (l *lazyTx) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(beginUpdate)
	b.Queue(sql, args...)
	br := l.c.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		return nil, errors.Join(err, br.Close())
	}
	l.begun = true
	return br, nil
}

// Exec runs a statement that returns no rows.
func (l *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if l.begun {
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
	if l.begun {
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
	if l.begun {
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

// end commits (or rolls back) the transaction, if its BEGIN was ever sent.
func (l *lazyTx) end(ctx context.Context, commit bool) error {
	if !l.begun {
		return nil
	}
	l.begun = false
	sql := "ROLLBACK"
	if commit {
		sql = "COMMIT"
	}
	tag, err := l.c.Exec(ctx, sql)
	if err == nil && commit && tag.String() == "ROLLBACK" {
		// PostgreSQL answers the COMMIT of an aborted transaction with a ROLLBACK.
		err = pgx.ErrTxCommitRollback
	}
	return err
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
