package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/usersig"
)

// TestReplicasStream runs three timd processes on one PostgreSQL schema and checks that
// a message sent through one replica reaches the streams open on the others, through
// PostgreSQL's LISTEN/NOTIFY, and that a stream resumes on another replica.
func TestReplicasStream(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three timd processes on PostgreSQL; skipped under -short")
	}
	dsn := os.Getenv("TIMD_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("TIMD_TEST_POSTGRES_DSN is not set: the multi-replica test needs a PostgreSQL database")
	}
	c := startCluster(t, dsn, replicaCount)
	c.mustImport(t, "owner", "u0", "u1", "u2")
	group := c.mustCreate(t, "Public", "owner", []string{"u0", "u1", "u2"}, nil)
	streams := make([]*replicaStream, replicaCount)
	for i := range streams {
		streams[i] = c.openStream(t, i, fmt.Sprintf("u%d", i), "")
	}
	var ids []string
	for k := range 3 {
		var sent struct{ MsgSeq int64 }
		c.mustCall(t, k, svcGroup+"send_group_msg", map[string]any{"GroupId": group, "From_Account": "owner", "Random": k + 1,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": fmt.Sprintf("m%d", k)}}}}, &sent)
		ids = append(ids, group+":"+strconv.FormatInt(sent.MsgSeq, 10))
	}
	for i, s := range streams {
		for k, want := range ids {
			if got := s.nextID(t); got != want {
				t.Errorf("replica %d, message %d: got id %q, want %q", i, k, got, want)
			}
		}
	}
	// u0 leaves replica 0 after the first message and resumes on replica 2.
	streams[0].close()
	resumed := c.openStream(t, 2, "u0", ids[0])
	for _, want := range ids[1:] {
		if got := resumed.nextID(t); got != want {
			t.Errorf("resumed on another replica: got id %q, want %q", got, want)
		}
	}
}

// replicaStream is a stream open on a replica; it reports the ids of message events.
type replicaStream struct {
	ids    chan string
	cancel context.CancelFunc
}

// openStream opens the stream of user on replica i, resuming after lastID when given.
func (c *cluster) openStream(t *testing.T, i int, user, lastID string) *replicaStream {
	t.Helper()
	sdkappid, _ := strconv.ParseUint(devSDKAppID, 10, 64)
	q := url.Values{"sdkappid": {devSDKAppID}, "identifier": {user},
		"usersig": {usersig.Mint(sdkappid, user, c.key, 86400, time.Now())}}
	ctx, cancel := context.WithCancel(c.ctx)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.procs[i].addr+"/v4/stream?"+q.Encode(), nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		cancel()
		t.Fatalf("stream on replica %d: Content-Type %q", i, ct)
	}
	s := &replicaStream{ids: make(chan string, 100), cancel: cancel}
	ready := make(chan struct{})
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = line[len("event: "):]
				if name == "ready" {
					close(ready)
				}
			case strings.HasPrefix(line, "id: ") && name == "message":
				s.ids <- line[len("id: "):]
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatalf("stream on replica %d: no ready event", i)
	}
	t.Cleanup(s.close)
	return s
}

// nextID returns the id of the next message event, failing after 10 seconds.
func (s *replicaStream) nextID(t *testing.T) string {
	t.Helper()
	select {
	case id := <-s.ids:
		return id
	case <-time.After(10 * time.Second):
		t.Fatal("no message within 10s")
	}
	return ""
}

// close ends the stream.
func (s *replicaStream) close() { s.cancel() }
