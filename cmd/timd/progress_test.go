package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/transfer"
)

// TestProgressNotTerminal runs export and import with stderr a buffer, as in a CI log or
// a pipe: no progress line redrawn in place, one summary line each, with the time taken.
func TestProgressNotTerminal(t *testing.T) {
	env := xferEnv(filepath.Join(t.TempDir(), "data"), "")
	s := startXfer(t, env)
	populate(t, s)
	s.stop(t)
	file := filepath.Join(t.TempDir(), "app.json")

	out, errOut, code := runArgs(t, env, "export", "-o", file)
	summary := regexp.MustCompile(`^timd: exported 6 accounts, 5 groups, 11 members, 2 mute records of app 1400000000 from sqlite:\S+ in \d\S* \(\d[\d,]* members/s\)\n$`)
	if code != 0 || out != "" || !summary.MatchString(errOut) {
		t.Errorf("timd export: got exit %d, stdout %q, stderr %q; want 0, nothing, and one summary line", code, out, errOut)
	}

	env = xferEnv(filepath.Join(t.TempDir(), "copy"), "")
	out, errOut, code = runArgs(t, env, "import", file)
	summary = regexp.MustCompile(`^timd: imported 6 accounts, 5 groups, 11 members, 2 mute records into app 1400000000 of sqlite:\S+ in \d\S* \(\d[\d,]* members/s\)\n$`)
	if code != 0 || errOut != "" || !summary.MatchString(out) {
		t.Errorf("timd import: got exit %d, stdout %q, stderr %q; want 0, one summary line, and nothing on stderr", code, out, errOut)
	}
}

// TestMeterOnTerminal drives a live meter with a clock of its own: the line is redrawn
// in place no more than every 200 ms and shows the counts, the rate and the time left.
func TestMeterOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	start := time.Unix(1700000000, 0)
	now := start
	m := &meter{w: &buf, verb: "importing", live: true, now: func() time.Time { return now }, start: start}
	total := transfer.Progress{TotalAccounts: 1000, TotalGroups: 10, TotalMembers: 9000}
	for i := 1; i <= 10; i++ {
		now = now.Add(100 * time.Millisecond)
		p := total
		p.Accounts, p.Groups, p.Members = 1000, i, 900*i
		m.update(p)
	}
	took := m.finish()
	lines := strings.Split(buf.String(), "\r\x1b[K")
	if len(lines) != 1+6 { // "" before the first; drawn at 0.1 s, 0.3, 0.5, 0.7, 0.9 and by finish
		t.Errorf("got %d redraws, want 6:\n%q", len(lines)-1, buf.String())
	}
	if want := "timd: importing: 1,000/1,000 accounts, 3/10 groups, 2,700/9,000 members; 9,000 members/s; about 1s left"; lines[2] != want {
		t.Errorf("second draw: got %q, want %q", lines[2], want)
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "timd: importing: 1,000/1,000 accounts, 10/10 groups, 9,000/9,000 members") || !strings.HasSuffix(last, "\n") {
		t.Errorf("last draw: got %q, want the totals and a newline", last)
	}
	if took != "in 1s (9,000 members/s)" {
		t.Errorf("finish: got %q, want %q", took, "in 1s (9,000 members/s)")
	}
}

func TestIsTerminal(t *testing.T) {
	if isTerminal(&bytes.Buffer{}) {
		t.Errorf("a buffer is a terminal, want not")
	}
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Errorf("a regular file is a terminal, want not")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 123456: "123,456", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
