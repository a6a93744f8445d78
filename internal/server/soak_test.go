package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/usersig"
	"github.com/timdhq/timd/internal/webhook"
)

// The soak of issue 7: a bounded mixed load against a real server on SQLite, over real
// HTTP with keep-alive clients and after-callbacks to a real receiver, must leave the
// heap, the goroutines and the open file descriptors where they were before it.

const (
	soakClients   = 16                   // concurrent keep-alive clients
	soakPace      = 8 * time.Millisecond // each client makes at most one call per soakPace
	soakWarmup    = 3 * time.Second      // load before the baseline is taken
	soakHeapSlack = 16 << 20             // bytes the heap may end above its baseline
	soakGoSlack   = 4                    // goroutines the count may end above its baseline
	soakFDSlack   = 4                    // file descriptors the count may end above its baseline
)

// soakDuration is the length of the load: TIMD_SOAK_DURATION (a Go duration) when set,
// else 60s, or 5s under -short.
func soakDuration(tb testing.TB) time.Duration {
	if s := os.Getenv("TIMD_SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			tb.Fatalf("TIMD_SOAK_DURATION=%q: want a positive duration like 60s", s)
		}
		return d
	}
	if testing.Short() {
		return 5 * time.Second
	}
	return 60 * time.Second
}

// soakSample is what the soak measures of this process.
type soakSample struct {
	heapAlloc, heapInuse uint64
	goroutines, fds      int
	rssKiB               int
}

func (s soakSample) String() string {
	return fmt.Sprintf("heap alloc %.1f MiB, heap in use %.1f MiB, %d goroutines, %d fds, RSS %.1f MiB",
		float64(s.heapAlloc)/(1<<20), float64(s.heapInuse)/(1<<20), s.goroutines, s.fds, float64(s.rssKiB)/1024)
}

// measure collects garbage and samples the heap, the goroutines, the open file
// descriptors (/proc/self/fd) and the resident set (/proc/self/status).
func measure(tb testing.TB) soakSample {
	tb.Helper()
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Skipf("counting open file descriptors needs /proc: %v", err)
	}
	s := soakSample{heapAlloc: ms.HeapAlloc, heapInuse: ms.HeapInuse, goroutines: runtime.NumGoroutine(), fds: len(fds)}
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		if m := regexp.MustCompile(`(?m)^VmRSS:\s+(\d+) kB`).FindSubmatch(status); m != nil {
			s.rssKiB, _ = strconv.Atoi(string(m[1]))
		}
	}
	return s
}

