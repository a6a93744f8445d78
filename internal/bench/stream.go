package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/timdhq/timd/internal/usersig"
)

// ScenarioStream opens many event streams (GET /v4/stream), measures what they cost the
// server idle, and then the fan-out latency of messages to a group of all of them.
const ScenarioStream = "stream"

// StreamConfig says what RunStream measures.
type StreamConfig struct {
	Replicas []StreamReplica // the servers; streams are spread over them in turn
	SDKAppID uint64
	Key      string   // the app's secret key, to sign each user's UserSig
	Accounts []string // one stream each, all members of Group
	Group    string
	Messages int           // messages sent to Group, one at a time
	Idle     time.Duration // how long the streams stay idle while CPU is measured
	Progress io.Writer
}

// StreamReplica is one server a stream run connects to.
type StreamReplica struct {
	Base string // e.g. "http://127.0.0.1:8080"
	PID  int    // 0 when unknown: no memory or CPU figures
}

// StreamReport is what RunStream measured.
type StreamReport struct {
	Streams        int     `json:"streams"`
	Replicas       int     `json:"replicas"`
	ConnectSeconds float64 `json:"connect_seconds"` // to open every stream and get its ready event
	// Per stream, on the servers together: the growth of resident memory, and of the Go
	// heap and stacks in use (from /metrics), from before the streams to after.
	RSSPerStream       float64 `json:"rss_bytes_per_stream"`
	GoMemPerStream     float64 `json:"go_mem_bytes_per_stream"`
	GoroutinesPerConn  float64 `json:"goroutines_per_stream"`
	IdleSeconds        float64 `json:"idle_seconds"`
	IdleCPUSeconds     float64 `json:"idle_cpu_seconds"` // the servers' CPU time while idle
	Messages           int     `json:"messages"`
	LastReceiverP50ms  float64 `json:"last_receiver_p50_ms"` // from the send to the last stream's receipt
	LastReceiverP99ms  float64 `json:"last_receiver_p99_ms"`
	LastReceiverMaxms  float64 `json:"last_receiver_max_ms"`
	FirstReceiverP50ms float64 `json:"first_receiver_p50_ms"`
	SendP50ms          float64 `json:"send_p50_ms"` // the send_group_msg call itself
	Missing            int     `json:"missing"`     // receipts that did not arrive within 10 s
}

// fanout is one message's receipts.
type fanout struct {
	sent     int64 // unix ns
	received atomic.Int64
	first    atomic.Int64 // unix ns
	last     atomic.Int64 // unix ns
}

// streamRun is the state of one RunStream.
type streamRun struct {
	cfg   StreamConfig
	base  atomic.Int64 // the group's MsgSeq before the messages
	recs  []*fanout
	conns []net.Conn
	mu    sync.Mutex
}

// RunStream opens a stream for each account, measures the servers idle, then sends the
// messages through send as the admin and measures when each stream receives them.
func RunStream(ctx context.Context, send *Caller, cfg StreamConfig) (*StreamReport, error) {
	r := &streamRun{cfg: cfg, recs: make([]*fanout, cfg.Messages)}
	for i := range r.recs {
		r.recs[i] = &fanout{}
	}
	defer r.closeAll()
	rep := &StreamReport{Streams: len(cfg.Accounts), Replicas: len(cfg.Replicas), Messages: cfg.Messages}
	before := r.usage()
	start := time.Now()
	if err := r.connectAll(ctx); err != nil {
		return nil, err
	}
	rep.ConnectSeconds = time.Since(start).Seconds()
	r.logf("%d streams open in %s", len(cfg.Accounts), time.Since(start).Round(time.Millisecond))
	if err := sleepCtx(ctx, 5*time.Second); err != nil { // let the servers settle
		return nil, err
	}
	settled := r.usage()
	idleStart := time.Now()
	if err := sleepCtx(ctx, cfg.Idle); err != nil {
		return nil, err
	}
	after := r.usage()
	rep.IdleSeconds = time.Since(idleStart).Seconds()
	n := float64(len(cfg.Accounts))
	rep.RSSPerStream = float64(settled.rss-before.rss) / n
	rep.GoMemPerStream = float64(settled.goMem-before.goMem) / n
	rep.GoroutinesPerConn = float64(settled.goroutines-before.goroutines) / n
	rep.IdleCPUSeconds = (after.cpu - settled.cpu).Seconds()
	r.logf("idle for %s: %.0f B RSS and %.0f B Go heap+stacks per stream, %.3f s CPU", cfg.Idle, rep.RSSPerStream, rep.GoMemPerStream, rep.IdleCPUSeconds)
	if err := r.fanOut(ctx, send, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// logf prints a progress line.
func (r *streamRun) logf(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "stream: "+format+"\n", args...)
	}
}

