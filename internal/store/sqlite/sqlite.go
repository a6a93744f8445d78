// Package sqlite is an im.Store on SQLite, through the pure-Go driver modernc.org/sqlite.
//
// Writes go through one connection, owned by one goroutine that commits several Update calls
// in one SQLite transaction (group commit): each call runs inside its own SAVEPOINT, so a
// failing call rolls back only itself, and one COMMIT plus one fsync of the WAL makes the
// whole batch durable before any caller is answered. With the default Synchronous FULL the
// fsync is made by a syncer goroutine while the writer already runs the next batch (see
// walSyncer), so the disk's latency no longer stalls the writer.
//
// Reads run on a separate pool of read-only connections, each View in its own read
// transaction, which in WAL mode sees a consistent snapshot and never waits for the writer.
//
// WAL checkpoints are kept off the request path: the writer's automatic checkpoint threshold
// is raised to a backstop (autoCheckpointPages), and a background goroutine on its own
// connection runs rounds of PRAGMA wal_checkpoint(PASSIVE) every Options.CheckpointInterval.
// A passive checkpoint never blocks the writer or readers; what it cannot copy it leaves for
// the next. Once the WAL is long, a round ends with a short pass on the writer's
// connection, between two batches, so that the WAL restarts (see checkpointer).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/timdhq/timd/internal/im"
)

// ErrClosed is returned by every method of a DB after Close.
var ErrClosed = errors.New("sqlite: store closed")

// autoCheckpointPages is the WAL size, in pages, at which the committing writer checkpoints
// by itself. It only matters when the background checkpoint falls behind (a long reader).
const autoCheckpointPages = 16384

// journalSizeLimit is the size the WAL file is truncated back to after a checkpoint reset.
const journalSizeLimit = 64 << 20

// Options tune a DB. The zero value gives the defaults stated on each field.
type Options struct {
	// Synchronous is the durability of the writer: "OFF", "NORMAL", "FULL" or "EXTRA".
	// Default "FULL": every acknowledged Update is durable, its WAL frames fsynced before
	// Update returns (by the syncer, not at COMMIT; see walSyncer). "NORMAL" keeps the
	// database consistent but may lose the last commits on power loss; "EXTRA" is SQLite's
	// own synchronous=EXTRA at every COMMIT.
	Synchronous string
	// BatchMax caps the Update calls committed together in one transaction. Default 128.
	BatchMax int
	// CacheSizeKiB is the page cache of each connection, in KiB. Default 16384 (16 MiB).
	CacheSizeKiB int
	// Readers is the number of read-only connections View uses. Default 4.
	Readers int
	// BusyTimeout is how long a connection waits for a lock held by another process
	// before failing with SQLITE_BUSY. Default 5s.
	BusyTimeout time.Duration
	// CheckpointInterval is how often the background goroutine runs a round of passive
	// WAL checkpoints. Default 250ms: smaller rounds write fewer pages at once, which the
	// writer's reads and the WAL's fsync would wait behind (p99 at half the maximum rate
	// 29-36 ms against 44-53 ms with 1s; BENCHMARKS.md).
	CheckpointInterval time.Duration
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.Synchronous == "" {
		o.Synchronous = "FULL"
	}
	if o.BatchMax == 0 {
		o.BatchMax = 128
	}
	if o.CacheSizeKiB == 0 {
		o.CacheSizeKiB = 16384
	}
	if o.Readers == 0 {
		o.Readers = 4
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = 250 * time.Millisecond
	}
	return o
}

// validate reports the first invalid field of o, after defaults.
func (o Options) validate() error {
	switch strings.ToUpper(o.Synchronous) {
	case "OFF", "NORMAL", "FULL", "EXTRA":
	default:
		return fmt.Errorf("sqlite: invalid Synchronous %q", o.Synchronous)
	}
	if o.BatchMax < 1 || o.CacheSizeKiB < 1 || o.Readers < 1 || o.BusyTimeout < 0 || o.CheckpointInterval < 0 {
		return fmt.Errorf("sqlite: invalid options %+v", o)
	}
	return nil
}

// DB is an im.Store on one SQLite database file. It is safe for concurrent use.
type DB struct {
	wdb  *sql.DB // the writer's and the checkpointer's connections
	rdb  *sql.DB // read-only connections for View and Ping
	rst  *readStmts
	w    *writer
	ckpt *checkpointer

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ im.Store = (*DB)(nil)

// Open opens or creates the database at path, applies pending migrations and starts the
// writer and checkpoint goroutines. Close releases them.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	// The readers open path again, so it must name a file; query parameters are ours.
	if path == "" || path == ":memory:" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: unsupported path %q", path)
	}
	db := &DB{}
	if err := db.open(ctx, path, opts); err != nil {
		db.closeAll()
		return nil, openError(path, err)
	}
	return db, nil
}

