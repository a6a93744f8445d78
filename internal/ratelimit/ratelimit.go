// Package ratelimit keeps one token bucket per (SDKAppID, command).
package ratelimit

import (
	"sync"

	"golang.org/x/time/rate"
)

// Limiter decides whether a call of one app's command may proceed now. Buckets are
// independent: one app or command spending its budget never slows another.
type Limiter struct {
	rateFor func(app uint64, command string) float64
	buckets sync.Map // key -> *rate.Limiter, or nil for "unlimited"
}

type key struct {
	app     uint64
	command string
}

// New returns a Limiter whose bucket for (app, command) refills at rateFor(app, command)
// calls per second with a burst of one second's worth; a rate of 0 or less disables the
// limit for that pair.
func New(rateFor func(app uint64, command string) float64) *Limiter {
	return &Limiter{rateFor: rateFor}
}

// Allow reports whether one call of command by app may proceed, taking a token if so.
func (l *Limiter) Allow(app uint64, command string) bool {
	k := key{app, command}
	v, ok := l.buckets.Load(k)
	if !ok {
		v, _ = l.buckets.LoadOrStore(k, l.newBucket(k))
	}
	b := v.(*rate.Limiter)
	return b == nil || b.Allow()
}

// newBucket makes the bucket of k, or a nil *rate.Limiter when k is unlimited.
func (l *Limiter) newBucket(k key) *rate.Limiter {
	r := l.rateFor(k.app, k.command)
	if r <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(r), max(1, int(r)))
}
