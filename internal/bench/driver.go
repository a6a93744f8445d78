package bench

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Load says how a phase drives its target.
type Load struct {
	// Concurrency is the number of workers of a closed loop, each sending one request and
	// waiting for its answer before the next; default 64. Ignored when Rate is set.
	Concurrency int
	// Rate, when positive, drives an open loop instead: requests are scheduled at Rate
	// per second whatever the answers, and latency counts from each request's scheduled
	// time, so a server that falls behind cannot hide its queue (no coordinated omission).
	Rate float64
	// MaxInFlight caps the open loop's requests in flight; default 4096. At the cap the
	// scheduler waits, and the wait shows in the latency of the requests behind it;
	// requests still unsent when the window ends count as failures "unsent (in-flight cap)".
	MaxInFlight int
	// Warmup is driven but not measured; default 0.
	Warmup time.Duration
	// Duration is the measured window; it must be positive.
	Duration time.Duration
	// Grace bounds the wait for the requests still in flight when the window ends;
	// default 15s. Requests that started in the window are measured when they finish.
	Grace time.Duration
}

// Op sends one request and returns its outcome. The Ops that newOp returns to Drive are
// used by one goroutine at a time, so they may keep buffers and random sources.
type Op func(ctx context.Context) Outcome

// Hooks are called by Drive at the start and at the end of the measured window, for
// measurements of the target such as its CPU time. Either may be nil.
type Hooks struct {
	Start, End func()
}

// Window is the result of Drive: what happened in the measured window.
type Window struct {
	// Recorder holds the requests that started (closed loop) or were scheduled (open
	// loop) in the window.
	Recorder *Recorder
	// Start and End are the window's bounds.
	Start, End time.Time
}

// Seconds returns the length of the window.
func (w *Window) Seconds() float64 { return w.End.Sub(w.Start).Seconds() }

// Unsent names the failure class of open-loop requests never sent.
const Unsent = "unsent (in-flight cap)"

// Drive runs a phase: bands kinds of requests made by the Ops newOp returns (one per
// worker), under load l. It returns when the window and the requests in flight are done,
// or with ctx's error when ctx ends first.
func Drive(ctx context.Context, l Load, bands int, newOp func(worker int) Op, h Hooks) (*Window, error) {
	if l.Duration <= 0 {
		return nil, errors.New("bench: the duration must be positive")
	}
	if l.Grace <= 0 {
		l.Grace = 15 * time.Second
	}
	start := time.Now().Add(l.Warmup)
	w := &Window{Recorder: NewRecorder(bands), Start: start, End: start.Add(l.Duration)}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hooksDone := make(chan struct{})
	go func() {
		defer close(hooksDone)
		runHooks(ctx, w, h)
	}()
	var err error
	if l.Rate > 0 {
		err = driveOpen(ctx, rctx, l, w, bands, newOp)
	} else {
		err = driveClosed(ctx, rctx, l, w, bands, newOp)
	}
	<-hooksDone // the End hook has run, or ctx has ended
	if err == nil {
		err = ctx.Err()
	}
	return w, err
}

// runHooks calls h.Start and h.End at the bounds of w, unless ctx ends first.
func runHooks(ctx context.Context, w *Window, h Hooks) {
	for _, step := range []struct {
		at time.Time
		fn func()
	}{{w.Start, h.Start}, {w.End, h.End}} {
		if !sleepUntil(ctx, step.at) {
			return
		}
		if step.fn != nil {
			step.fn()
		}
	}
}

// sleepUntil sleeps until t; it reports false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// inWindow reports whether t is in [w.Start, w.End).
func (w *Window) inWindow(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// driveClosed runs the closed loop: l.Concurrency workers, each with its own Recorder.
func driveClosed(ctx, rctx context.Context, l Load, w *Window, bands int, newOp func(int) Op) error {
	n := l.Concurrency
	if n <= 0 {
		n = 64
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	recs := make([]*Recorder, n)
	for i := range n {
		rec, op := NewRecorder(bands), newOp(i)
		recs[i] = rec
		wg.Go(func() {
			for !stop.Load() && rctx.Err() == nil {
				t := time.Now()
				o := op(rctx)
				if w.inWindow(t) {
					rec.Record(o, time.Since(t))
				}
			}
		})
	}
	sleepUntil(ctx, w.End)
	stop.Store(true)
	finish(rctx, &wg, l.Grace)
	for _, r := range recs {
		w.Recorder.Merge(r)
	}
	return nil
}

// finish waits for wg at most grace, then cancels what is left through ctx's cancel:
// the caller's deferred cancel does that, so finish only stops waiting.
func finish(ctx context.Context, wg *sync.WaitGroup, grace time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	case <-ctx.Done():
	}
}

// openShards is the number of Recorders the open loop's requests share.
const openShards = 8

// driveOpen runs the open loop: one scheduler, a goroutine per request, at most
// l.MaxInFlight at a time, each with an Op from a free list.
func driveOpen(ctx, rctx context.Context, l Load, w *Window, bands int, newOp func(int) Op) error {
	maxIn := l.MaxInFlight
	if maxIn <= 0 {
		maxIn = 4096
	}
	shards := make([]*Recorder, openShards)
	for i := range shards {
		shards[i] = NewRecorder(bands)
	}
	free := make(chan Op, maxIn)
	created := 0
	acquire := func() (Op, bool) {
		select {
		case op := <-free:
			return op, true
		default:
		}
		if created < maxIn {
			created++
			return newOp(created - 1), true
		}
		select {
		case op := <-free:
			return op, true
		case <-rctx.Done():
			return nil, false
		}
	}
	interval := float64(time.Second) / l.Rate
	t0 := time.Now()
	var wg sync.WaitGroup
	var i uint64
	for ; ; i++ {
		due := t0.Add(time.Duration(float64(i) * interval))
		// Requests due in the window are sent even a little late (their latency counts
		// from due); ones more than a second behind when the window is over are not.
		if !due.Before(w.End) || !sleepUntil(ctx, due) || time.Since(w.End) > time.Second {
			break
		}
		op, ok := acquire()
		if !ok {
			break
		}
		rec := shards[i%openShards]
		wg.Go(func() {
			o := op(rctx)
			if w.inWindow(due) {
				rec.Record(o, time.Since(due))
			}
			free <- op
		})
	}
	countUnsent(shards[0], w, t0, interval, i)
	finish(rctx, &wg, l.Grace)
	for _, r := range shards {
		w.Recorder.Merge(r)
	}
	return nil
}

// countUnsent records as failures the requests scheduled in the window from request
// next on, which the scheduler never sent.
func countUnsent(rec *Recorder, w *Window, t0 time.Time, interval float64, next uint64) {
	index := func(t time.Time) uint64 { // the first request due at or after t
		return uint64(max(math.Ceil(float64(t.Sub(t0))/interval), 0))
	}
	first, end := max(index(w.Start), next), index(w.End)
	if end > first {
		rec.RecordFails(Unsent, end-first)
	}
}
