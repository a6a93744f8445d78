package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// probeEvery is how long a write outcome, a client's or a probe's, stands for /readyz
// before it writes a probe of its own.
const probeEvery = time.Second

// writeHealth follows whether the store can write, for /readyz: a replica whose store
// cannot write (read-only data files or database, a full disk) answers every write with
// 10002, so a load balancer should drain it. The last write outcome decides: the
// commits of client writes, seen through the timed store, and the probe writes readyz
// makes itself when no outcome is recent, so that a drained replica, which gets no
// client writes, is ready again as soon as a write succeeds.
type writeHealth struct {
	store   im.Store // the store itself: probes are neither timed nor counted
	probeID string   // the probe account, of app 0, which no app can be

	fail atomic.Pointer[writeFailure] // the last write failure; nil after a success

	mu       sync.Mutex // serializes probes
	probedAt time.Time  // when the last probe ended
}

// writeFailure is a write that failed, and when.
type writeFailure struct {
	err error
	at  time.Time
}

func newWriteHealth(store im.Store) *writeHealth {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &writeHealth{store: store, probeID: "timd-readyz-" + hex.EncodeToString(b[:])}
}

// record notes the outcome of a write transaction. A failure counts when the store
// failed, not the request: a coded error (a rule the request broke), a missing or
// conflicting row, and an ended context say nothing about whether the store can write.
func (h *writeHealth) record(err error) {
	if err == nil {
		if h.fail.Load() != nil {
			h.fail.Store(nil)
		}
		return
	}
	if im.CodeOf(err) != im.CodeInternal || errors.Is(err, im.ErrNotFound) || errors.Is(err, im.ErrConflict) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return
	}
	h.fail.Store(&writeFailure{err: err, at: time.Now()})
}

// ready reports whether the store answers and can write: the error of the last write
// when it failed less than probeEvery ago, else the outcome of a probe write, which
// stands for probeEvery too.
func (h *writeHealth) ready(ctx context.Context) error {
	if err := h.store.Ping(ctx); err != nil {
		return fmt.Errorf("store unreachable: %w", err)
	}
	if f := h.fail.Load(); f != nil && time.Since(f.at) < probeEvery {
		return fmt.Errorf("store cannot write: %w", f.err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if f := h.fail.Load(); f == nil && time.Since(h.probedAt) < probeEvery {
		return nil
	} else if f != nil && time.Since(f.at) < probeEvery {
		return fmt.Errorf("store cannot write: %w", f.err)
	}
	err := h.probe(ctx)
	h.probedAt = time.Now()
	if err != nil {
		h.fail.Store(&writeFailure{err: err, at: h.probedAt})
		return fmt.Errorf("store cannot write: %w", err)
	}
	h.fail.Store(nil)
	return nil
}

// probe writes and deletes an account of app 0 in one transaction: a commit that must
// reach the disk (SQLite's WAL, PostgreSQL's) as any client write does.
func (h *writeHealth) probe(ctx context.Context) error {
	return h.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		if err := tx.PutAccount(ctx, im.Account{App: 0, UserID: h.probeID}); err != nil {
			return err
		}
		return tx.DeleteAccount(ctx, 0, h.probeID)
	})
}
