package sqlite

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// TestCheckpointRound checks a round's passes: in the background until one finds little
// new, then the writer's when the WAL is long.
func TestCheckpointRound(t *testing.T) {
	tests := []struct {
		name       string
		passes     []walState // what the background passes find, in turn
		wantPasses int
		wantWriter bool
	}{
		{"empty WAL", []walState{{frames: 0}}, 1, false},
		{"failed", []walState{{err: ErrClosed}}, 1, false},
		{"short WAL, caught up", []walState{{frames: 100, copied: 100}, {frames: 120, copied: 120}}, 2, false},
		{"long WAL, caught up", []walState{{frames: 5000, copied: 5000}, {frames: 5040, copied: 5040}}, 2, true},
		{"long WAL, converging", []walState{{frames: 9000, copied: 9000}, {frames: 9900, copied: 9900}, {frames: 9990, copied: 9990}, {frames: 9999, copied: 9999}}, 4, true},
		{"long WAL, a reader holds frames back", []walState{{frames: 9000, copied: 8000}, {frames: 9500, copied: 8000}}, 2, true},
		{"never catches up", []walState{{frames: 5000, copied: 5000}, {frames: 6000, copied: 6000}, {frames: 7000, copied: 7000}, {frames: 8000, copied: 8000}, {frames: 9000, copied: 9000}}, maxCheckpointPasses, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, last := 0, 0
			c := &checkpointer{
				pass: func(context.Context) walState { i++; return tt.passes[i-1] },
				last: func(context.Context) walState { last++; return walState{} },
			}
			passes, writer := c.round(t.Context())
			if passes != tt.wantPasses || writer != tt.wantWriter || last != map[bool]int{true: 1}[tt.wantWriter] {
				t.Errorf("round: %d passes, writer %v (%d calls); want %d, %v", passes, writer, last, tt.wantPasses, tt.wantWriter)
			}
		})
	}
}

// TestCheckpointRestartsWAL writes without pause and checks that the WAL is written from
// its start again, several times, long before the writer's own checkpoint at
// autoCheckpointPages would do it: the checkpointer's rounds restart it.
func TestCheckpointRestartsWAL(t *testing.T) {
	path := tempPath(t)
	db := MustOpen(t, path, Options{BatchMax: 1, CheckpointInterval: 5 * time.Millisecond})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var n atomic.Int64
	for range 32 { // always one waiting: the writer commits without pause
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				id := fmt.Sprintf("g%016x", rand.Uint64())
				g := group(id)
				g.Introduction = string(make([]byte, 200))
				if err := db.Update(ctx, func(ctx context.Context, tx im.Tx) error { return tx.CreateGroup(ctx, g) }); err != nil && ctx.Err() == nil {
					t.Error(err)
					return
				}
				n.Add(1)
			}
		}()
	}
	defer wg.Wait()
	defer cancel()

	// A restart writes a new salt into the WAL header; the file never shrinks below its
	// longest (up to journal_size_limit), so its size tells how long the WAL grew.
	const maxWAL = 32 << 20 // restartFrames is 16 MiB of frames; autoCheckpointPages 64 MiB
	salt, restarts := uint32(0), 0
	for restarts < 4 {
		if ctx.Err() != nil {
			t.Fatalf("%d restarts in 20s (%d writes), want 4", restarts, n.Load())
		}
		time.Sleep(time.Millisecond)
		f, err := os.Open(path + "-wal")
		if err != nil {
			continue
		}
		var hdr [32]byte
		_, err = f.ReadAt(hdr[:], 0)
		fi, _ := f.Stat()
		f.Close()
		if err != nil {
			continue
		}
		if fi.Size() > maxWAL {
			t.Fatalf("WAL of %d bytes after %d restarts and %d writes, want at most %d", fi.Size(), restarts, n.Load(), maxWAL)
		}
		if s := binary.BigEndian.Uint32(hdr[16:]); s != salt {
			if salt != 0 {
				restarts++
			}
			salt = s
		}
	}
	t.Logf("%d restarts in %d writes", restarts, n.Load())
}
