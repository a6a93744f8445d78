package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash test of issue 6: after-callbacks of acknowledged changes survive SIGKILL.

const cbToken = "xxxxyyyy"

// cbReceiver is the app's callback endpoint, started late on a fixed address. It
// records the after-callbacks and answers every callback OK, after-callbacks after delay.
type cbReceiver struct {
	srv   *http.Server
	delay time.Duration

	mu      sync.Mutex
	got     map[string]int      // "group|command" -> times received
	order   map[string][]string // group -> commands in order of first arrival
	total   int
	badSign int
}

// startCBReceiver serves on addr (retrying for a while if the port is still held)
// until the test ends.
func startCBReceiver(tb testing.TB, addr string, delay time.Duration) *cbReceiver {
	tb.Helper()
	rc := &cbReceiver{delay: delay, got: map[string]int{}, order: map[string][]string{}}
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		tb.Fatalf("receiver: listen on %s: %v", addr, err)
	}
	rc.srv = &http.Server{Handler: http.HandlerFunc(rc.serve)}
	go rc.srv.Serve(ln)
	tb.Cleanup(func() { rc.srv.Close() })
	return rc
}

func (rc *cbReceiver) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var body struct {
		CallbackCommand string
		GroupID         string `json:"GroupId"`
	}
	raw, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(raw, &body)
	command := q.Get("CallbackCommand")
	sum := sha256.Sum256([]byte(cbToken + q.Get("RequestTime")))
	rc.mu.Lock()
	if q.Get("Sign") != hex.EncodeToString(sum[:]) || body.CallbackCommand != command {
		rc.badSign++
	}
	after := strings.HasPrefix(command, "Group.CallbackAfter")
	if after {
		key := body.GroupID + "|" + command
		if rc.got[key] == 0 {
			rc.order[body.GroupID] = append(rc.order[body.GroupID], command)
		}
		rc.got[key]++
		rc.total++
	}
	rc.mu.Unlock()
	if after && rc.delay > 0 {
		select {
		case <-time.After(rc.delay):
		case <-r.Context().Done():
			return
		}
	}
	io.WriteString(w, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`)
}

// received returns the number of after-callbacks received, duplicates included.
func (rc *cbReceiver) received() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.total
}

// missing returns the expected events not received yet, as "group|command".
func (rc *cbReceiver) missing(want map[string][]string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for group, commands := range want {
		for _, c := range commands {
			if rc.got[group+"|"+c] == 0 {
				out = append(out, group+"|"+c)
			}
		}
	}
	slices.Sort(out)
	return out
}

// mustReceiveAll waits up to d until every event of want has arrived, checks the order
// per group, and returns the number of duplicates among the expected events.
func (rc *cbReceiver) mustReceiveAll(tb testing.TB, want map[string][]string, d time.Duration) (dups int) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for {
		miss := rc.missing(want)
		if len(miss) == 0 {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d of the acknowledged changes' callbacks never arrived within %v (lost): %v", len(miss), d, miss)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for group, commands := range want {
		if got := rc.order[group]; !slices.Equal(got, commands) {
			tb.Errorf("group %s: callbacks arrived in the order %v, want %v", group, got, commands)
		}
		for _, c := range commands {
			dups += rc.got[group+"|"+c] - 1
		}
	}
	if rc.badSign > 0 {
		tb.Errorf("%d callbacks had a wrong Sign or body command", rc.badSign)
	}
	return dups
}

// cbUnusedAddr returns a loopback address nothing listens on.
func cbUnusedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// writeCallbackConfig writes a config file whose dev app sends callbacks to addr, with
// fast retries.
func writeCallbackConfig(tb testing.TB, addr string) string {
	tb.Helper()
	cfg := map[string]any{"apps": []any{map[string]any{
		"sdkappid":    1400000000,
		"rate_limits": map[string]any{"default": 0},
		"callback": map[string]any{
			"url": "http://" + addr + "/im/callback", "token": cbToken, "timeout": "500ms",
			"retry_min": "20ms", "retry_max": "200ms", "give_up_after": "1h",
		},
	}}}
	data, _ := json.Marshal(cfg)
	path := filepath.Join(tb.TempDir(), "timd.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// cbMustOK calls command and fails the test unless it is acknowledged.
func cbMustOK(tb testing.TB, p *timd, sig, command, body string) {
	tb.Helper()
	env, raw, _ := p.MustCall(tb, command, devAdmin, sig, body)
	if env.ErrorCode != 0 {
		tb.Fatalf("%s %s: got %s, want OK", command, body, raw)
	}
}

// cbChange makes four acknowledged changes to each of n new groups and returns the
// after-callbacks each group must get, in order.
func cbChange(tb testing.TB, p *timd, sig, prefix string, n int) map[string][]string {
	tb.Helper()
	want := map[string][]string{}
	for i := range n {
		g := fmt.Sprintf("%s-%02d", prefix, i)
		cbMustOK(tb, p, sig, "group_open_http_svc/create_group",
			`{"GroupId":"`+g+`","Owner_Account":"owner","Type":"Public","Name":"`+g+`","MemberList":[{"Member_Account":"m1"}]}`)
		cbMustOK(tb, p, sig, "group_open_http_svc/add_group_member",
			`{"GroupId":"`+g+`","MemberList":[{"Member_Account":"m2"},{"Member_Account":"m3"}]}`)
		cbMustOK(tb, p, sig, "group_open_http_svc/modify_group_member_info",
			`{"GroupId":"`+g+`","Member_Account":"m1","NameCard":"card `+strconv.Itoa(i)+`","Role":"Admin"}`)
		cbMustOK(tb, p, sig, "group_open_http_svc/delete_group_member",
			`{"GroupId":"`+g+`","MemberToDel_Account":["m2"]}`)
		want[g] = []string{
			"Group.CallbackAfterCreateGroup", "Group.CallbackAfterNewMemberJoin",
			"Group.CallbackAfterMemberFieldChanged", "Group.CallbackAfterMemberExit",
		}
	}
	return want
}

// cbKill sends SIGKILL and waits for the process to end.
func cbKill(tb testing.TB, p *timd) {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		tb.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		tb.Fatalf("timd still running 5s after SIGKILL")
	}
}

// cbOutboxDepth reads timd_callback_outbox_depth from /metrics.
func cbOutboxDepth(tb testing.TB, p *timd) float64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^timd_callback_outbox_depth (\S+)$`).FindSubmatch(body)
	if m == nil {
		tb.Fatalf("/metrics has no timd_callback_outbox_depth")
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// cbDrain waits up to d for the outbox to empty.
func cbDrain(tb testing.TB, p *timd, d time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for cbOutboxDepth(tb, p) != 0 {
		if time.Now().After(deadline) {
			tb.Fatalf("outbox depth still %v after %v", cbOutboxDepth(tb, p), d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCallbacksSurviveCrash: with the app's endpoint down, timd acknowledges changes and
// is killed with SIGKILL; restarted on the same data, it delivers every after-callback once
// the endpoint comes up. A second round kills timd in the middle of delivering.
func TestCallbacksSurviveCrash(t *testing.T) {
	const groups = 20 // four events each
	recvAddr := cbUnusedAddr(t)
	env := "TIMD_CONFIG=" + writeCallbackConfig(t, recvAddr)
	dataDir := filepath.Join(t.TempDir(), "data")

	p := MustStart(t, dataDir, env)
	sig := MustUserSig(t, dataDir)
	cbMustOK(t, p, sig, "im_open_login_svc/multiaccount_import", `{"Accounts":["owner","m1","m2","m3"]}`)
	want := cbChange(t, p, sig, "down", groups)
	time.Sleep(300 * time.Millisecond) // the deliverer tries, fails and backs off meanwhile
	if d := cbOutboxDepth(t, p); d != 4*groups {
		t.Errorf("outbox depth before the kill: got %v, want %d", d, 4*groups)
	}
	cbKill(t, p)

	p = MustStart(t, dataDir, env)
	rc := startCBReceiver(t, recvAddr, 0)
	start := time.Now()
	dups := rc.mustReceiveAll(t, want, 30*time.Second)
	t.Logf("endpoint down, SIGKILL, restart, endpoint up: %d events, all arrived in %v, %d duplicates",
		4*groups, time.Since(start).Round(time.Millisecond), dups)
	cbDrain(t, p, 10*time.Second)

	t.Run("killed while delivering", func(t *testing.T) {
		rc.srv.Close()
		// Each after-callback takes 250 ms: with 8 in flight at once, delivering the 80
		// events takes over 2 s, and the kill lands in the middle.
		rc = startCBReceiver(t, recvAddr, 250*time.Millisecond)
		want := cbChange(t, p, sig, "busy", groups)
		cbKill(t, p)
		before := rc.received()
		if before >= 4*groups {
			t.Fatalf("all %d callbacks arrived before the kill; the test needs a slower receiver", before)
		}
		p = MustStart(t, dataDir, env)
		start := time.Now()
		dups := rc.mustReceiveAll(t, want, 30*time.Second)
		t.Logf("endpoint up and slow, SIGKILL mid-delivery (%d of %d callbacks received), restart: all arrived in %v after the restart, %d duplicates",
			before, 4*groups, time.Since(start).Round(time.Millisecond), dups)
		cbDrain(t, p, 10*time.Second)
		if code := p.MustStop(t); code != 0 {
			t.Errorf("exit code after SIGTERM: got %d, want 0\n%s", code, p.log)
		}
	})
}
