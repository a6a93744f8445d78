package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/timdhq/timd/internal/im"
)

// Errors of Tx misuse.
var (
	errReadOnly = errors.New("sqlite: write in read-only transaction")
	errEnded    = errors.New("sqlite: transaction used after its function returned")
)

// querier is what a tx runs statements on: the writer's *sql.Conn or a reader's *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tx is the im.Tx of one Update fn (on the writer connection, with cached statements) or one
// View fn (on a reader transaction).
type tx struct {
	q        querier
	stmts    *stmtCache  // nil in View
	rtx      *sql.Tx     // the read transaction of a View, nil in Update
	rst      *readStmts  // the readers' prepared statements, nil in Update
	groups   *groupCache // the writer's group rows, nil in View
	readOnly bool
	ended    bool // set when fn returns; the tx must not be used after
}

var _ im.Tx = (*tx)(nil)

// check reports whether the tx may still be used, and for writes whether it may write.
func (t *tx) check(write bool) error {
	if t.ended {
		return errEnded
	}
	if write && t.readOnly {
		return errReadOnly
	}
	return nil
}

// stmtCtx is the ctx statements of t run under. The writer's statements ignore cancellation:
// the driver interrupts a cancelled statement, and an interrupted write rolls back the whole
// transaction, which holds other callers' work.
func (t *tx) stmtCtx(ctx context.Context) context.Context {
	if t.stmts != nil {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// readStmt returns the View's statement for query, prepared once per reader connection,
// or nil when the statement cannot be prepared (the caller then runs the text and
// reports the error).
func (t *tx) readStmt(ctx context.Context, query string) *sql.Stmt {
	s := t.rst.get(query)
	if s == nil {
		return nil
	}
	return t.rtx.StmtContext(ctx, s)
}

// exec runs a statement that returns no rows.
func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.stmtCtx(ctx)
	if t.stmts == nil {
		return t.q.ExecContext(ctx, query, args...)
	}
	s, err := t.stmts.get(query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// query runs a statement that returns rows.
func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.stmtCtx(ctx)
	if t.rst != nil {
		if s := t.readStmt(ctx, query); s != nil {
			return s.QueryContext(ctx, args...)
		}
	}
	if t.stmts == nil {
		return t.q.QueryContext(ctx, query, args...)
	}
	s, err := t.stmts.get(query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// scanner is a row to scan: *sql.Row or errRow.
type scanner interface {
	Scan(dest ...any) error
}

// errRow is a row whose statement could not be prepared.
type errRow struct{ err error }

// Scan returns the preparation error.
func (r errRow) Scan(...any) error { return r.err }

// queryRow runs a statement that returns at most one row.
func (t *tx) queryRow(ctx context.Context, query string, args ...any) scanner {
	ctx = t.stmtCtx(ctx)
	if t.rst != nil {
		if s := t.readStmt(ctx, query); s != nil {
			return s.QueryRowContext(ctx, args...)
		}
	}
	if t.stmts == nil {
		return t.q.QueryRowContext(ctx, query, args...)
	}
	s, err := t.stmts.get(query)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRowContext(ctx, args...)
}

// execOne runs a statement that must change one row, or reports ErrNotFound.
func (t *tx) execOne(ctx context.Context, query string, args ...any) error {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return im.ErrNotFound
	}
	return nil
}

// stmtCache keeps the writer connection's prepared statements, so the statements every
// Update runs are compiled once. Only the writer goroutine uses it.
type stmtCache struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

// newStmtCache returns an empty cache for conn.
func newStmtCache(conn *sql.Conn) *stmtCache {
	return &stmtCache{conn: conn, stmts: make(map[string]*sql.Stmt)}
}

// get returns the prepared statement of query, preparing it on first use.
func (c *stmtCache) get(query string) (*sql.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	s, err := c.conn.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

// readStmts keeps the statements Views run, prepared on the reader pool: database/sql
// prepares each on a reader connection the first time that connection runs it, and
// reuses it after. Statement texts are few (queries are built from fixed parts), but the
// cache is capped all the same.
type readStmts struct {
	db      *sql.DB
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt // nil while being prepared, or when it cannot be
	closed  bool
	preping sync.WaitGroup // the prepare goroutines
}

// readStmtsMax caps the cached reader statements.
const readStmtsMax = 256

// get returns the statement of query, or nil when it is not prepared (yet), cannot be, or
// the cache is full: the View then runs the text on its own connection. A View calls get
// while holding a reader connection, so get never waits for another: preparing on the
// pool needs a free connection, and with every reader in a View waiting for one, none
// would come back. The first get of a query starts its prepare on a goroutine instead,
// which takes a connection once one is free.
func (c *readStmts) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok || c.closed || len(c.stmts) >= readStmtsMax {
		return s
	}
	if c.stmts == nil {
		c.stmts = make(map[string]*sql.Stmt)
	}
	c.stmts[query] = nil
	c.preping.Add(1)
	go c.prepare(query)
	return nil
}

// prepare prepares query on the reader pool and caches it. A query that cannot be
// prepared stays nil: its Views run the text, which reports the error.
func (c *readStmts) prepare(query string) {
	defer c.preping.Done()
	s, err := c.db.PrepareContext(context.Background(), query)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		s.Close()
		return
	}
	c.stmts[query] = s
}

// prepared returns the cached statement of query, nil if there is none yet.
func (c *readStmts) prepared(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[query]
}

// close closes every cached statement. Prepares still waiting for a connection end when
// the pool closes; wait waits for them.
func (c *readStmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for q, s := range c.stmts {
		if s != nil {
			s.Close()
		}
		delete(c.stmts, q)
	}
}

// wait waits until no prepare goroutine is left; call it after closing the pool.
func (c *readStmts) wait() { c.preping.Wait() }

// close closes every cached statement.
func (c *stmtCache) close() {
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
}

// isConflict reports whether err is a primary-key or unique constraint violation.
func isConflict(err error) bool {
	var e *driver.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return true
	}
	return false
}

// notFound maps sql.ErrNoRows to im.ErrNotFound and leaves other errors alone.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return im.ErrNotFound
	}
	return err
}

// appID is the stored form of an SDKAppID. SQLite integers are signed 64-bit; the cast
// round-trips every uint64, and database/sql refuses uint64 values with the high bit set.
func appID(app uint64) int64 { return int64(app) }

// encodeData is the stored form of custom fields: NULL for none, else a JSON object.
// Values must be valid UTF-8 (as JSON request fields always are) to round-trip exactly.
func encodeData(m map[string]string) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode app data: %w", err)
	}
	return string(b), nil
}

// decodeData reads custom fields stored by encodeData; nil for none.
func decodeData(s sql.NullString) (map[string]string, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s.String), &m); err != nil {
		return nil, fmt.Errorf("decode app data: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}
