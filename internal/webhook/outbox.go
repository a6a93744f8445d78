package webhook

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// Observer is told what happens to after-callbacks; a nil Observer is fine.
type Observer interface {
	// Delivered reports a callback the app accepted, with the time of the attempt.
	Delivered(command string, d time.Duration)
	// Failed reports a failed attempt that will be retried.
	Failed(command string)
	// Abandoned reports an event dropped after Config.GiveUpAfter.
	Abandoned(command string)
	// Dropped reports an event dropped unsent because its app's callback URL, or that
	// callback command, was turned off after it was written.
	Dropped(command string)
}

// Deliverer sends the after-callbacks of the store's outbox: at least once, in order per
// group, retrying with exponential backoff and jitter until Config.GiveUpAfter. Several
// Deliverers (replicas) may share one store: claims lease events, so in the normal case
// each event is sent once; after a crash or an expired lease it may be sent again.
type Deliverer struct {
	store   im.Outbox
	sender  *Sender
	configs map[uint64]Config
	clock   im.Clock
	log     *slog.Logger
	obs     Observer

	lease   time.Duration // how long a claim holds an event
	maxBusy int           // events in flight at once, over all apps
	poll    time.Duration // how often to look for due events without a nudge
	run     int           // events of one group claimed and sent together, at most
	// idle is set when no app has a callback URL: once the outbox is empty of the events
	// written before, the Deliverer looks at the store only when nudged.
	idle bool
	wake chan struct{}
	sems map[uint64]chan struct{} // per-app concurrency
	// storeFails tracks the Deliverer's store writes, so that a store that cannot be
	// written is logged when it begins and ends, not at every poll.
	storeFails failureLog

	// paused stops new claims (Pause); the events wait in the outbox meanwhile.
	paused atomic.Bool

	mu       sync.Mutex
	inflight map[int64]bool // IDs of the events being sent by this Deliverer
}

// DelivererOptions tune a Deliverer; zero values take the defaults stated.
type DelivererOptions struct {
	Clock    im.Clock     // default im.SystemClock
	Logger   *slog.Logger // default discard
	Observer Observer     // default none
	// Lease is how long a claim holds an event before another claim may take it again.
	// Default: four times the longest callback timeout, plus 5s.
	Lease time.Duration
	// MaxBusy caps the events claimed and in flight at once. Default: the sum of the
	// apps' Concurrency, so that a claimed event never waits long for its app's turn.
	MaxBusy int
	Poll    time.Duration // how often to look for due events without a nudge; default 250ms
	// Run caps the events of one group claimed together and sent in order by one
	// goroutine, their deliveries recorded in one store write. Default 16.
	Run int
}

