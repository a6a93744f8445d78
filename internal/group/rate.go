package group

import (
	"sync"

	"github.com/timdhq/timd/internal/im"
)

// sendRates counts the messages sent to each group in the current second, for the
// per-group send rate (docs/compatibility.md §8, row 11). Each process counts its own
// sends, as it does its request rate limits: N replicas allow N times the rate.
type sendRates struct {
	mu     sync.Mutex
	second int64
	counts map[rateKey]int
}

// rateKey names a group of an app.
type rateKey struct {
	app   uint64
	group string
}

func newSendRates() *sendRates { return &sendRates{counts: make(map[rateKey]int)} }

// allow counts one send to group at unix second now and reports whether it is within
// limit per second; a limit of 0 or less allows everything. The counts start over every
// second, so the map holds only the groups that sent in the current one.
func (r *sendRates) allow(app uint64, group string, now int64, limit int) bool {
	if limit <= 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if now != r.second {
		r.second = now
		clear(r.counts)
	}
	k := rateKey{app, group}
	if r.counts[k] >= limit {
		return false
	}
	r.counts[k]++
	return true
}

// sendAllowed counts a send to group and reports whether the app's rate allows it.
func (s *Service) sendAllowed(c im.Caller, group string) bool {
	return s.rates.allow(c.App.SDKAppID, group, s.now(), c.App.Messages.SendRate)
}
