// Package webhook sends Tencent Cloud Chat's third-party callbacks: the signed query,
// synchronous before-callbacks that may refuse a call, and after-callbacks delivered at
// least once from the store's outbox (Tencent's docs, see docs/compatibility.md Sources, docs/compatibility.md §7).
package webhook

import (
	"slices"
	"time"
)

// Config is one app's callback configuration.
type Config struct {
	// URL receives every callback; "" turns callbacks off for the app. Default "".
	URL string
	// Token, when set, signs each callback with RequestTime and Sign. Default "".
	Token string
	// Commands lists the CallbackCommands that are on (e.g. "Group.CallbackAfterCreateGroup");
	// empty means every command timd sends. Default empty.
	Commands []string
	// Timeout bounds one callback request. Default 2s.
	Timeout time.Duration
	// DenyOnFailure makes a before-callback that times out or answers nonsense refuse the
	// call (10016); by default such a callback allows it, as Tencent does.
	DenyOnFailure bool
	// GiveUpAfter is how long an after-callback is retried before it is dropped. Default 24h.
	GiveUpAfter time.Duration
	// RetryMin and RetryMax bound the exponential backoff between delivery attempts of an
	// after-callback. Defaults 1s and 5m.
	RetryMin, RetryMax time.Duration
	// Concurrency caps the after-callbacks of the app in flight at once. Default 8.
	Concurrency int
}

// WithDefaults returns c with every zero duration and count set to its default.
func (c Config) WithDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = 2 * time.Second
	}
	if c.GiveUpAfter == 0 {
		c.GiveUpAfter = 24 * time.Hour
	}
	if c.RetryMin == 0 {
		c.RetryMin = time.Second
	}
	if c.RetryMax == 0 {
		c.RetryMax = 5 * time.Minute
	}
	if c.Concurrency == 0 {
		c.Concurrency = 8
	}
	return c
}

// Enabled reports whether the app wants callback command.
func (c Config) Enabled(command string) bool {
	return c.URL != "" && (len(c.Commands) == 0 || slices.Contains(c.Commands, command))
}
