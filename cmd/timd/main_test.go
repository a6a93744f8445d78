package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests build the timd binary once and run it as a process: start, serve, signal,
// restart, and refuse a bad configuration. They are skipped under -short.

const (
	devSDKAppID = "1400000000"
	devAdmin    = "administrator"
)

var build struct {
	once sync.Once
	dir  string // removed by TestMain
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// mustBinary returns the path of the timd binary, building it on first use.
func mustBinary(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds and runs the timd binary; skipped under -short")
	}
	build.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			build.err = fmt.Errorf("go tool not found: %w", err)
			return
		}
		if build.dir, build.err = os.MkdirTemp("", "timd-bin-*"); build.err != nil {
			return
		}
		build.path = filepath.Join(build.dir, "timd")
		out, err := exec.Command(goTool, "build", "-o", build.path, ".").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		tb.Fatal(build.err)
	}
	return build.path
}

// environ returns this process's environment without any TIMD_ variable, plus extra.
func environ(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TIMD_") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// logWriter collects a process's stderr and announces its first line.
type logWriter struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	firstLine chan string // receives the first complete line, once
	sent      bool
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.sent {
		if line, _, ok := strings.Cut(w.buf.String(), "\n"); ok {
			w.sent = true
			w.firstLine <- line
		}
	}
	return len(p), nil
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// timd is a running timd process.
type timd struct {
	cmd       *exec.Cmd
	log       *logWriter
	firstLine string
	addr      string // host:port it listens on
	done      chan struct{}
	waitErr   error // set when done is closed
}

// MustStart starts timd serving on dataDir at a free loopback port, with the extra
// environment variables, and waits until /healthz answers. It kills the process when the
// test ends, if it still runs.
func MustStart(tb testing.TB, dataDir string, extra ...string) *timd {
	tb.Helper()
	p := &timd{log: &logWriter{firstLine: make(chan string, 1)}, done: make(chan struct{})}
	p.cmd = exec.Command(mustBinary(tb))
	p.cmd.Env = environ(append([]string{"TIMD_DATA=" + dataDir, "TIMD_LISTEN=127.0.0.1:0"}, extra...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("start timd: %v", err)
	}
	go func() { p.waitErr = p.cmd.Wait(); close(p.done) }()
	tb.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.firstLine = <-p.log.firstLine:
	case <-p.done:
		tb.Fatalf("timd exited before logging: %v\n%s", p.waitErr, p.log)
	case <-time.After(10 * time.Second):
		tb.Fatalf("timd logged nothing in 10s")
	}
	var first struct{ Addr string }
	if err := json.Unmarshal([]byte(p.firstLine), &first); err != nil || first.Addr == "" {
		tb.Fatalf("first log line: got %s, want a JSON line with the addr", p.firstLine)
	}
	p.addr = first.Addr
	p.mustHealthy(tb)
	return p
}

// mustHealthy waits up to 5 s for GET /healthz to answer 200.
func (p *timd) mustHealthy(tb testing.TB) {
	tb.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := client.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("GET /healthz: got %v, want 200 within 5s\n%s", err, p.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// MustStop sends SIGTERM and waits up to 5 s for the process to exit; it returns the
// exit code.
func (p *timd) MustStop(tb testing.TB) int {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Fatalf("SIGTERM: %v", err)
	}
	return p.mustExit(tb)
}

// mustExit waits up to 5 s for the process to exit and returns its exit code.
func (p *timd) mustExit(tb testing.TB) int {
	tb.Helper()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		tb.Fatalf("timd still running 5s after SIGTERM\n%s", p.log)
	}
	return p.cmd.ProcessState.ExitCode()
}

// envelope is the part of an answer these tests read.
type envelope struct {
	ActionStatus string
	ErrorInfo    string
	ErrorCode    int
	FailAccounts []string
	ResultItem   []struct{ UserID, AccountStatus string }
}

// MustCall posts body to /v4/{command} as identifier with sig and returns the decoded
// answer, its raw bytes and its request id.
func (p *timd) MustCall(tb testing.TB, command, identifier, sig, body string) (envelope, []byte, string) {
	tb.Helper()
	u := fmt.Sprintf("http://%s/v4/%s?sdkappid=%s&identifier=%s&usersig=%s&random=99&contenttype=json",
		p.addr, command, devSDKAppID, identifier, sig)
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		tb.Fatalf("%s: %v", command, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s: %v", command, err)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		tb.Fatalf("%s: answer is not JSON: %v: %s", command, err, raw)
	}
	return env, raw, resp.Header.Get("X-Request-Id")
}

// MustUserSig runs `timd usersig` on dataDir and returns the UserSig it prints.
func MustUserSig(tb testing.TB, dataDir string) string {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(mustBinary(tb), "usersig")
	cmd.Env = environ("TIMD_DATA=" + dataDir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("timd usersig: %v\n%s", err, stderr.String())
	}
	sig := strings.TrimSpace(stdout.String())
	if sig == "" || strings.ContainsFunc(sig, func(r rune) bool {
		return !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || strings.ContainsRune("*-_", r))
	}) {
		tb.Fatalf("timd usersig: got %q, want one UserSig of A-Z a-z 0-9 * - _", stdout.String())
	}
	return sig
}