// NewDeliverer returns a Deliverer for the apps' callback configurations (by SDKAppID).
func NewDeliverer(store im.Outbox, sender *Sender, configs map[uint64]Config, opts DelivererOptions) *Deliverer {
	d := &Deliverer{
		store: store, sender: sender, configs: make(map[uint64]Config, len(configs)), clock: opts.Clock,
		log: opts.Logger, obs: opts.Observer, lease: opts.Lease, maxBusy: opts.MaxBusy, poll: opts.Poll, run: opts.Run,
		wake: make(chan struct{}, 1), sems: make(map[uint64]chan struct{}, len(configs)),
		inflight: make(map[int64]bool),
	}
	busy, timeout := 0, time.Duration(0)
	d.idle = true
	for app, c := range configs {
		c = c.WithDefaults()
		d.configs[app] = c
		d.sems[app] = make(chan struct{}, c.Concurrency)
		busy, timeout = busy+c.Concurrency, max(timeout, c.Timeout)
		if c.URL != "" {
			d.idle = false
		}
	}
	if d.clock == nil {
		d.clock = im.SystemClock{}
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.maxBusy == 0 {
		d.maxBusy = max(busy, 1)
	}
	if d.poll == 0 {
		d.poll = 250 * time.Millisecond
	}
	if d.lease == 0 {
		d.lease = 4*timeout + 5*time.Second
	}
	if d.run <= 0 {
		d.run = 16
	}
	return d
}

// Notify tells the Deliverer that new events were committed. It never blocks.
func (d *Deliverer) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Pause stops (true) or restarts (false) the delivery of events: while paused the
// Deliverer claims nothing, attempts in flight finish, and new events wait in the outbox.
// It is for the development endpoints (/dev/callbacks).
func (d *Deliverer) Pause(paused bool) {
	d.paused.Store(paused)
	if !paused {
		d.Notify()
	}
}

// Paused reports whether delivery is paused.
func (d *Deliverer) Paused() bool { return d.paused.Load() }

// Run delivers events until ctx is done, then waits for the attempts in flight. It polls
// the store every DelivererOptions.Poll for events that fell due, unless no app has a
// callback URL: then, once it has dropped what earlier runs left in the outbox, it waits
// for Notify alone.
func (d *Deliverer) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	busy := make(chan struct{}, d.maxBusy)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-timer.C:
		}
		if d.paused.Load() {
			continue // until Pause(false) nudges
		}
		more, err := d.claimAndSend(ctx, busy, &wg)
		for more && err == nil {
			more, err = d.claimAndSend(ctx, busy, &wg)
		}
		if d.idle && err == nil && d.outboxEmpty(ctx) {
			continue // until nudged
		}
		timer.Reset(d.poll)
	}
}

// outboxEmpty reports whether the outbox holds no event: without callback URLs no event
// is written, so once it is empty it stays so, while events not yet due (a retry's
// backoff, the lease of a process that died) are dropped when they fall due.
func (d *Deliverer) outboxEmpty(ctx context.Context) bool {
	n, err := d.store.CountOutbox(ctx)
	return err == nil && n == 0
}

// claimAndSend claims as many due events as there are free slots and starts sending
// them; it reports whether it claimed a full batch (so more may be due), or the store's
// failure.
func (d *Deliverer) claimAndSend(ctx context.Context, busy chan struct{}, wg *sync.WaitGroup) (bool, error) {
	free := cap(busy) - len(busy)
	if free == 0 {
		return false, nil
	}
	runs, err := d.claim(ctx, free)
	if ctx.Err() != nil {
		return false, nil
	}
	d.storeOutcome("claim events", err)
	if err != nil {
		return false, err
	}
	for _, run := range runs {
		if !d.start(run[0].ID) {
			// Due again while its last attempt is still winding up here: hand the new
			// leases back, or the group would wait for them to run out.
			d.release(run...)
			continue
		}
		busy <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-busy; d.Notify() }()
			d.sendRun(ctx, run) // it ends what start began
		}()
	}
	return len(runs) == free, nil
}

// storeOutcome notes the outcome of a store write of the Deliverer's: a failure is
// logged as an error when the store begins to fail and at debug level while it goes on,
// and the first success after failures is logged once, so that a store that cannot be
// written (disk full, read-only) shows as one line, not one per poll.
func (d *Deliverer) storeOutcome(what string, err error) {
	switch first, recovered := d.storeFails.note(err, d.clock.Now()); {
	case first:
		d.log.Error("webhook: the outbox cannot be written; retrying, and logging again once it can", "op", what, "err", err)
	case err != nil:
		d.log.Debug("webhook: the outbox still cannot be written", "op", what, "err", err)
	case recovered.failures > 0:
		d.log.Info("webhook: the outbox can be written again", "op", what, "failures", recovered.failures,
			"after", recovered.lasted.Round(time.Millisecond).String())
	}
}

// failureLog follows a run of failures.
type failureLog struct {
	mu       sync.Mutex
	failures int       // failures in a row, 0 when the last attempt succeeded
	since    time.Time // when the first of them happened
}

