package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"github.com/timdhq/timd/internal/im"
)

// writerKey marks the ctx given to an Update fn, so a nested Update fails instead of
// deadlocking the writer.
type writerKey struct{}

// request is one Update call waiting for the writer.
type request struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx im.Tx) error
	done chan error // buffered: the writer never waits for the caller
}

// writer owns the one read-write connection. Its goroutine takes the Update calls waiting at
// the same time, runs each in a SAVEPOINT of one transaction, and commits them together.
type writer struct {
	conn    *sql.Conn
	stmts   *stmtCache
	max     int
	reqs    chan *request // unbuffered: a request sent has been taken by the goroutine
	ckpts   chan chan walState
	quit    chan struct{}
	stopped chan struct{}

	batch []*request // reused by run
	ok    []*request // requests of the current batch whose fn succeeded

	// groups caches group rows for GetGroup and GetGroupMember (see groupCache);
	// dataVersion is the PRAGMA data_version its rows were read under.
	groups      *groupCache
	dataVersion int64

	// syncer answers committed batches after fsyncing the WAL; nil when SQLite itself
	// syncs at COMMIT (or not at all).
	syncer *walSyncer

	commits atomic.Int64 // COMMITs run, for tests and benchmarks
}

// startWriter starts the writer goroutine on conn; a non-nil syncer answers its commits.
func startWriter(conn *sql.Conn, batchMax int, syncer *walSyncer, groups *groupCache) *writer {
	w := &writer{
		conn:    conn,
		stmts:   newStmtCache(conn),
		max:     batchMax,
		reqs:    make(chan *request),
		ckpts:   make(chan chan walState),
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
		syncer:  syncer,
		groups:  groups,
	}
	go w.run()
	return w
}

