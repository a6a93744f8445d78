package timtest

import (
	"sync"
	"time"
)

// clock follows the machine's time plus an offset that Advance moves forward.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the machine's time plus the offset.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// advance moves the clock forward by d.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}
