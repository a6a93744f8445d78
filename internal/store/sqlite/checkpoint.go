package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointer runs a passive WAL checkpoint every interval on its own connection, so the
// writer seldom reaches wal_autocheckpoint and checkpoints on a caller's time. A passive
// checkpoint takes no lock the writer or readers wait for; frames it cannot copy yet (a
// reader still needs them) are copied by a later run.
type checkpointer struct {
	conn    *sql.Conn
	every   time.Duration
	quit    chan struct{}
	stopped chan struct{}
}

// startCheckpointer starts the checkpoint goroutine on conn.
func startCheckpointer(conn *sql.Conn, every time.Duration) *checkpointer {
	c := &checkpointer{
		conn:    conn,
		every:   every,
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
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
			c.conn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// stop ends the goroutine and closes its connection.
func (c *checkpointer) stop() error {
	close(c.quit)
	<-c.stopped
	return c.conn.Close()
}
