package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Checkpoint rounds: see checkpointer.
const (
	// maxCheckpointPasses bounds the background passes of one round.
	maxCheckpointPasses = 4
	// caughtUpFrames is how few frames a pass may find committed since the previous one
	// for the round to stop passing in the background.
	caughtUpFrames = 64
	// restartFrames is the WAL length, in frames, from which a round has the writer copy
	// the last frames itself, so that the WAL is written from its start again.
	restartFrames = 4096
)

// walState is what a passive checkpoint reports: the frames in the WAL and how many of
// them are in the database file, or its failure.
type walState struct {
	frames, copied int
	err            error
}

// checkpointer runs passive WAL checkpoints every interval on its own connection, so the
// writer seldom reaches wal_autocheckpoint and checkpoints on a caller's time. A passive
// checkpoint takes no lock the writer or readers wait for; frames it cannot copy yet (a
// reader still needs them) are copied by a later run.
//
// Copying the frames is not enough to keep the WAL short. SQLite writes the WAL from its
// start again only when a write transaction begins with every frame of it copied; under a
// steady write load there is always a commit between a background pass and the writer's
// next transaction, so the WAL would grow pass after pass until the committing writer
// reached wal_autocheckpoint and copied the whole of it on a caller's time: 45-110 ms
// every two seconds at 2,300 modifies a second, measured (BENCHMARKS.md). So a round
// passes in the background until a pass finds little new (each copies what the one before
// it left, so they get shorter), and then, once the WAL is long, has the writer run the
// last pass between two batches: it copies the few frames left, and the writer's next
// transaction begins with the WAL copied whole and restarts it (unless a reader is just
// then reading from it; the next round tries again).
type checkpointer struct {
	conn    *sql.Conn
	every   time.Duration
	quit    chan struct{}
	stopped chan struct{}
	// pass runs one passive checkpoint on the checkpointer's connection, and last one on
	// the writer's; tests stand in for them.
	pass, last func(ctx context.Context) walState
}

// startCheckpointer starts the checkpoint goroutine on conn, finishing its rounds on w
// (nil: never).
func startCheckpointer(conn *sql.Conn, every time.Duration, w *writer) *checkpointer {
	c := &checkpointer{
		conn:    conn,
		every:   every,
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	c.pass = func(ctx context.Context) walState { return passive(ctx, conn) }
	if w != nil {
		c.last = func(context.Context) walState { return w.checkpoint() }
	}
	go c.run()
	return c
}

// run checkpoints until stop. A failed checkpoint is retried on the next tick; the
// wal_autocheckpoint backstop bounds the WAL meanwhile.
func (c *checkpointer) run() {
	defer close(c.stopped)
	tick := time.NewTicker(c.every)
	defer tick.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-tick.C:
			c.round(context.Background())
		}
	}
}

// round runs background passes until one finds fewer than caughtUpFrames frames
// committed since the previous (or none it could copy: a reader holds them back), a pass
// fails, or maxCheckpointPasses have run; then, if the WAL is restartFrames long or
// more, the writer's pass. It returns the background passes run and whether the writer
// ran one.
func (c *checkpointer) round(ctx context.Context) (passes int, writer bool) {
	prev := walState{frames: -1, copied: -1}
	for passes < maxCheckpointPasses {
		st := c.pass(ctx)
		passes++
		if st.err != nil || st.frames <= 0 {
			return passes, false
		}
		if st.copied == prev.copied || (prev.frames >= 0 && st.frames-prev.frames < caughtUpFrames) {
			prev = st
			break
		}
		prev = st
	}
	if prev.frames < restartFrames || c.last == nil {
		return passes, false
	}
	c.last(ctx)
	return passes, true
}

// passive runs PRAGMA wal_checkpoint(PASSIVE) on conn.
func passive(ctx context.Context, conn *sql.Conn) walState {
	var busy int
	st := walState{}
	st.err = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &st.frames, &st.copied)
	return st
}

// stop ends the goroutine and closes its connection.
func (c *checkpointer) stop() error {
	close(c.quit)
	<-c.stopped
	return c.conn.Close()
}