// outage is a run of failures that has ended.
type outage struct {
	failures int
	lasted   time.Duration
}

// note records an attempt at now that failed with err, or succeeded when err is nil. It
// reports whether err begins a run of failures, and the run a success ends, if any.
func (f *failureLog) note(err error, now time.Time) (first bool, ended outage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		f.failures++
		if f.failures == 1 {
			f.since = now
		}
		return f.failures == 1, outage{}
	}
	ended = outage{failures: f.failures, lasted: now.Sub(f.since)}
	f.failures = 0
	return false, ended
}

// claim claims up to limit due events, each the head of its group, and with each head
// the events that follow it in its group (up to d.run in all): a run, sent in order by
// one goroutine and acknowledged with one store write, so that a busy group's events do
// not each wait for two commits of their own.
func (d *Deliverer) claim(ctx context.Context, limit int) ([][]im.OutboxEntry, error) {
	now := d.clock.Now()
	nowMS, leaseMS := now.UnixMilli(), now.Add(d.lease).UnixMilli()
	var runs [][]im.OutboxEntry
	err := d.store.UpdateOutbox(ctx, func(ctx context.Context, tx im.OutboxTx) error {
		runs = runs[:0]
		heads, err := tx.ClaimEvents(ctx, nowMS, leaseMS, limit)
		if err != nil {
			return err
		}
		for _, h := range heads {
			followers, err := tx.LeaseFollowers(ctx, h, nowMS, leaseMS, d.run-1)
			if err != nil {
				return err
			}
			runs = append(runs, append([]im.OutboxEntry{h}, followers...))
		}
		return nil
	})
	return runs, err
}

// start marks event id as being sent and reports whether it was not already. An attempt
// that outlives its lease (waiting for its app's turn behind a slow endpoint), or whose
// retry falls due before it has wound up, lets the next claim take the event again; this
// Deliverer then leaves it to the attempt in flight rather than send it twice, and hands
// the claim's lease back.
func (d *Deliverer) start(id int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inflight[id] {
		return false
	}
	d.inflight[id] = true
	return true
}

// done ends what start began.
func (d *Deliverer) done(id int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.inflight, id)
}

// sendRun sends the events of one group's run in order. It stops at the first that is
// not delivered (its retry is scheduled, or shutdown began), hands back the leases of the
// rest, and deletes the events it is done with in one store write.
//
// The head stops being in flight (see start) as soon as this goroutine is done with it:
// when its retry is recorded, before the rest of the run is handed back. Its retry may
// fall due meanwhile, and a claim that took it again while it was still marked in flight
// would leave it leased, and its group stalled, until the lease ran out.
func (d *Deliverer) sendRun(ctx context.Context, run []im.OutboxEntry) {
	head := run[0].ID
	var finished []im.OutboxEntry
	for i, e := range run {
		// A run must end well inside its lease: past it, another claim could take the
		// group's events again and send them alongside this one.
		if i > 0 && time.UnixMilli(e.LeaseUntil).Sub(d.clock.Now()) < 2*d.configs[e.App].Timeout {
			d.release(run[i:]...)
			break
		}
		if !d.send(ctx, e) {
			if i == 0 {
				d.done(head)
			}
			d.release(run[i+1:]...)
			break
		}
		finished = append(finished, e)
	}
	// Record deliveries even if shutdown began meanwhile: an event left leased would be
	// sent again, and only once its lease ran out.
	d.finish(context.WithoutCancel(ctx), finished...)
	if len(finished) > 0 {
		d.done(head)
	}
}

