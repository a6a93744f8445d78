package group

import (
	"sync"

	"github.com/timdhq/timd/internal/im"
)

// groupRates counts operations on each group in the current second, for the per-group
// send rate (docs/compatibility.md §8, row 11) and the attribute write rate (§10). Each
// process counts its own, as it does its request rate limits: N replicas allow N times
// the rate.
type groupRates struct {
	mu     sync.Mutex
	second int64
	counts map[rateKey]int
}

// rateKey names a group of an app.
type rateKey struct {
	app   uint64
	group string
}

func newGroupRates() *groupRates { return &groupRates{counts: make(map[rateKey]int)} }

// allow counts one operation on group at unix second now and reports whether it is
// within limit per second; a limit of 0 or less allows everything. The counts start over
// every second, so the map holds only the groups counted in the current one.
func (r *groupRates) allow(app uint64, group string, now int64, limit int) bool {
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
	return s.sends.allow(c.App.SDKAppID, group, s.now(), c.App.Messages.SendRate)
}

// attrWriteAllowed counts a write of group's attributes and reports whether the app's
// rate allows it.
func (s *Service) attrWriteAllowed(c im.Caller, group string) bool {
	return s.attrWrites.allow(c.App.SDKAppID, group, s.now(), c.App.Limits.GroupAttrWriteRate)
}