// connectAll opens every stream, 64 at a time, each waiting for its ready event.
func (r *streamRun) connectAll(ctx context.Context) error {
	sem := make(chan struct{}, 64)
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	for i, a := range r.cfg.Accounts {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := r.connect(ctx, r.cfg.Replicas[i%len(r.cfg.Replicas)].Base, a); err != nil {
				select {
				case errc <- err:
				default:
				}
			}
		}()
		select {
		case err := <-errc:
			wg.Wait()
			return err
		default:
		}
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// connect opens one stream on a connection of its own and reads it in a goroutine.
func (r *streamRun) connect(ctx context.Context, base, account string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return err
	}
	q := url.Values{"sdkappid": {strconv.FormatUint(r.cfg.SDKAppID, 10)}, "identifier": {account},
		"usersig": {usersig.Mint(r.cfg.SDKAppID, account, r.cfg.Key, 86400, time.Now())}}
	req, _ := http.NewRequest(http.MethodGet, base+"/v4/stream?"+q.Encode(), nil)
	if err := req.Write(conn); err != nil {
		conn.Close()
		return err
	}
	br := bufio.NewReaderSize(conn, 1024)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return err
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		conn.Close()
		return fmt.Errorf("stream of %s: %s", account, b)
	}
	r.mu.Lock()
	r.conns = append(r.conns, conn)
	r.mu.Unlock()
	ready := make(chan struct{})
	go r.read(resp.Body, ready)
	select {
	case <-ready:
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("stream of %s: no ready event in 30s", account)
	}
}

// read parses a stream's events until it ends, recording the receipts of messages.
func (r *streamRun) read(body io.Reader, ready chan struct{}) {
	br := bufio.NewReaderSize(body, 2048)
	var ready1 bool
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		switch {
		case !ready1 && bytes.HasPrefix(line, []byte("data: ")):
			var ev struct{ Groups []struct{ MsgSeq int64 } }
			if json.Unmarshal(line[len("data: "):], &ev) == nil && len(ev.Groups) > 0 {
				r.base.Store(ev.Groups[0].MsgSeq)
			}
			ready1 = true
			close(ready)
		case bytes.HasPrefix(line, []byte("id: ")):
			r.receipt(bytes.TrimSpace(line[len("id: "):]), time.Now().UnixNano())
		}
	}
}

// receipt records that a stream received the message with event id "group:seq" at now.
func (r *streamRun) receipt(id []byte, now int64) {
	i := bytes.LastIndexByte(id, ':')
	seq, err := strconv.ParseInt(string(id[i+1:]), 10, 64)
	k := seq - r.base.Load() - 1
	if err != nil || k < 0 || k >= int64(len(r.recs)) {
		return
	}
	f := r.recs[k]
	f.received.Add(1)
	f.first.CompareAndSwap(0, now)
	for {
		last := f.last.Load()
		if now <= last || f.last.CompareAndSwap(last, now) {
			return
		}
	}
}

