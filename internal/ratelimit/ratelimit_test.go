package ratelimit

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestLimiterBurstThenRefuses(t *testing.T) {
	l := New(func(app uint64, command string) float64 {
		if command == "free" {
			return 0
		}
		return 10
	})
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if l.Allow(1, "cmd") {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	// 80 calls in well under a second: the burst of 10 passes, plus at most a token or
	// two refilled while the goroutines ran.
	if got := ok.Load(); got < 10 || got > 12 {
		t.Errorf("allowed %d of 80 concurrent calls, want 10 (burst) to 12", got)
	}
	if !l.Allow(2, "cmd") {
		t.Error("app 2 was refused after app 1 spent its budget; buckets must be independent")
	}
	if !l.Allow(1, "other") {
		t.Error("another command of app 1 was refused; buckets must be per command")
	}
	for i := range 1000 {
		if !l.Allow(1, "free") {
			t.Fatalf("call %d of an unlimited command was refused", i)
		}
	}
}
