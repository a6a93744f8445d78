package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStopsWithGoRun starts timd the way `go run` does, as the child of a process named
// go (a shell script called go: the kernel names a process after its file), kills that
// parent with SIGKILL, and waits for timd to stop. With a parent of another name timd
// must go on running: only the go tool's children follow it.
func TestStopsWithGoRun(t *testing.T) {
	bin := mustBinary(t)
	for _, tt := range []struct {
		parent    string
		wantsStop bool
	}{{"go", true}, {"not-go", false}} {
		t.Run(tt.parent, func(t *testing.T) {
			dir := t.TempDir()
			script := filepath.Join(dir, tt.parent)
			// The script starts timd in the background, prints its pid and waits, as go
			// run waits for the program it built.
			if err := os.WriteFile(script, []byte("#!/bin/sh\n\"$@\" &\necho $!\nwait\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			logs := &logWriter{firstLine: make(chan string, 1)}
			parent := exec.Command(script, bin, "serve")
			parent.Env = environ("TIMD_DATA="+filepath.Join(dir, "data"), "TIMD_LISTEN=127.0.0.1:0")
			// A pipe of our own rather than exec's copying: timd inherits it and outlives
			// the parent, and Wait would wait for exec's copy to end.
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			parent.Stderr = w
			stdout, err := parent.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			err = parent.Start()
			w.Close()
			if err != nil {
				t.Fatal(err)
			}
			copied := make(chan struct{})
			go func() { io.Copy(logs, r); close(copied) }()
			line, err := bufio.NewReader(stdout).ReadString('\n')
			pid, perr := strconv.Atoi(strings.TrimSpace(line))
			if err != nil || perr != nil {
				parent.Process.Kill()
				t.Fatalf("pid of timd from the parent: %q, %v", line, err)
			}
			defer syscall.Kill(pid, syscall.SIGKILL)
			select {
			case line := <-logs.firstLine:
				if !strings.Contains(line, `"msg":"timd listening"`) {
					t.Fatalf("timd's first log line: got %s, want timd listening", line)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("timd did not log within 10s:\n%s", logs)
			}

			parent.Process.Kill()
			parent.Wait()
			wait := 5 * time.Second
			if !tt.wantsStop {
				wait = 1500 * time.Millisecond
			}
			stopped := waitGone(pid, wait)
			if stopped {
				<-copied // timd's last log lines
			}
			if stopped != tt.wantsStop {
				t.Errorf("timd stopped after its parent %s died: %v, want %v\n%s", tt.parent, stopped, tt.wantsStop, logs.String())
			}
			if tt.wantsStop && !strings.Contains(logs.String(), `"msg":"stopped"`) {
				t.Errorf("timd did not shut down gracefully:\n%s", logs.String())
			}
		})
	}
}

// waitGone reports whether process pid exits (or is a zombie waiting for its new parent
// to reap it) within d.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		// The state follows the command name in parentheses: "123 (timd) Z ...".
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
