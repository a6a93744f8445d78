// Package postgres is an im.Store on PostgreSQL, through pgx and its connection pool.
//
// Several timd processes may share one database: every guarantee below holds across them,
// because it rests on PostgreSQL's row locks, not on anything in one process.
//
// Update runs fn in a READ COMMITTED transaction and makes the rows fn reads exclusive with
// row locks: in Update, GetGroup, GetMember and GetAccount read with SELECT … FOR NO KEY
// UPDATE, and ExistingAccounts with FOR KEY SHARE. The group row lock serializes the
// writers of one group (the service reads the group first in every Update that changes
// it), which makes its read-check-write rules (admin count, MaxMemberNum, owner change)
// and the member_num and member_seq counters safe. Inserts that may meet an existing key
// use ON CONFLICT DO NOTHING, so ErrConflict never aborts the transaction. Update retries
// the whole fn, a bounded number of times, on a serialization failure or a deadlock.
//
// Two exceptions, for fewer round trips and locks: a GetGroupMember with KeepGroup reads
// the member unlocked in an Update's first attempt, and its write checks the row's
// version (xmin), running fn again with locks if it changed (tx.optimistic); and writes
// whose outcome fn does not need (an update of a member or an append to a group the
// Update holds, a mute record, an outbox event) are queued and sent with the next
// statement or the COMMIT, checking their outcome in the server (lazyTx). A NameCard
// modify is then a read and an UPDATE, two statements of their own.
//
// View runs fn in a REPEATABLE READ READ ONLY transaction: one snapshot, taken at its first
// statement, for all of fn's reads, and no locks; its BEGIN goes with that statement.
//
// Migrations are embedded (migrations/NNNN_name.sql) and applied by Open, or by Migrate
// alone, under a PostgreSQL advisory lock. Tables live in the first schema of the
// connection's search_path.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/timdhq/timd/internal/im"
)

// ErrClosed is returned by every method of a DB after Close.
var ErrClosed = errors.New("postgres: store closed")

// Options tune a DB. The zero value gives the defaults stated on each field. They decide
// the pool's settings: pool_* parameters in the DSN are overridden.
type Options struct {
	// MaxConns caps the pool's connections: concurrent transactions beyond it wait for a
	// connection. Default 32.
	MaxConns int32
	// MinConns is the number of connections the pool keeps open even when idle. Default 0.
	MinConns int32
	// MaxConnLifetime is how long a connection lives before the pool replaces it.
	// Default 1h.
	MaxConnLifetime time.Duration
	// MaxConnIdleTime is how long an idle connection stays open. Default 30m.
	MaxConnIdleTime time.Duration
	// HealthCheckPeriod is how often the pool checks its idle connections. Default 1m.
	HealthCheckPeriod time.Duration
	// MaxAttempts caps how many times Update runs fn when the transaction keeps failing
	// with a serialization failure or a deadlock. Default 10.
	MaxAttempts int
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.MaxConns == 0 {
		o.MaxConns = 32
	}
	if o.MaxConnLifetime == 0 {
		o.MaxConnLifetime = time.Hour
	}
	if o.MaxConnIdleTime == 0 {
		o.MaxConnIdleTime = 30 * time.Minute
	}
	if o.HealthCheckPeriod == 0 {
		o.HealthCheckPeriod = time.Minute
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 10
	}
	return o
}

// validate reports whether o, after defaults, is usable.
func (o Options) validate() error {
	if o.MaxConns < 1 || o.MinConns < 0 || o.MinConns > o.MaxConns || o.MaxConnLifetime < 0 ||
		o.MaxConnIdleTime < 0 || o.HealthCheckPeriod < 0 || o.MaxAttempts < 1 {
		return fmt.Errorf("postgres: invalid options %+v", o)
	}
	return nil
}

// DB is an im.Store on a PostgreSQL database. It is safe for concurrent use.
type DB struct {
	pool        *pgxpool.Pool
	maxAttempts int
	pessimistic bool // every attempt locks what it reads: for the tests of the locks

	closed    atomic.Bool
	closeOnce sync.Once

	// The notification channel of the store's schema (notify.go).
	chanMu   sync.Mutex
	chanName string
}

