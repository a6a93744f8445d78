package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/usersig"
)

// The message tests of the process: SIGKILL under a send load (no acknowledged message
// lost, no gap in MsgSeq) and three replicas sending to one group (one gap-free sequence).

// sendAnswer is what a send answers.
type sendAnswer struct {
	status
	MsgSeq        int64
	MsgDropReason string
}

// sendReq is a text message from from with the given Random.
func sendReq(group, from string, random uint32) map[string]any {
	return map[string]any{"GroupId": group, "From_Account": from, "Random": random,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]string{"Text": fmt.Sprint("m", random)}}}}
}

// streamOf reads a group's whole stream through group_msg_get_simple, newest first, on
// replica i, and returns each MsgSeq with its MsgRandom.
func streamOf(t *testing.T, c *cluster, i int, group string) map[int64]uint32 {
	t.Helper()
	out := map[int64]uint32{}
	var next *int64
	for {
		req := map[string]any{"GroupId": group, "ReqMsgNumber": 20}
		if next != nil {
			req["ReqMsgSeq"] = *next
		}
		var page struct {
			status
			RspMsgList []struct {
				MsgSeq    int64
				MsgRandom uint32
			}
		}
		c.mustCall(t, i, "group_open_http_svc/group_msg_get_simple", req, &page)
		if len(page.RspMsgList) == 0 {
			return out
		}
		for _, m := range page.RspMsgList {
			out[m.MsgSeq] = m.MsgRandom
		}
		last := page.RspMsgList[len(page.RspMsgList)-1].MsgSeq - 1
		if last < 1 {
			return out
		}
		next = &last
	}
}

// mustGapFree fails t unless the stream holds exactly the seqs 1..n for some n.
func mustGapFree(t *testing.T, stream map[int64]uint32) int64 {
	t.Helper()
	n := int64(len(stream))
	for seq := int64(1); seq <= n; seq++ {
		if _, ok := stream[seq]; !ok {
			seqs := slices.Sorted(func(yield func(int64) bool) {
				for s := range stream {
					if !yield(s) {
						return
					}
				}
			})
			t.Fatalf("MsgSeq %d is missing from a stream of %d messages: %v", seq, n, seqs[max(0, len(seqs)-30):])
		}
	}
	return n
}

// soloCluster starts one timd on a fresh SQLite data directory, with a random secret key
// and one app of the given settings (JSON members beside its sdkappid), and returns the
// cluster that drives it as the app admin over up to clients connections, and start,
// which starts the process again on the same data. The cluster gives up after 3 minutes.
func soloCluster(t *testing.T, app string, clients int) (c *cluster, start func()) {
	t.Helper()
	dir := t.TempDir()
	var b [32]byte
	_, _ = rand.Read(b[:])
	key := hex.EncodeToString(b[:])
	cfgPath := filepath.Join(t.TempDir(), "timd.json")
	cfg := fmt.Sprintf(`{"apps":[{"sdkappid":%s,%s}]}`, devSDKAppID, app)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"TIMD_SECRET_KEY=" + key, "TIMD_CONFIG=" + cfgPath}
	sdkappid, _ := strconv.ParseUint(devSDKAppID, 10, 64)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	c = &cluster{
		sig:    usersig.Mint(sdkappid, devAdmin, key, 86400, time.Now()),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}},
		ctx:    ctx,
	}
	t.Cleanup(c.client.CloseIdleConnections)
	start = func() {
		p := MustStart(t, dir, env...)
		mustReady(t, p, 5*time.Second)
		c.procs = []*timd{p}
	}
	start()
	return c, start
}

