//go:build linux

package server_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/server"
)

// mustTmpfs mounts a tmpfs of size bytes on a new directory and unmounts it when the test
// ends; it skips the test where mounting is not allowed (it needs root).
func mustTmpfs(t *testing.T, size int) string {
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

// fill writes the file path until its disk is full.
func fill(t *testing.T, path string) {
	t.Helper()
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
			return
		}
	}
}

// TestReadyzOnFullDisk runs timd on SQLite on a small tmpfs (root only; skipped
// elsewhere), fills the disk until a client write fails, and checks /readyz: 503 while
// the disk is full, 200 and writes again once space is freed.
func TestReadyzOnFullDisk(t *testing.T) {
	if os.Getenv("TIMD_TEST_STORE") == "postgres" {
		t.Skip("a full disk under SQLite; TestReadyzOnReadOnlyPostgres is PostgreSQL's")
	}
	dir := mustTmpfs(t, 4<<20)
	cfg := config.Default()
	cfg.DataDir = filepath.Join(dir, "data")
	s := newReadyServer(t, cfg, server.Options{})
	s.waitReadyz(t, http.StatusOK)

	filler := filepath.Join(dir, "filler")
	fill(t, filler)
	nick := strings.Repeat("n", 500)
	failed := false
	for i := 0; i < 2000 && !failed; i++ {
		failed = s.importAccount(t, fmt.Sprint("u", i), nick) == int(im.CodeInternal)
	}
	if !failed {
		t.Fatalf("2000 account imports on a full disk all succeeded")
	}
	if status, body := s.readyz(t); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz on a full disk: got %d %s, want 503", status, body)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	s.waitReadyz(t, http.StatusOK)
	if code := s.importAccount(t, "after", nick); code != 0 {
		t.Errorf("account_import once space is back: got ErrorCode %d, want 0", code)
	}
}
