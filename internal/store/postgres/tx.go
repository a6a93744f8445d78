package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/timdhq/timd/internal/im"
)

// Errors of Tx misuse.
var (
	errReadOnly = errors.New("postgres: write in read-only transaction")
	errEnded    = errors.New("postgres: transaction used after its function returned")
)

// SQLSTATE codes the store acts on (PostgreSQL manual, appendix A).
const (
	codeUniqueViolation          = "23505"
	codeSerializationFailure     = "40001"
	codeDeadlockDetected         = "40P01"
	codeCharacterNotInRepertoire = "22021"
	codeDivisionByZero           = "22012"
)

// ErrInvalidText reports a text value PostgreSQL cannot store: one holding a NUL byte or
// bytes that are not valid UTF-8 (SQLSTATE 22021). SQLite stores such text as given; the
// service rejects it before it reaches a store, and this names the cause if some path
// does not. Like every statement error, it aborts the transaction.
var ErrInvalidText = errors.New("postgres: text holds a NUL byte or invalid UTF-8")

// tx is the im.Tx of one Update or View fn.
type tx struct {
	q        *lazyTx
	readOnly bool
	ended    bool  // set when fn returns; the tx must not be used after
	failed   error // the first statement error: PostgreSQL has aborted the transaction

	// held are the memberships this Update has read and has not deleted since, each with
	// the version (xmin) it was read at when it was read without its lock, or 0 when
	// its row is locked (FOR NO KEY UPDATE) until the commit. No other transaction can
	// change or delete a locked row, so an UPDATE of it changes exactly one row, and
	// laterOne may queue it; an UPDATE of a row read unlocked is queued with the version
	// as a condition, and fails when the row changed (errStale). Every statement of the
	// store that deletes memberships empties it.
	held map[heldMember]uint32

	// heldGroups are the groups this Update has read with their rows locked, and has
	// not destroyed since: an append to one of their streams takes a Seq no other
	// transaction can take, and advances a row that is there, so it may be queued.
	// Every statement of the store that deletes groups empties it.
	heldGroups map[heldGroup]struct{}

	// optimistic lets GetGroupMember with KeepGroup read the member without its lock:
	// the first attempt of an Update. The row's version is checked when it is written,
	// or at the commit (validate), and the Update runs fn again, locking, if it changed.
	optimistic bool
}

// heldMember is a membership in tx.held.
type heldMember struct {
	app            uint64
	group, account string
}

// heldGroup is a group in tx.heldGroups.
type heldGroup struct {
	app uint64
	id  string
}

// holdGroup records that the Update has read and locked the group's row.
func (t *tx) holdGroup(app uint64, id string) {
	if t.readOnly {
		return
	}
	if t.heldGroups == nil {
		t.heldGroups = make(map[heldGroup]struct{})
	}
	t.heldGroups[heldGroup{app, id}] = struct{}{}
}

// hold records that the Update has read the membership: locked (xmin 0), or unlocked at
// version xmin.
func (t *tx) hold(app uint64, group, account string, xmin uint32) {
	if t.readOnly {
		return
	}
	k := heldMember{app, group, account}
	if _, ok := t.held[k]; ok {
		// Read before: a row locked then stays locked, and a row read unlocked keeps
		// the first version read, on which fn's earlier decisions rest.
		return
	}
	if t.held == nil {
		t.held = make(map[heldMember]uint32)
	}
	t.held[k] = xmin
}

// validate queues, before the commit, a check of each membership read unlocked and not
// written since: it locks the row if it is still at the version read, and fails with
// errStale if not, so that an Update's decisions on a row read unlocked stand as if it
// had been locked from the read.
func (t *tx) validate() {
	for k, xmin := range t.held {
		if xmin == 0 {
			continue
		}
		t.q.later(queuedSQL{sql: `SELECT 1 / count(*) FROM (SELECT FROM members
				WHERE app = $1 AND group_id = $2 AND account = $3 AND xmin = $4
				FOR NO KEY UPDATE) s`,
			args: []any{appID(k.app), k.group, k.account, xmin}, stale: true})
		t.held[k] = 0
	}
}

// releaseMembers forgets every held membership: called by the writes that delete
// memberships. releaseAll also forgets the held groups: called by those that delete
// groups.
func (t *tx) releaseMembers() { t.held = nil }
func (t *tx) releaseAll()     { t.held, t.heldGroups = nil, nil }

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

// lockClause is appended to the reads whose rows an Update locks: FOR NO KEY UPDATE, the
// lock an UPDATE that keeps the key takes. It excludes every other writer of the row, yet
// lets ExistingAccounts' FOR KEY SHARE through, which only pins that an account exists.
// View reads lock nothing.
func (t *tx) lockClause() string {
	if t.readOnly {
		return ""
	}
	return " FOR NO KEY UPDATE"
}

// usable returns an error when an earlier statement has aborted the transaction, sparing
// the round trip that would fail with SQLSTATE 25P02.
func (t *tx) usable() error {
	if t.failed != nil {
		return fmt.Errorf("postgres: transaction aborted by an earlier error: %w", t.failed)
	}
	return nil
}

