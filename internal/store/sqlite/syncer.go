package sqlite

import (
	"fmt"
	"os"
	"sync/atomic"
)

// walSyncer makes committed batches durable off the writer's path. The writer connection
// runs with synchronous=NORMAL, so its COMMIT writes the WAL frames without waiting for
// the disk; the writer then hands the batch to the syncer and starts the next one while
// the syncer fsyncs the WAL file and only then answers the batch's callers. One fsync
// covers every batch committed before it, so under load several batches share it.
//
// An acknowledged Update is exactly as durable as under synchronous=FULL: its frames
// were written before the fsync that precedes its answer. The difference is visibility:
// a committed batch is readable during its fsync, before its callers are answered, so a
// power loss (not a process crash, which leaves written frames in the OS) in that window
// can take back a write that a reader has already seen but its writer was never told
// succeeded.
type walSyncer struct {
	path    string
	file    *os.File
	batches chan []*request
	done    chan struct{}
	syncs   int64                // fsyncs made, for tests
	fsync   func(*os.File) error // (*os.File).Sync; tests stand in a failing disk

	// failed holds the first fsync failure. After it nothing more is acknowledged: on
	// Linux a failed fsync may have dropped written pages for good, so a later fsync that
	// succeeds proves nothing about the frames before it.
	failed atomic.Pointer[error]
}

// err returns the failure that stopped the syncer, or nil.
func (s *walSyncer) err() error {
	if p := s.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// startSyncer starts the syncer of the WAL file of the database at path.
func startSyncer(path string) *walSyncer {
	s := &walSyncer{path: path + "-wal", batches: make(chan []*request, 256), done: make(chan struct{}), fsync: (*os.File).Sync}
	go s.run()
	return s
}

// submit hands a committed batch over; the syncer answers its requests.
func (s *walSyncer) submit(batch []*request) { s.batches <- batch }

// stop answers every batch submitted, then ends the goroutine. No submit may follow.
func (s *walSyncer) stop() {
	close(s.batches)
	<-s.done
	if s.file != nil {
		s.file.Close()
	}
}

// run fsyncs and answers batches until stop.
func (s *walSyncer) run() {
	defer close(s.done)
	var pending []*request
	for batch := range s.batches {
		pending = append(pending[:0], batch...)
	drain:
		for {
			select {
			case more, ok := <-s.batches:
				if !ok {
					break drain
				}
				pending = append(pending, more...)
			default:
				break drain
			}
		}
		answer(pending, s.sync())
		clear(pending)
	}
}

// sync fsyncs the WAL file. fsync on any descriptor of a file flushes all of its written
// data, so the syncer's own read-only descriptor serves, as long as it still names the WAL:
// SQLite keeps the file (it truncates, never deletes, while a connection is open), but if
// the path ever names another file the syncer reopens it rather than fsync a stale one.
func (s *walSyncer) sync() error {
	if err := s.err(); err != nil {
		return err
	}
	if err := s.open(); err != nil {
		return err
	}
	s.syncs++
	if err := s.fsync(s.file); err != nil {
		err = fmt.Errorf("sqlite: fsync WAL failed; no write is acknowledged until the store is reopened: %w", err)
		s.failed.CompareAndSwap(nil, &err)
		return err
	}
	return nil
}

// open opens the WAL file, or reopens it when the path no longer names the open file.
func (s *walSyncer) open() error {
	if s.file != nil {
		held, err1 := s.file.Stat()
		named, err2 := os.Stat(s.path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return nil
		}
		s.file.Close()
		s.file = nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("sqlite: open WAL for fsync: %w", err)
	}
	s.file = f
	return nil
}
