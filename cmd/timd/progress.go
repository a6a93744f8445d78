package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/timdhq/timd/internal/transfer"
)

// meter shows how far an export or import has come. On a terminal it redraws one line
// in place, at most every redrawEvery: the counts, the rate and the time left. Elsewhere
// (a file, a pipe, a CI log) it writes nothing until the summary line.
type meter struct {
	w     io.Writer
	verb  string // "exporting", "importing"
	live  bool
	now   func() time.Time
	start time.Time
	drawn time.Time // when the line was last drawn; zero before
	last  transfer.Progress
}

// redrawEvery bounds how often a live meter redraws its line.
const redrawEvery = 200 * time.Millisecond

// newMeter returns a meter writing to w, live when w is a terminal.
func newMeter(w io.Writer, verb string) *meter {
	return &meter{w: w, verb: verb, live: isTerminal(w), now: time.Now, start: time.Now()}
}

// isTerminal reports whether w is a terminal (a character device: /dev/null counts,
// which is harmless).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// update records p and redraws the line if it is live and due.
func (m *meter) update(p transfer.Progress) {
	m.last = p
	if !m.live {
		return
	}
	now := m.now()
	if !m.drawn.IsZero() && now.Sub(m.drawn) < redrawEvery {
		return
	}
	m.drawn = now
	fmt.Fprintf(m.w, "\r\x1b[Ktimd: %s: %s", m.verb, m.line(now))
}

// line describes the progress at now: counts, rate and time left.
func (m *meter) line(now time.Time) string {
	p := m.last
	s := count(p.Accounts, p.TotalAccounts) + " accounts, " + count(p.Groups, p.TotalGroups) + " groups, " +
		count(p.Members, p.TotalMembers) + " members"
	elapsed := now.Sub(m.start)
	if elapsed <= 0 {
		return s
	}
	s += fmt.Sprintf("; %s members/s", thousands(int(float64(p.Members)/elapsed.Seconds())))
	if left, ok := timeLeft(p, elapsed); ok {
		s += "; about " + left.Round(time.Second).String() + " left"
	}
	return s
}

// timeLeft estimates the time still needed from the share of the work done: of every
// account, group and member when the totals are known (an import), else of the groups.
func timeLeft(p transfer.Progress, elapsed time.Duration) (time.Duration, bool) {
	done, total := p.Groups, p.TotalGroups
	if p.TotalMembers+p.TotalAccounts > 0 {
		done = p.Accounts + p.Groups + p.Members
		total = p.TotalAccounts + p.TotalGroups + p.TotalMembers
	}
	if done == 0 || total == 0 || done > total {
		return 0, false
	}
	return time.Duration(float64(elapsed) * float64(total-done) / float64(done)), true
}

// finish ends a live line, so that what follows starts on a line of its own, and
// returns how long the work took and its rate in members per second, for the summary.
func (m *meter) finish() string {
	elapsed := m.now().Sub(m.start)
	if m.live && !m.drawn.IsZero() {
		fmt.Fprintf(m.w, "\r\x1b[Ktimd: %s: %s\n", m.verb, m.line(m.now()))
	}
	if elapsed <= 0 {
		return "in " + elapsed.String()
	}
	return fmt.Sprintf("in %s (%s members/s)", elapsed.Round(time.Millisecond), thousands(int(float64(m.last.Members)/elapsed.Seconds())))
}

// count formats n, and total after a slash when it is known.
func count(n, total int) string {
	if total == 0 {
		return thousands(n)
	}
	return thousands(n) + "/" + thousands(total)
}

// thousands formats n (not negative) with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
