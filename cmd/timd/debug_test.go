package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// loopbackAddr returns a loopback address with a port free a moment ago.
func loopbackAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestDebugListenServesPprof runs timd in process with -debug-listen and checks that
// the pprof index answers there, and that the API listener does not serve it.
func TestDebugListenServesPprof(t *testing.T) {
	api, debug := loopbackAddr(t), loopbackAddr(t)
	env := map[string]string{"TIMD_DATA": t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-listen", api, "-debug-listen", debug}, io.Discard, io.Discard,
			func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("timd: %v", err)
		}
	}()
	var body string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get("http://" + debug + "/debug/pprof/")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		break
	}
	if !strings.Contains(body, "goroutine") {
		t.Fatalf("pprof index on -debug-listen: got %q", body)
	}
	resp, err := http.Get("http://" + api + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("API listener answered /debug/pprof/ with HTTP %d, want 404", resp.StatusCode)
	}
}