var _ im.Store = (*DB)(nil)

// Open connects to the database dsn names (a postgres:// URL or key=value pairs, as libpq
// takes), applies pending migrations under the advisory lock, and returns the store. The
// DSN never appears in its errors: it may hold a password.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	return open(ctx, dsn, opts, nil)
}

// open is Open, with tune (if not nil) given the pool's configuration last: the tests'
// way to watch the connections.
func open(ctx context.Context, dsn string, opts Options, tune func(*pgxpool.Config)) (*DB, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	cfg, err := parseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns, cfg.MinConns = opts.MaxConns, opts.MinConns
	cfg.MaxConnLifetime, cfg.MaxConnIdleTime = opts.MaxConnLifetime, opts.MaxConnIdleTime
	cfg.HealthCheckPeriod = opts.HealthCheckPeriod
	if tune != nil {
		tune(cfg)
	}
	if err := migrateWith(ctx, cfg.ConnConfig); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: create pool: %w", err)
	}
	return &DB{pool: pool, maxAttempts: opts.MaxAttempts}, nil
}

// parseConfig parses dsn without ever putting it, or a part of it, into an error: pgx
// masks passwords in its parse errors only on a best-effort basis.
func parseConfig(dsn string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err == nil {
		return cfg, nil
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return nil, fmt.Errorf("postgres: cannot parse the DSN (not shown): %v", uerr.Err)
	}
	return nil, errors.New("postgres: cannot parse the DSN (not shown: it may hold a password)")
}

// updateKey marks the ctx given to an Update fn, so a nested Update of the same DB fails
// instead of waiting forever for a row lock its caller holds.
type updateKey struct{}

// Update runs fn in a read-write transaction and commits it if fn returns nil. It returns
// fn's error unchanged when fn fails, ctx.Err() when ctx is done before fn starts, and
// otherwise the result of the commit, which is durable when Update returns (with the
// server's default synchronous_commit=on). When a statement fails with a serialization
// failure (SQLSTATE 40001) or a deadlock (40P01), Update rolls back and runs fn again, up
// to Options.MaxAttempts times in all, after a short random pause; and when a member its
// first attempt read unlocked (GetGroupMember with KeepGroup) changed before the write,
// it runs fn again at once, with locks, an attempt not counted. fn must therefore leave
// nothing behind outside tx. An Update of the same DB inside fn fails.
func (db *DB) Update(ctx context.Context, fn func(ctx context.Context, tx im.Tx) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	if ctx.Value(updateKey{}) == db {
		return errors.New("postgres: Update called inside Update")
	}
	ctx = context.WithValue(ctx, updateKey{}, db)
	optimistic := !db.pessimistic
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		retry, err := db.attempt(ctx, fn, optimistic)
		if optimistic && errors.Is(err, errStale) {
			// A row read unlocked changed before its write: run fn again at once, with
			// locks, which cannot fail so. This attempt is not counted.
			optimistic = false
			attempt--
			continue
		}
		if !retry || attempt == db.maxAttempts {
			return err
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}

// attempt runs fn once in its own transaction. retry reports that the transaction failed
// with a serialization failure or a deadlock, so running fn again may succeed.
//
// With optimistic, fn's GetGroupMember with KeepGroup reads unlocked (see tx.optimistic);
// err then matches errStale when a row so read changed before the commit.
func (db *DB) attempt(ctx context.Context, fn func(ctx context.Context, tx im.Tx) error, optimistic bool) (retry bool, err error) {
	// READ COMMITTED with row locks, not REPEATABLE READ or SERIALIZABLE: every row an
	// Update decides on is locked when read (see the package doc), and a statement that
	// waited for a lock sees the row as its holder committed it. Conflicting writers of a
	// group, member or account therefore queue on its row and then go on, each once; and
	// the commonest race, two creates of one GroupId, ends in a clean ErrConflict from
	// ON CONFLICT DO NOTHING. REPEATABLE READ would instead fail with 40001 every writer
	// whose row another transaction changed since its snapshot, to be redone from the
	// start, and SERIALIZABLE adds predicate-lock bookkeeping to every read besides;
	// neither gives a guarantee the locks do not.
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres: begin: %w", err)
	}
	ltx := &lazyTx{c: conn, begin: beginUpdate}
	t := &tx{q: ltx, optimistic: optimistic}
	defer func() {
		t.ended = true
		// After a commit this does nothing; it also ends the transaction when fn fails
		// or panics. A connection left inside a transaction or busy (the rollback
		// failed) is closed by the pool rather than reused.
		_ = ltx.end(context.WithoutCancel(ctx), false)
		conn.Release()
	}()
	if err := fn(ctx, t); err != nil {
		if errors.Is(t.failed, errStale) {
			// fn reported the failure of a queued write in its own words, or replaced it.
			return false, fmt.Errorf("%w (%w)", t.failed, err)
		}
		// fn may have wrapped the statement's error beyond recognition, or replaced it.
		return isRetryable(err) || isRetryable(t.failed), err
	}
	if t.failed == nil {
		t.validate()
	}
	if t.failed != nil {
		// fn went on after a statement failed: PostgreSQL has aborted the transaction.
		return isRetryable(t.failed), fmt.Errorf("postgres: transaction aborted: %w", t.failed)
	}
	// The outcome of a COMMIT that was sent must be known: it runs to its end even when
	// ctx is done meanwhile.
	if err := ltx.end(context.WithoutCancel(ctx), true); err != nil {
		return isRetryable(err), fmt.Errorf("postgres: commit: %w", err)
	}
	return false, nil
}