// TestSoak runs the mixed load for soakDuration and compares the process before (after
// a warmup) and after (once the clients' connections and the receiver's are closed):
// goroutines and file descriptors back to the baseline within a small slack, the heap
// within soakHeapSlack of it.
func TestSoak(t *testing.T) {
	d := soakDuration(t)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`)
	}))
	defer recv.Close()
	cfg := config.Default()
	cfg.Apps[0].RateLimits = config.RateLimits{}
	cfg.Apps[0].MemberFields = []string{"F1"}
	// Every kind of callback but the one modify_group_member_info sends: that one alone
	// would outpace delivery, which keeps each group's callbacks in order, and leave a
	// backlog that takes long to drain before the "after" sample.
	cfg.Apps[0].Callback = webhook.Config{
		URL: recv.URL + "/im/callback", Token: "soak", RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond,
		Commands: []string{webhook.BeforeCreateGroup, webhook.BeforeInviteJoinGroup, webhook.AfterCreateGroup,
			webhook.AfterNewMemberJoin, webhook.AfterMemberExit, webhook.AfterGroupDestroyed},
	}
	s := &soak{
		addr:   MustServe(t, cfg, server.Options{}),
		sig:    usersig.Mint(1400000000, "administrator", testKey, 86400, time.Now()),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: soakClients}},
	}
	defer s.client.CloseIdleConnections()
	workers := s.setup(t)

	s.load(t, workers, soakWarmup)
	s.quiesce(t, recv)
	before := measure(t)
	calls := s.calls.Load()
	s.load(t, workers, d)
	calls = s.calls.Load() - calls
	s.quiesce(t, recv)
	after := s.settle(t, before)

	t.Logf("soak of %v: %d calls by %d keep-alive clients (%.0f/s), %d after-callbacks delivered in all",
		d, calls, soakClients, float64(calls)/d.Seconds(), s.callbacks(t))
	t.Logf("before: %v", before)
	t.Logf("after:  %v", after)
	if after.goroutines > before.goroutines+soakGoSlack {
		t.Errorf("goroutines: got %d after the soak, want at most %d (baseline %d + %d)\n%s",
			after.goroutines, before.goroutines+soakGoSlack, before.goroutines, soakGoSlack, goroutineDump())
	}
	if after.fds > before.fds+soakFDSlack {
		t.Errorf("open file descriptors: got %d after the soak, want at most %d (baseline %d + %d)",
			after.fds, before.fds+soakFDSlack, before.fds, soakFDSlack)
	}
	if after.heapAlloc > before.heapAlloc+soakHeapSlack || after.heapInuse > before.heapInuse+soakHeapSlack {
		t.Errorf("heap: got %v after the soak, want at most 16 MiB above the baseline %v", after, before)
	}
}

// settle waits up to 5 s for the goroutines to come back to the baseline (connections
// being torn down), then samples.
func (s *soak) settle(t *testing.T, before soakSample) soakSample {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		after := measure(t)
		if after.goroutines <= before.goroutines && after.fds <= before.fds || time.Now().After(deadline) {
			return after
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// goroutineDump returns the stacks of every goroutine.
func goroutineDump() string {
	buf := make([]byte, 256<<10)
	return string(buf[:runtime.Stack(buf, true)])
}

// soak is the load: signed calls over keep-alive connections.
type soak struct {
	addr   string
	sig    string
	client *http.Client
	calls  atomic.Int64
}

// call posts req to /v4/{command} and decodes the answer into out (when not nil). It
// fails the test unless the answer is OK.
func (s *soak) call(tb testing.TB, command string, req, out any) bool {
	body, _ := json.Marshal(req)
	u := fmt.Sprintf("http://%s/v4/group_open_http_svc/%s?sdkappid=1400000000&identifier=administrator&usersig=%s&random=%d&contenttype=json",
		s.addr, command, s.sig, mrand.Uint32())
	if command == "multiaccount_import" || command == "account_check" {
		u = fmt.Sprintf("http://%s/v4/im_open_login_svc/%s?sdkappid=1400000000&identifier=administrator&usersig=%s&random=%d&contenttype=json",
			s.addr, command, s.sig, mrand.Uint32())
	}
	s.calls.Add(1)
	resp, err := s.client.Post(u, "application/json", bytes.NewReader(body))
	if uerr := (*url.Error)(nil); errors.As(err, &uerr) {
		err = uerr.Err // the URL holds the UserSig
	}
	if err != nil {
		tb.Errorf("%s: %v", command, err)
		return false
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Errorf("%s: %v", command, err)
		return false
	}
	var st struct{ ErrorCode int }
	if err := json.Unmarshal(raw, &st); err != nil || st.ErrorCode != 0 {
		tb.Errorf("%s %s: got HTTP %d %s, want OK", command, body, resp.StatusCode, raw)
		return false
	}
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
	return true
}

// setup imports the accounts and creates each worker's group.
func (s *soak) setup(t *testing.T) []*soakWorker {
	t.Helper()
	workers := make([]*soakWorker, soakClients)
	for i := range workers {
		w := &soakWorker{id: i, group: fmt.Sprintf("soak-%d", i), owner: fmt.Sprintf("s%d-own", i),
			in: map[string]bool{}, rng: mrand.New(mrand.NewPCG(uint64(i), 7))}
		accounts := []string{w.owner}
		for j := range 8 {
			w.accounts = append(w.accounts, fmt.Sprintf("s%d-m%d", i, j))
		}
		accounts = append(accounts, w.accounts...)
		if !s.call(t, "multiaccount_import", map[string]any{"Accounts": accounts}, nil) {
			t.FailNow()
		}
		members := []map[string]string{}
		for _, a := range w.accounts[:4] {
			members = append(members, map[string]string{"Member_Account": a})
			w.in[a] = true
		}
		if !s.call(t, "create_group", map[string]any{"GroupId": w.group, "Owner_Account": w.owner, "Type": "Public",
			"Name": w.group, "MemberList": members}, nil) {
			t.FailNow()
		}
		workers[i] = w
	}
	return workers
}

// load runs every worker for d.
func (s *soak) load(t *testing.T, workers []*soakWorker, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { w.run(ctx, t, s) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// quiesce waits for the outbox to empty, then closes the clients' idle connections and
// the receiver's, so that only what timd itself holds remains.
func (s *soak) quiesce(t *testing.T, recv *httptest.Server) {
	t.Helper()
	const depth = `(?m)^timd_callback_outbox_depth (\S+)$`
	start := time.Now()
	deadline := start.Add(60 * time.Second)
	left := s.metric(t, depth)
	for n := left; n != 0; n = s.metric(t, depth) {
		if time.Now().After(deadline) {
			t.Fatalf("the callback outbox still holds %v events 60s after the load stopped", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the callback outbox held %v events when the load stopped, emptied in %v", left, time.Since(start).Round(time.Millisecond))
	s.client.CloseIdleConnections()
	recv.CloseClientConnections()
	time.Sleep(200 * time.Millisecond)
}

// callbacks returns the after-callbacks delivered.
func (s *soak) callbacks(t *testing.T) int {
	t.Helper()
	resp, err := s.client.Get("http://" + s.addr + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	n := 0
	for _, m := range regexp.MustCompile(`(?m)^timd_callbacks_total\{[^}]*outcome="delivered"[^}]*\} (\S+)$`).FindAllSubmatch(body, -1) {
		v, _ := strconv.ParseFloat(string(m[1]), 64)
		n += int(v)
	}
	return n
}

// metric returns the value of the sample of /metrics matching pattern (one capture
// group around the value).
func (s *soak) metric(t *testing.T, pattern string) float64 {
	t.Helper()
	resp, err := s.client.Get("http://" + s.addr + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(pattern).FindSubmatch(body)
	if m == nil {
		t.Fatalf("/metrics has no sample matching %s", pattern)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// soakWorker is one client and the state of the keys it alone writes, so that every
// call it makes is one that must succeed.
type soakWorker struct {
	id       int
	group    string
	owner    string
	accounts []string        // the worker's accounts, moved in and out of group
	in       map[string]bool // accounts now members of group
	live     []string        // groups the worker created and has not destroyed
	created  int
	tag      int
	rng      *mrand.Rand
}

// run makes a call every soakPace at most until ctx is done.
func (w *soakWorker) run(ctx context.Context, t *testing.T, s *soak) {
	tick := time.NewTicker(soakPace)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !w.step(t, s) {
			return
		}
	}
}

// step makes one call of the mix: modify (multi-field), add or delete, create or
// destroy, and the reads get_group_member_info, get_group_info and account_check.
func (w *soakWorker) step(t *testing.T, s *soak) bool {
	switch x := w.rng.IntN(20); {
	case x < 6:
		return w.modify(t, s)
	case x < 9:
		return w.addOrDelete(t, s)
	case x < 11:
		return w.createOrDestroy(t, s)
	case x < 15:
		return s.call(t, "get_group_member_info", map[string]any{"GroupId": w.group}, nil)
	case x < 18:
		return s.call(t, "get_group_info", map[string]any{"GroupIdList": append([]string{w.group}, w.live...)}, nil)
	}
	return s.call(t, "account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": w.owner}, {"UserID": "nobody"}}}, nil)
}

func (w *soakWorker) modify(t *testing.T, s *soak) bool {
	w.tag++
	var member string
	for a, in := range w.in {
		if in {
			member = a
			break
		}
	}
	if member == "" {
		return w.addOrDelete(t, s)
	}
	tag := "tag-" + strconv.Itoa(w.tag)
	return s.call(t, "modify_group_member_info", map[string]any{"GroupId": w.group, "Member_Account": member,
		"NameCard": tag, "MsgFlag": [...]string{"AcceptAndNotify", "Discard"}[w.tag%2], "Role": [...]string{"Member", "Admin"}[w.tag%2],
		"AppMemberDefinedData": []map[string]string{{"Key": "F1", "Value": tag}}}, nil)
}

func (w *soakWorker) addOrDelete(t *testing.T, s *soak) bool {
	a := w.accounts[w.rng.IntN(len(w.accounts))]
	if w.in[a] {
		w.in[a] = false
		return s.call(t, "delete_group_member", map[string]any{"GroupId": w.group, "MemberToDel_Account": []string{a}}, nil)
	}
	w.in[a] = true
	return s.call(t, "add_group_member", map[string]any{"GroupId": w.group, "MemberList": []map[string]string{{"Member_Account": a}}}, nil)
}

func (w *soakWorker) createOrDestroy(t *testing.T, s *soak) bool {
	if len(w.live) >= 3 || len(w.live) > 0 && w.rng.IntN(2) == 0 {
		id := w.live[0]
		w.live = w.live[1:]
		return s.call(t, "destroy_group", map[string]any{"GroupId": id}, nil)
	}
	w.created++
	id := fmt.Sprintf("soak-%d-%d", w.id, w.created)
	w.live = append(w.live, id)
	return s.call(t, "create_group", map[string]any{"GroupId": id, "Owner_Account": w.owner, "Type": "Public", "Name": id,
		"MemberList": []map[string]string{{"Member_Account": w.accounts[0]}, {"Member_Account": w.accounts[1]}}}, nil)
}