// open connects the writer, migrates, and starts the goroutines.
func (db *DB) open(ctx context.Context, path string, opts Options) error {
	var err error
	if db.wdb, err = sql.Open("sqlite", writerDSN(path, opts)); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.wdb.SetMaxOpenConns(2)
	db.wdb.SetMaxIdleConns(2)
	wconn, err := db.wdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: connect %s: %w", path, err)
	}
	if err := migrate(ctx, wconn); err != nil {
		wconn.Close()
		return err
	}
	groups := newGroupCache(groupCacheMax, groupCacheMaxBytes)
	if err := groups.watch(wconn); err != nil {
		wconn.Close()
		return err
	}
	cconn, err := db.wdb.Conn(ctx)
	if err != nil {
		wconn.Close()
		return fmt.Errorf("sqlite: connect %s: %w", path, err)
	}
	if db.rdb, err = sql.Open("sqlite", readerDSN(path, opts)); err != nil {
		wconn.Close()
		cconn.Close()
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.rst = &readStmts{db: db.rdb}
	db.rdb.SetMaxOpenConns(opts.Readers)
	db.rdb.SetMaxIdleConns(opts.Readers)
	var syncer *walSyncer
	if walSynced(opts) {
		syncer = startSyncer(path)
	}
	db.w = startWriter(wconn, opts.BatchMax, syncer, groups)
	db.ckpt = startCheckpointer(cconn, opts.CheckpointInterval, db.w)
	return nil
}

// walSynced reports whether the writer fsyncs the WAL itself, off its path (walSyncer),
// which is how Synchronous FULL is served: the same durability for every acknowledged
// Update, without the commit waiting for the disk.
func walSynced(opts Options) bool { return strings.EqualFold(opts.Synchronous, "FULL") }

// connSynchronous is the PRAGMA synchronous of the writer connection: NORMAL when the
// syncer fsyncs the WAL instead (checkpoints still sync the WAL before and the database
// after), else the setting asked for.
func connSynchronous(opts Options) string {
	if walSynced(opts) {
		return "NORMAL"
	}
	return strings.ToUpper(opts.Synchronous)
}

// writerDSN is the DSN of the writer and checkpointer connections.
func writerDSN(path string, opts Options) string {
	return path + "?" + strings.Join([]string{
		pragma("busy_timeout", opts.BusyTimeout.Milliseconds()),
		pragma("cache_size", -opts.CacheSizeKiB),
		pragma("journal_mode", "WAL"),
		pragma("journal_size_limit", journalSizeLimit),
		pragma("synchronous", connSynchronous(opts)),
		pragma("wal_autocheckpoint", autoCheckpointPages),
	}, "&")
}

// readerDSN is the DSN of the read-only connections. query_only makes any write through
// them fail in SQLite itself, behind the check in every write method.
func readerDSN(path string, opts Options) string {
	return path + "?" + strings.Join([]string{
		pragma("busy_timeout", opts.BusyTimeout.Milliseconds()),
		pragma("cache_size", -opts.CacheSizeKiB),
		"_query_only=1",
	}, "&")
}

// pragma is one _pragma DSN parameter.
func pragma(name string, value any) string {
	return fmt.Sprintf("_pragma=%s(%v)", name, value)
}

// Update runs fn in a read-write transaction, committed together with other Update calls
// waiting at the same time. It returns fn's error unchanged when fn fails (only fn's changes
// are rolled back), ctx.Err() when ctx is done before fn starts, and otherwise the result of
// the durable commit. A panic in fn is recovered and returned as an error. fn runs on the
// writer goroutine, which it holds until it returns: it must be quick, and an Update of the
// same DB inside it fails rather than deadlock.
func (db *DB) Update(ctx context.Context, fn func(ctx context.Context, tx im.Tx) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	if ctx.Value(writerKey{}) == db.w {
		return errors.New("sqlite: Update called inside Update")
	}
	return db.w.do(ctx, fn)
}

// View runs fn in a read-only transaction on one of the reader connections. It returns fn's
// error unchanged. Write methods of the Tx fail.
func (db *DB) View(ctx context.Context, fn func(ctx context.Context, tx im.Tx) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	stx, err := db.rdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer stx.Rollback()
	t := &tx{q: stx, readOnly: true, rtx: stx, rst: db.rst}
	err = fn(ctx, t)
	t.ended = true
	if err != nil {
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("sqlite: end read: %w", err)
	}
	return nil
}

// Ping reports whether a reader connection answers a query.
func (db *DB) Ping(ctx context.Context) error {
	if db.closed.Load() {
		return ErrClosed
	}
	var one int
	if err := db.rdb.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close stops the writer after its current batch (Update calls not yet taken fail with
// ErrClosed), stops the checkpointer and closes every connection. Later calls return the
// first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		db.closeErr = db.closeAll()
	})
	return db.closeErr
}

// closeAll stops whatever open started and closes the connections.
func (db *DB) closeAll() error {
	var errs []error
	if db.w != nil {
		errs = append(errs, db.w.stop())
	}
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.stop())
	}
	if db.rst != nil {
		db.rst.close()
	}
	if db.rdb != nil {
		errs = append(errs, db.rdb.Close())
	}
	if db.rst != nil {
		db.rst.wait()
	}
	if db.wdb != nil {
		errs = append(errs, db.wdb.Close())
	}
	return errors.Join(errs...)
}