// fanOut sends the messages one at a time, each once every stream has the one before or
// 10 s have passed, and reports the latencies.
func (r *streamRun) fanOut(ctx context.Context, send *Caller, rep *StreamReport) error {
	want := int64(len(r.cfg.Accounts))
	var last, first, sends []float64
	for k, f := range r.recs {
		body := map[string]any{"GroupId": r.cfg.Group, "Random": k + 1,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": fmt.Sprintf("fan-out %d", k)}}}}
		f.sent = time.Now().UnixNano()
		if _, err := send.MustOK(ctx, "group_open_http_svc/send_group_msg", body); err != nil {
			return err
		}
		sends = append(sends, float64(time.Now().UnixNano()-f.sent)/1e6)
		deadline := time.Now().Add(10 * time.Second)
		for f.received.Load() < want && time.Now().Before(deadline) {
			if err := sleepCtx(ctx, time.Millisecond); err != nil {
				return err
			}
		}
		if got := f.received.Load(); got < want {
			rep.Missing += int(want - got)
		}
		if f.last.Load() > 0 {
			last = append(last, float64(f.last.Load()-f.sent)/1e6)
			first = append(first, float64(f.first.Load()-f.sent)/1e6)
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	rep.LastReceiverP50ms, rep.LastReceiverP99ms = quantile(last, 0.5), quantile(last, 0.99)
	rep.LastReceiverMaxms, rep.FirstReceiverP50ms, rep.SendP50ms = quantile(last, 1), quantile(first, 0.5), quantile(sends, 0.5)
	r.logf("%d messages to %d streams: last receiver p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d receipts missing",
		len(r.recs), want, rep.LastReceiverP50ms, rep.LastReceiverP99ms, rep.LastReceiverMaxms, rep.Missing)
	return nil
}

// quantile returns the q-quantile of xs (nearest rank), 0 for none.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// closeAll closes every stream's connection.
func (r *streamRun) closeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
}

// serverUsage sums what the servers use.
type serverUsage struct {
	rss, goMem, goroutines int64
	cpu                    time.Duration
}

// usage measures the servers now.
func (r *streamRun) usage() serverUsage {
	var u serverUsage
	for _, rp := range r.cfg.Replicas {
		if rp.PID > 0 {
			if m, err := ProcMemory(rp.PID); err == nil {
				u.rss += m.RSS
			}
			if c, err := ProcCPU(rp.PID); err == nil {
				u.cpu += c
			}
		}
		m := scrapeMetrics(rp.Base, "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "go_goroutines")
		u.goMem += int64(m["go_memstats_heap_inuse_bytes"] + m["go_memstats_stack_inuse_bytes"])
		u.goroutines += int64(m["go_goroutines"])
	}
	return u
}

// scrapeMetrics reads the named gauges from base's /metrics; missing ones are 0.
func scrapeMetrics(base string, names ...string) map[string]float64 {
	out := make(map[string]float64)
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && slices.Contains(names, name) {
			out[name], _ = strconv.ParseFloat(value, 64)
		}
	}
	return out
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// WriteText prints the report.
func (rep *StreamReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "stream: %d streams on %d replica(s), opened in %.1f s\n", rep.Streams, rep.Replicas, rep.ConnectSeconds)
	fmt.Fprintf(w, "  idle memory per stream: %.0f B resident, %.0f B Go heap+stacks, %.2f goroutines\n", rep.RSSPerStream, rep.GoMemPerStream, rep.GoroutinesPerConn)
	fmt.Fprintf(w, "  idle CPU: %.3f s in %.0f s (%.3f %% of one core)\n", rep.IdleCPUSeconds, rep.IdleSeconds, 100*rep.IdleCPUSeconds/rep.IdleSeconds)
	fmt.Fprintf(w, "  fan-out of %d messages to every stream: last receiver p50 %.1f ms, p99 %.1f ms, max %.1f ms; first receiver p50 %.1f ms; send_group_msg p50 %.1f ms; %d receipts missing\n",
		rep.Messages, rep.LastReceiverP50ms, rep.LastReceiverP99ms, rep.LastReceiverMaxms, rep.FirstReceiverP50ms, rep.SendP50ms, rep.Missing)
}