// TestCrashSend sends from four clients to one group of a SQLite timd, kills it with
// SIGKILL at random moments and restarts it, and after every restart checks that every
// acknowledged message is stored with its MsgSeq, that no message appears that was never
// sent, and that the stream has no gap.
func TestCrashSend(t *testing.T) {
	if testing.Short() {
		t.Skip("kills timd under load; skipped under -short")
	}
	const clients, kills = 4, 6
	c, start := soloCluster(t, `"rate_limits":{"default":0},"messages":{"send_rate":0}`, clients)
	senders := make([]string, clients)
	for i := range senders {
		senders[i] = fmt.Sprintf("s%d", i)
	}
	c.mustImport(t, senders...)
	c.mustCreate(t, "Public", senders[0], senders[1:], map[string]any{"GroupId": "crashroom"})

	var mu sync.Mutex
	acked := map[int64]uint32{} // MsgSeq -> Random, acknowledged
	sent := map[uint32]bool{}   // every Random sent, answered or not
	var nextRandom atomic.Uint32
	total := 0
	for k := range kills {
		var stop atomic.Bool
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() {
				for !stop.Load() {
					r := nextRandom.Add(1)
					mu.Lock()
					sent[r] = true
					mu.Unlock()
					var a sendAnswer
					_, err := c.call(0, "group_open_http_svc/send_group_msg", sendReq("crashroom", senders[i], r), &a)
					switch {
					case err != nil: // the kill: this send may or may not have landed
						return
					case a.ErrorCode != 0 || a.MsgDropReason != "" || a.MsgSeq == 0:
						t.Errorf("send %d: %+v", r, a)
						return
					}
					mu.Lock()
					if prev, ok := acked[a.MsgSeq]; ok {
						t.Errorf("MsgSeq %d acknowledged twice: Random %d and %d", a.MsgSeq, prev, r)
					}
					acked[a.MsgSeq] = r
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(200+mrand.IntN(600)) * time.Millisecond)
		p := c.procs[0]
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("SIGKILL: %v", err)
		}
		<-p.done
		stop.Store(true)
		wg.Wait()
		c.client.CloseIdleConnections()
		start()
		stream := streamOf(t, c, 0, "crashroom")
		n := mustGapFree(t, stream)
		for seq, r := range acked {
			if got, ok := stream[seq]; !ok || got != r {
				t.Errorf("kill %d: acknowledged MsgSeq %d (Random %d) reads back as %d, %v", k, seq, r, got, ok)
			}
		}
		for seq, r := range stream {
			if !sent[r] {
				t.Errorf("kill %d: MsgSeq %d holds Random %d, which no client sent", k, seq, r)
			}
		}
		total = int(n)
		if t.Failed() {
			return
		}
	}
	t.Logf("%d kills, %d messages acknowledged, %d stored, no gap", kills, len(acked), total)
}

// testReplicaMessages sends from three clients, each through another replica, to one
// group, and checks that the answers and the stored stream form one gap-free sequence.
func testReplicaMessages(t *testing.T, c *cluster) {
	c.mustCreate(t, "Public", "own", []string{"m0", "m1", "m2"}, map[string]any{"GroupId": "talk"})
	const perClient = 40
	var mu sync.Mutex
	acked := map[int64]uint32{}
	var wg sync.WaitGroup
	for i := range replicaCount {
		wg.Go(func() {
			for j := range perClient {
				r := uint32(i*1000 + j + 1)
				var a sendAnswer
				if st, err := c.call(i, "group_open_http_svc/send_group_msg", sendReq("talk", fmt.Sprintf("m%d", i), r), &a); err != nil || st.ErrorCode != 0 || a.MsgSeq == 0 {
					t.Errorf("replica %d send %d: %v %+v", i, r, err, a)
					return
				}
				mu.Lock()
				if prev, ok := acked[a.MsgSeq]; ok {
					t.Errorf("MsgSeq %d given twice: Random %d and %d", a.MsgSeq, prev, r)
				}
				acked[a.MsgSeq] = r
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for i := range replicaCount {
		stream := streamOf(t, c, i, "talk")
		if n := mustGapFree(t, stream); n != replicaCount*perClient {
			t.Errorf("replica %d reads %d messages, want %d", i, n, replicaCount*perClient)
		}
		for seq, r := range acked {
			if stream[seq] != r {
				t.Errorf("replica %d: MsgSeq %d holds Random %d, want %d", i, seq, stream[seq], r)
			}
		}
	}
}
