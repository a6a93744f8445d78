package main

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/ssetest"
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
	streams := make([]*ssetest.Client, replicaCount)
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
			if got := nextID(t, s); got != want {
				t.Errorf("replica %d, message %d: got id %q, want %q", i, k, got, want)
			}
		}
	}
	// u0 leaves replica 0 after the first message and resumes on replica 2.
	streams[0].Close()
	resumed := c.openStream(t, 2, "u0", ids[0])
	for _, want := range ids[1:] {
		if got := nextID(t, resumed); got != want {
			t.Errorf("resumed on another replica: got id %q, want %q", got, want)
		}
	}
}

// openStream opens the stream of user on replica i, resuming after lastID when given.
func (c *cluster) openStream(t *testing.T, i int, user, lastID string) *ssetest.Client {
	t.Helper()
	sdkappid, _ := strconv.ParseUint(devSDKAppID, 10, 64)
	q := url.Values{"sdkappid": {devSDKAppID}, "identifier": {user},
		"usersig": {usersig.Mint(sdkappid, user, c.key, 86400, time.Now())}}
	return ssetest.Connect(t, "http://"+c.procs[i].addr+"/v4/stream?"+q.Encode(), lastID)
}

// nextID returns the id of the next message event of s.
func nextID(t *testing.T, s *ssetest.Client) string {
	t.Helper()
	for {
		if ev := s.Next(t); ev.Name == "message" {
			return ev.ID
		}
	}
}
