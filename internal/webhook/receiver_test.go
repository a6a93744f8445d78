package webhook_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// okAnswer is what an app answers to accept a callback.
const okAnswer = `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`

// hit is one request a receiver got.
type hit struct {
	Method      string
	Path        string
	Query       url.Values
	ContentType string
	Body        []byte
}

// receiver is an app's callback endpoint on a loopback port. It records every request,
// counts the requests it serves at once, and answers through handle (nil: okAnswer).
type receiver struct {
	*httptest.Server
	handle func(n int, w http.ResponseWriter, r *http.Request) // n counts requests from 1

	mu      sync.Mutex
	hits    []hit
	busy    int
	maxBusy int
	arrived chan struct{} // receives a value per request, when there is room
}

// newReceiver starts a receiver that answers with handle; it stops when the test ends.
func newReceiver(tb testing.TB, handle func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	tb.Helper()
	rc := &receiver{handle: handle, arrived: make(chan struct{}, 1000)}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	tb.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.hits = append(rc.hits, hit{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), ContentType: r.Header.Get("Content-Type"), Body: body})
	n := len(rc.hits)
	rc.busy++
	rc.maxBusy = max(rc.maxBusy, rc.busy)
	rc.mu.Unlock()
	defer func() {
		rc.mu.Lock()
		rc.busy--
		rc.mu.Unlock()
	}()
	select {
	case rc.arrived <- struct{}{}:
	default:
	}
	if rc.handle != nil {
		rc.handle(n, w, r)
		return
	}
	io.WriteString(w, okAnswer)
}

// Hits returns a copy of the requests received so far.
func (rc *receiver) Hits() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hit(nil), rc.hits...)
}

// MaxBusy returns the most requests the receiver served at once.
func (rc *receiver) MaxBusy() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.maxBusy
}

// mustArrive waits up to d for the next request to arrive.
func (rc *receiver) mustArrive(tb testing.TB, d time.Duration) {
	tb.Helper()
	select {
	case <-rc.arrived:
	case <-time.After(d):
		tb.Fatalf("no callback arrived within %v", d)
	}
}

// waitFor polls cond every 5 ms until it holds or d passes, and reports whether it held.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hang blocks a handler until the client gives up on the request.
func hang(_ int, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// fixedClock is an im.Clock stopped at one instant.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }
