package sqlite

import (
	"errors"
	"fmt"
	"path/filepath"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// lowSpace is the free space under which a disk I/O error at open is put down to a full
// disk: SQLite needs a few pages to open a database (32 KiB of shared-memory index, the
// WAL frames of a recovery), far less than this.
const lowSpace = 1 << 20

// openError explains an error of Open on the database at path. SQLite reports a full
// disk at open as a bare "disk I/O error (4874)" (SQLITE_IOERR_SHMSIZE: the -shm index,
// left by a process that was killed, cannot be extended): the operator needs to hear
// which file, and that the disk is full, to know that freeing space is the fix. Other
// errors are returned as they are.
func openError(path string, err error) error {
	var e *driver.Error
	if !errors.As(err, &e) {
		return err
	}
	code := e.Code()
	if code != sqlite3.SQLITE_FULL && code&0xff != sqlite3.SQLITE_IOERR {
		return err
	}
	dir := filepath.Dir(path)
	free, known := freeSpace(dir)
	full := code == sqlite3.SQLITE_FULL || (known && free < lowSpace)
	file := ioFile(path, code)
	switch {
	case full && known:
		return fmt.Errorf("sqlite: open %s: the disk is full (%d bytes free on the filesystem of %s): "+
			"cannot write %s; free some space there and start again: %w", path, free, dir, file, err)
	case full:
		return fmt.Errorf("sqlite: open %s: the disk is full: cannot write %s; free some space on the filesystem of %s "+
			"and start again: %w", path, file, dir, err)
	}
	return fmt.Errorf("sqlite: open %s: cannot read or write %s: %w", path, file, err)
}

// ioFile names the file an I/O error of SQLite code concerns.
func ioFile(path string, code int) string {
	switch code {
	case sqlite3.SQLITE_IOERR_SHMOPEN, sqlite3.SQLITE_IOERR_SHMSIZE, sqlite3.SQLITE_IOERR_SHMMAP, sqlite3.SQLITE_IOERR_SHMLOCK:
		return path + "-shm (the WAL's shared-memory index)"
	}
	return path + " or its -wal and -shm files"
}