// MustSecret returns the content of the dev app's key file and checks its mode is 0600.
func MustSecret(tb testing.TB, dataDir string) string {
	tb.Helper()
	path := filepath.Join(dataDir, "secret-"+devSDKAppID+".key")
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatalf("secret key file: %v", err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		tb.Errorf("secret key file mode: got %o, want 600", mode)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	key := strings.TrimSpace(string(data))
	if len(key) < 32 {
		tb.Fatalf("secret key file: got %d bytes of key, want at least 32", len(key))
	}
	return key
}

func TestServeRestartAndSecrets(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data") // timd creates it
	first := MustStart(t, dataDir, "TIMD_LOG_LEVEL=debug")

	if !strings.Contains(first.firstLine, "timd usersig") {
		t.Errorf("first log line: got %s, want it to mention `timd usersig`", first.firstLine)
	}
	sig := MustUserSig(t, dataDir)
	key := MustSecret(t, dataDir)

	env, raw, importID := first.MustCall(t, "im_open_login_svc/multiaccount_import", devAdmin, sig, `{"Accounts":["u1","u2"]}`)
	if want := `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"FailAccounts":[]}`; string(raw) != want {
		t.Fatalf("multiaccount_import with the sig of `timd usersig`: got %s, want %s", raw, want)
	}
	// Failures too must keep the sig out of the log.
	if env, _, _ = first.MustCall(t, "im_open_login_svc/account_check", "alice", sig, `{}`); env.ErrorCode != 70013 {
		t.Errorf("call as another identifier: got ErrorCode %d, want 70013", env.ErrorCode)
	}
	if env, _, _ = first.MustCall(t, "im_open_login_svc/account_check", devAdmin, sig+"x", `{}`); env.ErrorCode != 70003 {
		t.Errorf("call with a damaged sig: got ErrorCode %d, want 70003", env.ErrorCode)
	}
	if code := first.MustStop(t); code != 0 {
		t.Fatalf("exit code after SIGTERM: got %d, want 0\n%s", code, first.log)
	}

	second := MustStart(t, dataDir)
	env, _, _ = second.MustCall(t, "im_open_login_svc/account_check", devAdmin, sig,
		`{"CheckItem":[{"UserID":"u1"},{"UserID":"u2"},{"UserID":"u3"}]}`)
	var got []string
	for _, it := range env.ResultItem {
		got = append(got, it.UserID+"="+it.AccountStatus)
	}
	if want := "u1=Imported u2=Imported u3=NotImported"; env.ErrorCode != 0 || strings.Join(got, " ") != want {
		t.Errorf("account_check after restart with the old sig: got %d %v, want 0 %s", env.ErrorCode, got, want)
	}
	if again := MustSecret(t, dataDir); again != key {
		t.Errorf("secret key after restart: got a different key, want the same")
	}
	if code := second.MustStop(t); code != 0 {
		t.Fatalf("second exit code after SIGTERM: got %d, want 0\n%s", code, second.log)
	}

	t.Run("logs", func(t *testing.T) {
		logs := first.log.String() + second.log.String()
		if strings.Contains(logs, sig) {
			t.Errorf("log contains the UserSig")
		}
		if strings.Contains(logs, key) {
			t.Errorf("log contains the secret key")
		}
		if !strings.Contains(first.log.String(), importID) {
			t.Errorf("log: want the request id %q of multiaccount_import in it\n%s", importID, first.log)
		}
		for line := range strings.Lines(logs) {
			if !json.Valid([]byte(line)) {
				t.Errorf("log line is not JSON: %s", line)
			}
		}
	})
}

func TestConfigError(t *testing.T) {
	tests := []struct {
		name string
		env  string
		want string // the message must name this
	}{
		{"sdkappid not a number", "TIMD_SDKAPPID=abc", "TIMD_SDKAPPID"},
		{"sdkappid zero", "TIMD_SDKAPPID=0", "sdkappid"},
		{"admin too long", "TIMD_ADMINS=administrator," + strings.Repeat("a", 33), "admins[1]"},
		{"admin not printable", "TIMD_ADMINS=caf\u00e9", "admins[0]"},
		{"shutdown timeout not a duration", "TIMD_SHUTDOWN_TIMEOUT=soon", "TIMD_SHUTDOWN_TIMEOUT"},
	}
	for _, tt := range tests {
		for _, sub := range []string{"serve", "usersig"} {
			t.Run(tt.name+"/"+sub, func(t *testing.T) {
				dataDir := filepath.Join(t.TempDir(), "data")
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				var stderr bytes.Buffer
				cmd := exec.CommandContext(ctx, mustBinary(t), sub)
				cmd.Env = environ("TIMD_DATA="+dataDir, "TIMD_LISTEN=127.0.0.1:0", tt.env)
				cmd.Stderr = &stderr
				err := cmd.Run()
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 1 {
					t.Fatalf("timd %s with %s: got %v, want exit code 1\n%s", sub, tt.env, err, stderr.String())
				}
				if !strings.Contains(stderr.String(), tt.want) {
					t.Errorf("message: got %q, want it to name %s", stderr.String(), tt.want)
				}
				if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("data directory: got %v, want none created on a config error", err)
				}
			})
		}
	}
}