// backoff is the pause before attempt+1: about 2ms doubled per attempt, at most about
// 128ms, spread at random over [d/2, d) so that the transactions that collided do not
// collide again.
func backoff(attempt int) time.Duration {
	d := 2 * time.Millisecond << min(attempt-1, 6)
	return d/2 + rand.N(d/2)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// View runs fn in a read-only REPEATABLE READ transaction: every read of fn sees the
// database as of fn's first statement. It returns fn's error unchanged. Write methods of
// the Tx fail.
func (db *DB) View(ctx context.Context, fn func(ctx context.Context, tx im.Tx) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin read: %w", err)
	}
	ltx := &lazyTx{c: conn, begin: beginView}
	t := &tx{q: ltx, readOnly: true}
	defer func() {
		t.ended = true
		_ = ltx.end(context.WithoutCancel(ctx), false)
		conn.Release()
	}()
	if err := fn(ctx, t); err != nil {
		return err
	}
	if t.failed != nil {
		return fmt.Errorf("postgres: read transaction aborted: %w", t.failed)
	}
	if err := ltx.end(ctx, true); err != nil {
		return fmt.Errorf("postgres: end read: %w", err)
	}
	return nil
}

// Ping reports whether the database answers a query on a pool connection.
func (db *DB) Ping(ctx context.Context) error {
	if db.closed.Load() {
		return ErrClosed
	}
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes the pool, after waiting for the transactions in progress to end. Later
// calls of any method return ErrClosed; Close itself returns nil.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		db.pool.Close()
	})
	return nil
}

// Analyze has PostgreSQL gather the statistics of the store's tables (those of the first
// schema of search_path), which it plans with. A bulk load, such as timd import into a new
// database, leaves tables that were never analyzed until autovacuum's next pass, up to a
// minute later, and PostgreSQL plans on guesses meanwhile: it read a member through an
// index of its group's members, filtering them for the account, where the primary key
// finds one row.
func (db *DB) Analyze(ctx context.Context) error {
	if db.closed.Load() {
		return ErrClosed
	}
	rows, err := db.pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		return fmt.Errorf("postgres: analyze: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("postgres: analyze: %w", err)
	}
	for _, t := range tables {
		if _, err := db.pool.Exec(ctx, "ANALYZE "+pgx.Identifier{t}.Sanitize()); err != nil {
			return fmt.Errorf("postgres: analyze %s: %w", t, err)
		}
	}
	return nil
}
