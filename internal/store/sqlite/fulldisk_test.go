//go:build linux

package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// The full-disk tests run the store on a small tmpfs, which only root may mount: they
// skip elsewhere. A tmpfs stands for any full filesystem; it fills and frees at once.

// mustSmallDisk mounts a tmpfs of size bytes on a new directory and unmounts it when the
// test ends; it skips the test where mounting is not allowed.
func mustSmallDisk(t *testing.T, size int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk writes a file in dir until the disk is full and returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			return path
		}
	}
}

// TestFullDiskChild is the process TestOpenAfterKillOnFullDisk kills: it opens the
// store in $TIMD_FULLDISK_DIR, writes accounts, says READY and waits.
func TestFullDiskChild(t *testing.T) {
	dir := os.Getenv("TIMD_FULLDISK_DIR")
	if dir == "" {
		t.Skip("run by TestOpenAfterKillOnFullDisk")
	}
	db, err := Open(context.Background(), filepath.Join(dir, "timd.db"), Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	for i := range 50 {
		err := db.Update(context.Background(), func(ctx context.Context, tx im.Tx) error {
			return tx.PutAccount(ctx, im.Account{App: 1, UserID: fmt.Sprint("u", i), Nick: strings.Repeat("n", 300)})
		})
		if err != nil {
			fmt.Println("write:", err)
			os.Exit(1)
		}
	}
	fmt.Println("READY")
	time.Sleep(time.Minute)
}

// TestOpenAfterKillOnFullDisk checks that a store killed (SIGKILL) and then opened on a
// full disk fails with an error that names the file and says the disk is full, not a
// bare "disk I/O error (4874)", and opens, with its data, once space is back.
//
// The first process to open a database after a crash empties the -shm index the dead
// one left and writes it anew. On a tmpfs the pages that frees are free again at once;
// on ext4 blocks freed by a truncate come back only when its journal commits, so on a
// full ext4 disk writing the index fails (SQLITE_IOERR_SHMSIZE, 4874). The test empties
// the index itself before it fills the disk, which brings a tmpfs to the same point.
func TestOpenAfterKillOnFullDisk(t *testing.T) {
	dir := mustSmallDisk(t, 2<<20)
	child := exec.Command(os.Args[0], "-test.run=^TestFullDiskChild$")
	child.Env = append(os.Environ(), "TIMD_FULLDISK_DIR="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() && lines.Text() != "READY" {
		t.Logf("child: %s", lines.Text())
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	path := filepath.Join(dir, "timd.db")
	if _, err := os.Stat(path + "-shm"); err != nil {
		t.Fatalf("the killed process left no -shm: %v", err)
	}

	if err := os.Truncate(path+"-shm", 0); err != nil {
		t.Fatal(err)
	}
	filler := fillDisk(t, dir)
	db, err := Open(context.Background(), path, Options{})
	if err == nil {
		db.Close()
		t.Fatalf("Open on a full disk: got no error, want one")
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	for _, want := range []string{"disk is full", path + "-shm", "4874", "free some space"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Open on a full disk: got %q, want it to say %q", msg, want)
		}
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	db = MustOpen(t, path, Options{})
	var n int64
	err = db.View(context.Background(), func(ctx context.Context, tx im.Tx) error {
		accounts, err := tx.ListAccounts(ctx, 1, "", 0)
		n = int64(len(accounts))
		return err
	})
	if err != nil || n != 50 {
		t.Errorf("after space came back: %d accounts (%v), want the 50 the killed process wrote", n, err)
	}
}