// fail records err as the statement error that aborted the transaction and returns it
// classified: a unique violation also matches im.ErrConflict, and a text value with a NUL
// byte or invalid UTF-8 matches ErrInvalidText. Statements that may meet an existing key
// use ON CONFLICT instead, so this is a fallback that keeps the error's meaning, not a way
// to go on: the transaction is aborted.
func (t *tx) fail(err error) error {
	if t.failed == nil {
		t.failed = err
	}
	if _, queued := errors.AsType[*deferredError](err); queued {
		return err // the failure of an earlier write, not of this statement
	}
	switch sqlState(err) {
	case codeUniqueViolation:
		return fmt.Errorf("%w: %w", im.ErrConflict, err)
	case codeCharacterNotInRepertoire:
		return fmt.Errorf("%w: %w", ErrInvalidText, err)
	}
	return err
}

// exec runs a statement that returns no rows.
func (t *tx) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := t.usable(); err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := t.q.Exec(ctx, sql, args...)
	if err != nil {
		return tag, t.fail(err)
	}
	return tag, nil
}

// execOne runs a statement that must change one row, or reports ErrNotFound.
func (t *tx) execOne(ctx context.Context, sql string, args ...any) error {
	tag, err := t.exec(ctx, sql, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return im.ErrNotFound
	}
	return nil
}

// later queues a write to be sent with the transaction's next statement or its COMMIT
// (see lazyTx): for writes whose every failure fails the whole Update, since fn goes on
// before their outcome is known. A failure is reported by the statement, or the commit,
// that sends the write, and aborts the transaction.
func (t *tx) later(sql string, args ...any) error {
	if err := t.usable(); err != nil {
		return err
	}
	t.q.later(queuedSQL{sql: sql, args: args})
	return nil
}

// laterOne is execOne for an UPDATE of membership (group, account) whose statement ends
// with its WHERE clause: queued by later when the transaction holds the membership; run
// now otherwise, so that a missing row is still ErrNotFound. Queued, it fails in the
// server if it changes no row (changesOne): for a row read unlocked, when the row is no
// longer at the version read (errStale; the write then leaves the row locked, so the
// version is checked once); for a locked row, only a bug of held's upkeep could.
func (t *tx) laterOne(ctx context.Context, app uint64, group, account string, sql string, args ...any) error {
	k := heldMember{app, group, account}
	xmin, ok := t.held[k]
	if !ok {
		return t.execOne(ctx, sql, args...)
	}
	if err := t.usable(); err != nil {
		return err
	}
	q := queuedSQL{sql: sql, args: args}
	if xmin != 0 {
		q.sql += fmt.Sprintf(" AND xmin = $%d", len(args)+1)
		q.args = append(args[:len(args):len(args)], xmin)
		q.stale = true
		t.held[k] = 0
	}
	q.sql = changesOne(q.sql)
	t.q.later(q)
	return nil
}

// row is the result of queryRow.
type row struct {
	t   *tx
	r   pgx.Row
	err error // set when the statement was not sent
}

// Scan scans the row into dest; no row is im.ErrNotFound, which leaves the transaction
// usable.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	err := r.r.Scan(dest...)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return im.ErrNotFound
	}
	return r.t.fail(err)
}

// queryRowAlone is queryRow for a read that locks nothing: see lazyTx.QueryRowAlone.
func (t *tx) queryRowAlone(ctx context.Context, sql string, args ...any) row {
	if err := t.usable(); err != nil {
		return row{err: err}
	}
	return row{t: t, r: t.q.QueryRowAlone(ctx, sql, args...)}
}

// queryRow runs a statement that returns at most one row.
func (t *tx) queryRow(ctx context.Context, sql string, args ...any) row {
	if err := t.usable(); err != nil {
		return row{err: err}
	}
	return row{t: t, r: t.q.QueryRow(ctx, sql, args...)}
}

// collect runs a statement and scans every row it returns with scan.
func collect[T any](ctx context.Context, t *tx, scan pgx.RowToFunc[T], sql string, args ...any) ([]T, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	rows, err := t.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, t.fail(err)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, t.fail(err)
	}
	return out, nil
}

// sqlState returns the SQLSTATE of a PostgreSQL error in err's chain, or "".
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// isRetryable reports whether err is a serialization failure or a deadlock: the server
// rolled the transaction back, and running it again may succeed.
func isRetryable(err error) bool {
	switch sqlState(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return false
}

// appID is the stored form of an SDKAppID: BIGINT is signed, and the cast round-trips
// every uint64.
func appID(app uint64) int64 { return int64(app) }

// encodeData is the stored form of custom fields: NULL for none, else a JSON object.
// Values must be valid UTF-8 (as JSON request fields always are) to round-trip exactly.
func encodeData(m map[string]string) (*string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode app data: %w", err)
	}
	s := string(b)
	return &s, nil
}

// decodeData reads custom fields stored by encodeData; nil for none.
func decodeData(s *string) (map[string]string, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(*s), &m); err != nil {
		return nil, fmt.Errorf("decode app data: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}
