package server

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/timdhq/timd/internal/httpapi"
	"github.com/timdhq/timd/internal/im"
)

// Sizes of the request journal of the development endpoints.
const (
	journalSize    = 1000     // calls kept, of all apps together
	journalBodyMax = 64 << 10 // bytes kept of each request and answer body
)

// devControl carries out the development endpoints (httpapi.DevControl): it resets apps
// in the store, moves the server's clock and keeps the request journal.
type devControl struct {
	store   im.Store
	clock   *devClock
	journal *journal
	srv     *Server // for its fault rules and its after-callback deliverer
}

var _ httpapi.DevControl = (*devControl)(nil)

// newDevControl returns the development control of a server on store whose clock, before
// any change through the endpoints, is base.
func newDevControl(store im.Store, base im.Clock, srv *Server) *devControl {
	return &devControl{store: store, clock: &devClock{base: base}, journal: newJournal(journalSize), srv: srv}
}

// ResetApp deletes all the app's data and fault rules, and forgets its journal entries;
// with seed it then loads the seed file.
func (d *devControl) ResetApp(ctx context.Context, app uint64, seed bool) error {
	if seed && d.srv.cfg.Seed == "" {
		return im.Errorf(im.CodeInvalidParam, "this server has no seed file (seed, TIMD_SEED, -seed)")
	}
	err := d.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		return tx.DeleteApp(ctx, app)
	})
	if err != nil {
		return fmt.Errorf("delete app %d: %w", app, err)
	}
	d.journal.forget(app)
	d.srv.faults.Remove(app, "")
	if !seed {
		return nil
	}
	if _, err := d.srv.loadSeed(ctx, app); err != nil {
		return im.Errorf(im.CodeInvalidParam, "%v", err)
	}
	return nil
}

// PauseCallbacks pauses or resumes the delivery of after-callbacks.
func (d *devControl) PauseCallbacks(paused bool) { d.srv.PauseCallbacks(paused) }

// CallbacksPaused reports whether the delivery of after-callbacks is paused.
func (d *devControl) CallbacksPaused() bool { return d.srv.CallbacksPaused() }

// AdvanceClock moves the clock forward by dur.
func (d *devControl) AdvanceClock(dur time.Duration) time.Time { return d.clock.advance(dur) }

// SetClock sets the clock to t.
func (d *devControl) SetClock(t time.Time) time.Time { return d.clock.set(t) }

// Requests returns the app's last journal entries.
func (d *devControl) Requests(app uint64, limit int) []httpapi.JournalEntry {
	return d.journal.last(app, limit)
}

// devClock is the server's clock while the development endpoints are on: a base clock
// plus an offset that /dev/clock moves.
type devClock struct {
	base   im.Clock
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the base clock's time plus the offset.
func (c *devClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Now().Add(c.offset)
}

// advance moves the clock forward by d and returns the new time.
func (c *devClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	return c.base.Now().Add(c.offset)
}

// set sets the clock to t and returns it.
func (c *devClock) set(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = t.Sub(c.base.Now())
	return t
}

// journal keeps the last REST calls in a ring.
type journal struct {
	mu      sync.Mutex
	entries []httpapi.JournalEntry // the ring, of capacity size
	next    int                    // where the next entry goes once the ring is full
}

// newJournal returns an empty journal of size entries.
func newJournal(size int) *journal {
	return &journal{entries: make([]httpapi.JournalEntry, 0, size)}
}

// add records e, dropping the oldest entry when the journal is full. Bodies over
// journalBodyMax are cut short.
func (j *journal) add(e httpapi.JournalEntry) {
	e.Request, e.Answer = clip(e.Request), clip(e.Answer)
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.entries) < cap(j.entries) {
		j.entries = append(j.entries, e)
		return
	}
	j.entries[j.next] = e
	j.next = (j.next + 1) % len(j.entries)
}

// clip returns b, or a copy of its first journalBodyMax bytes followed by a note: a
// subslice would keep the whole body in memory.
func clip(b []byte) []byte {
	if len(b) <= journalBodyMax {
		return b
	}
	out := append(make([]byte, 0, journalBodyMax+32), b[:journalBodyMax]...)
	return fmt.Appendf(out, "... (%d more bytes)", len(b)-journalBodyMax)
}

// ordered returns the entries oldest first. j.mu must be held.
func (j *journal) ordered() []httpapi.JournalEntry {
	return append(append([]httpapi.JournalEntry(nil), j.entries[j.next:]...), j.entries[:j.next]...)
}

// last returns up to limit of the app's most recent entries, oldest first.
func (j *journal) last(app uint64, limit int) []httpapi.JournalEntry {
	j.mu.Lock()
	all := j.ordered()
	j.mu.Unlock()
	var out []httpapi.JournalEntry
	for i := len(all) - 1; i >= 0 && len(out) < limit; i-- {
		if all[i].SDKAppID == app {
			out = append(out, all[i])
		}
	}
	slices.Reverse(out)
	return out
}

// forget drops the app's entries.
func (j *journal) forget(app uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	kept := make([]httpapi.JournalEntry, 0, cap(j.entries))
	for _, e := range j.ordered() {
		if e.SDKAppID != app {
			kept = append(kept, e)
		}
	}
	j.entries, j.next = kept, 0
}