// send makes one delivery attempt of e and reports whether e is done with: delivered,
// abandoned, or no longer wanted. Otherwise its retry is scheduled, or (on shutdown) its
// lease handed back.
func (d *Deliverer) send(ctx context.Context, e im.OutboxEntry) bool {
	cfg, ok := d.configs[e.App]
	if !ok || !cfg.Enabled(e.Command) {
		// Callbacks were turned off since the event was written.
		if d.obs != nil {
			d.obs.Dropped(e.Command)
		}
		return true
	}
	sem := d.sems[e.App]
	select {
	case sem <- struct{}{}:
		defer func() { <-sem }()
	case <-ctx.Done():
		d.release(e)
		return false
	}
	start := d.clock.Now()
	_, err := d.sender.Post(ctx, cfg, e.App, e.Command, e.ClientIP, e.Body)
	if err == nil {
		if d.obs != nil {
			d.obs.Delivered(e.Command, d.clock.Now().Sub(start))
		}
		return true
	}
	if ctx.Err() != nil {
		d.release(e) // shutting down: the next start sends it again
		return false
	}
	return d.retry(context.WithoutCancel(ctx), cfg, e, err)
}

// retry schedules the next attempt of e, or abandons it once it is too old; it reports
// whether e was abandoned (and so is done with).
func (d *Deliverer) retry(ctx context.Context, cfg Config, e im.OutboxEntry, cause error) bool {
	now := d.clock.Now()
	if now.Sub(time.UnixMilli(e.Created)) >= cfg.GiveUpAfter {
		d.log.Warn("webhook: giving up", "command", e.Command, "sdkappid", e.App, "group", e.Group, "attempts", e.Attempts+1, "err", cause)
		if d.obs != nil {
			d.obs.Abandoned(e.Command)
		}
		return true
	}
	if d.obs != nil {
		d.obs.Failed(e.Command)
	}
	attempts := e.Attempts + 1
	next := now.Add(Backoff(cfg, attempts)).UnixMilli()
	d.log.Info("webhook: will retry", "command", e.Command, "sdkappid", e.App, "attempts", attempts, "err", cause)
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	err := d.store.UpdateOutbox(ctx, func(ctx context.Context, tx im.OutboxTx) error {
		return tx.RetryEvent(ctx, e.ID, attempts, next)
	})
	if errors.Is(err, im.ErrNotFound) {
		err = nil
	}
	d.storeOutcome("record retry", err)
	return false
}

// release gives back the leases of events that were claimed but not sent, so that the
// next claim, after a restart too, need not wait for the leases to run out.
func (d *Deliverer) release(es ...im.OutboxEntry) {
	if len(es) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	err := d.store.UpdateOutbox(ctx, func(ctx context.Context, tx im.OutboxTx) error {
		for _, e := range es {
			err := tx.RetryEvent(ctx, e.ID, e.Attempts, e.NextAttempt)
			if err != nil && !errors.Is(err, im.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	d.storeOutcome("release events", err)
}

// finish removes sent or abandoned events, in one store write.
func (d *Deliverer) finish(ctx context.Context, es ...im.OutboxEntry) {
	if len(es) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	err := d.store.UpdateOutbox(ctx, func(ctx context.Context, tx im.OutboxTx) error {
		for _, e := range es {
			if err := tx.DeleteEvent(ctx, e.ID); err != nil {
				return err
			}
		}
		return nil
	})
	d.storeOutcome("delete delivered events", err)
}

// storeTimeout bounds the store writes that record an attempt's outcome.
const storeTimeout = 5 * time.Second

// Backoff returns the wait before attempt number attempts+1: RetryMin doubled per failed
// attempt, capped at RetryMax, with jitter over its upper half so that a receiver coming
// back is not hit by every event at once. The wait is never below RetryMin nor above
// RetryMax.
func Backoff(cfg Config, attempts int) time.Duration {
	cfg = cfg.WithDefaults()
	d := cfg.RetryMin
	for i := 1; i < attempts && d < cfg.RetryMax; i++ {
		if d > cfg.RetryMax/2 { // doubling would pass RetryMax, or overflow
			d = cfg.RetryMax
			break
		}
		d *= 2
	}
	d = min(d, cfg.RetryMax)
	return max(d/2+rand.N(d/2+1), cfg.RetryMin)
}