// do hands fn to the writer goroutine and waits for its answer. Once the goroutine has taken
// the request, do waits for the outcome even if ctx ends, so the answer is never a guess.
func (w *writer) do(ctx context.Context, fn func(ctx context.Context, tx im.Tx) error) error {
	r := &request{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case w.reqs <- r:
	case <-w.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-r.done
}

// checkpoint runs a passive checkpoint on the writer's connection between two batches,
// so that no commit comes between it and the next batch, and returns its outcome; see
// checkpointer. It fails with ErrClosed when the writer is stopping.
func (w *writer) checkpoint() walState {
	reply := make(chan walState, 1)
	select {
	case w.ckpts <- reply:
		return <-reply
	case <-w.quit:
		return walState{err: ErrClosed}
	}
}

// checkDataVersion empties the group cache if another connection has committed to the
// database since the last batch: PRAGMA data_version changes only then.
func (w *writer) checkDataVersion() error {
	s, err := w.stmts.get("PRAGMA data_version")
	if err != nil {
		return err
	}
	var v int64
	if err := s.QueryRowContext(context.Background()).Scan(&v); err != nil {
		return fmt.Errorf("data_version: %w", err)
	}
	if v != w.dataVersion {
		w.groups.clear()
		w.dataVersion = v
	}
	return nil
}

// stop makes the goroutine exit after its current batch and closes the connection.
func (w *writer) stop() error {
	close(w.quit)
	<-w.stopped
	w.stmts.close()
	return w.conn.Close()
}

// run commits batches until stop.
func (w *writer) run() {
	defer close(w.stopped)
	if w.syncer != nil {
		defer w.syncer.stop()
	}
	for w.next() {
		w.commit()
		clear(w.batch) // let the answered requests be collected
		clear(w.ok)
	}
}

// next fills w.batch with the first waiting request and every other one already waiting, up
// to w.max. It reports false when the writer is stopping.
func (w *writer) next() bool {
	select {
	case <-w.quit:
		return false
	default:
	}
	w.batch = w.batch[:0]
	for len(w.batch) == 0 {
		select {
		case r := <-w.reqs:
			w.batch = append(w.batch, r)
		case reply := <-w.ckpts:
			reply <- passive(context.Background(), w.conn)
		case <-w.quit:
			return false
		}
	}
	for len(w.batch) < w.max {
		select {
		case r := <-w.reqs:
			w.batch = append(w.batch, r)
		default:
			return true
		}
	}
	return true
}

// commit runs w.batch in one transaction and answers every request in it.
func (w *writer) commit() {
	w.ok = w.ok[:0]
	if w.syncer != nil {
		if err := w.syncer.err(); err != nil {
			answer(w.batch, err)
			return
		}
	}
	if err := w.exec("BEGIN IMMEDIATE"); err != nil {
		answer(w.batch, fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	if err := w.checkDataVersion(); err != nil {
		w.rollback()
		answer(w.batch, fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	batchTouched := false
	for i, r := range w.batch {
		fnErr, fatal := w.apply(r)
		batchTouched = batchTouched || w.groups.touched
		if fatal != nil {
			// The transaction is in an unknown state: give up on the whole batch.
			w.groups.clear()
			w.rollback()
			err := fmt.Errorf("sqlite: batch aborted: %w", fatal)
			answer(w.ok, err)
			answer(w.batch[i:], err)
			return
		}
		if fnErr != nil {
			r.done <- fnErr
			continue
		}
		w.ok = append(w.ok, r)
	}
	if len(w.ok) == 0 {
		if batchTouched {
			w.groups.clear()
		}
		w.rollback() // nothing to keep, so no fsync
		return
	}
	err := w.exec("COMMIT")
	w.commits.Add(1)
	if err != nil {
		w.groups.clear()
		w.rollback()
		answer(w.ok, fmt.Errorf("sqlite: commit: %w", err))
		return
	}
	if w.syncer != nil {
		w.syncer.submit(append([]*request(nil), w.ok...))
		return
	}
	answer(w.ok, nil)
}

// apply runs r's fn in a savepoint. fnErr is the request's own failure, already rolled back;
// fatal is a failure of the savepoint statements themselves.
func (w *writer) apply(r *request) (fnErr, fatal error) {
	if err := r.ctx.Err(); err != nil {
		return err, nil
	}
	if err := w.exec("SAVEPOINT request"); err != nil {
		return nil, err
	}
	w.groups.touched = false
	fnErr = w.call(r)
	if fnErr != nil {
		if w.groups.touched {
			w.groups.clear() // rows read since may hold what the rollback undoes
		}
		if err := w.exec("ROLLBACK TO request"); err != nil {
			return nil, err
		}
	}
	if err := w.exec("RELEASE request"); err != nil {
		return nil, err
	}
	return fnErr, nil
}

// call runs r's fn, turning a panic into an error.
func (w *writer) call(r *request) (err error) {
	t := &tx{q: w.conn, stmts: w.stmts, groups: w.groups}
	defer func() {
		t.ended = true
		if p := recover(); p != nil {
			err = panicError(p)
		}
	}()
	return r.fn(context.WithValue(r.ctx, writerKey{}, w), t)
}

// panicError is the error an Update caller gets when its fn panics with p.
func panicError(p any) error {
	if e, ok := p.(error); ok {
		return fmt.Errorf("sqlite: panic in Update: %w\n%s", e, debug.Stack())
	}
	return fmt.Errorf("sqlite: panic in Update: %v\n%s", p, debug.Stack())
}

// exec runs a transaction-control statement on the writer connection, prepared once. It
// never takes a caller's ctx: an interrupted statement would roll back the whole batch.
func (w *writer) exec(query string) error {
	s, err := w.stmts.get(query)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(context.Background())
	return err
}

// rollback ends the open transaction, if any. Its error is of no use: a failed rollback
// leaves no transaction to end, and the next BEGIN reports any lasting problem.
func (w *writer) rollback() {
	_ = w.exec("ROLLBACK")
}

// answer sends err to every request in rs.
func answer(rs []*request, err error) {
	for _, r := range rs {
		r.done <- err
	}
}