// TestGracefulShutdown holds a request open in the middle of its body, sends SIGTERM,
// waits until the server stops accepting connections, and then finishes the request: it
// must be answered in full before the process exits 0.
func TestGracefulShutdown(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	p := MustStart(t, dataDir)
	sig := MustUserSig(t, dataDir)

	accounts := make([]string, 100)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("inflight%d", i)
	}
	body, _ := json.Marshal(map[string]any{"Accounts": accounts})

	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(15 * time.Second))
	fmt.Fprintf(conn, "POST /v4/im_open_login_svc/multiaccount_import?sdkappid=%s&identifier=%s&usersig=%s HTTP/1.1\r\n"+
		"Host: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", devSDKAppID, devAdmin, sig, p.addr, len(body))
	br := bufio.NewReader(conn)
	// The server asks for the body only once the handler reads it: the request is in flight.
	cont, err := http.ReadResponse(br, nil)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("waiting for 100 Continue: got %v %v, want 100", cont, err)
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitRefused(t, p.addr)
	select {
	case <-p.done:
		t.Fatalf("timd exited with a request in flight: %v\n%s", p.waitErr, p.log)
	default:
	}

	if _, err := conn.Write(body); err != nil {
		t.Fatalf("write the rest of the body: %v", err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("answer of the in-flight request: %v\n%s", err, p.log)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"FailAccounts":[]}`; resp.StatusCode != http.StatusOK || string(raw) != want {
		t.Errorf("in-flight multiaccount_import: got %d %s, want 200 %s", resp.StatusCode, raw, want)
	}
	conn.Close()
	if code := p.mustExit(t); code != 0 {
		t.Errorf("exit code: got %d, want 0\n%s", code, p.log)
	}

	// What the in-flight request wrote was committed.
	q := MustStart(t, dataDir)
	env, _, _ := q.MustCall(t, "im_open_login_svc/account_check", devAdmin, sig, `{"CheckItem":[{"UserID":"inflight99"}]}`)
	if len(env.ResultItem) != 1 || env.ResultItem[0].AccountStatus != "Imported" {
		t.Errorf("account_check after restart: got %+v, want inflight99 Imported", env)
	}
	q.MustStop(t)
}

// waitRefused waits up to 5 s until a new connection to addr is refused: the server has
// closed its listener and is shutting down.
func waitRefused(tb testing.TB, addr string) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("%s still accepts connections 5s after SIGTERM", addr)
}
