// Package ssetest reads timd's event stream (GET /v4/stream, Server-Sent Events) in tests:
// a Client connects, waits for the stream's ready event, and hands out the events that
// follow one at a time, with a timeout. It is for tests only.
package ssetest

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Timeout is how long Connect waits for the ready event and Next for an event.
const Timeout = 10 * time.Second

// Event is one Server-Sent Event: its name, its id ("" for none) and its data, decoded
// with numbers as json.Number.
type Event struct {
	Name, ID string
	Data     map[string]any
}

// Client is one open stream.
type Client struct {
	Header http.Header // the answer's headers
	events chan Event
	cancel context.CancelFunc
	ended  chan struct{}
}

// Connect opens the stream at url (the whole URL of GET /v4/stream, query included),
// sending lastID as Last-Event-ID unless it is "", and returns once the ready event has
// come. It fails tb if the answer is no event stream or no ready event comes first; the
// stream is closed when tb ends.
func Connect(tb testing.TB, url, lastID string) *Client {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		tb.Fatalf("stream %s: Content-Type %q, body %s", url, ct, b)
	}
	c := &Client{Header: resp.Header, events: make(chan Event, 1000), cancel: cancel, ended: make(chan struct{})}
	go c.read(resp.Body)
	tb.Cleanup(c.Close)
	if ready := c.Next(tb); ready.Name != "ready" {
		tb.Fatalf("stream %s: first event %q, want ready", url, ready.Name)
	}
	return c
}

// read parses events until the stream ends.
func (c *Client) read(body io.ReadCloser) {
	defer close(c.ended)
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ev Event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Name != "" {
				c.events <- ev
			}
			ev = Event{}
		case strings.HasPrefix(line, "event: "):
			ev.Name = line[len("event: "):]
		case strings.HasPrefix(line, "id: "):
			ev.ID = line[len("id: "):]
		case strings.HasPrefix(line, "data: "):
			dec := json.NewDecoder(strings.NewReader(line[len("data: "):]))
			dec.UseNumber()
			_ = dec.Decode(&ev.Data)
		}
	}
}

// Close disconnects and waits for the reader to stop.
func (c *Client) Close() {
	c.cancel()
	<-c.ended
}

// Next returns the next event, failing tb if the stream ends first or none comes within
// Timeout.
func (c *Client) Next(tb testing.TB) Event {
	tb.Helper()
	select {
	case ev := <-c.events:
		return ev
	case <-c.ended:
		select {
		case ev := <-c.events:
			return ev
		default:
		}
		tb.Fatal("the stream ended")
	case <-time.After(Timeout):
		tb.Fatalf("no event within %v", Timeout)
	}
	return Event{}
}

// Quiet fails tb if an event comes within d.
func (c *Client) Quiet(tb testing.TB, d time.Duration) {
	tb.Helper()
	select {
	case ev := <-c.events:
		tb.Errorf("got %v, want no event", ev)
	case <-time.After(d):
	}
}

// Done is closed once the stream has ended, by the server or by Close.
func (c *Client) Done() <-chan struct{} { return c.ended }
