package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
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
	"syscall"
	"time"

	"github.com/timdhq/timd/internal/bench"
)

// child is a process timbench started.
type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
}

// startChild starts cmd in a process group of its own (a Ctrl-C in the terminal reaches
// timbench only, which then stops the child in order) that the kernel kills if timbench
// dies first.
func startChild(name string, cmd *exec.Cmd) (*child, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// pid returns the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether the child has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop asks the child to shut down (SIGTERM), and kills it if it has not exited in
// time.
func (c *child) stop(timeout time.Duration) {
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(timeout):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// timdBinary returns the timd binary to spawn.
func timdBinary(flagPath string) (string, error) {
	if flagPath != "" {
		if _, err := os.Stat(flagPath); err != nil {
			return "", fmt.Errorf("-timd: %w", err)
		}
		return flagPath, nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find own executable: %w", err)
	}
	path := filepath.Join(filepath.Dir(self), "timd")
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("no timd binary next to timbench (%s): build both with `go build -o bin/ ./cmd/...` and run bin/timbench, or give -timd PATH", path)
	}
	return path, nil
}

// freeLoopbackAddr returns a loopback address with a port free at the time of the call.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// timdConfig is the config file of a spawned timd: rate limits off, the account
// commands' own limits included (they merge over the defaults key by key), and the
// per-group send rate off (send_rate 0), so no send is dropped with MsgFreqCtrl.
func timdConfig(sdkappid uint64, admin string) ([]byte, error) {
	off := map[string]float64{"multiaccount_import": 0, "account_check": 0, "account_delete": 0}
	return json.MarshalIndent(map[string]any{
		"apps": []any{map[string]any{
			"sdkappid": sdkappid, "admins": []string{admin},
			"rate_limits": map[string]any{"default": 0, "commands": off},
			"messages":    map[string]any{"send_rate": 0},
		}},
	}, "", "  ")
}

// spawnedTimd is a timd timbench runs.
type spawnedTimd struct {
	*child
	bin     string
	env     []string
	url     string
	dir     string // temporary: config, data, log
	logPath string
	key     string
	store   string
}

// spawnTimd starts timd with a fresh data directory under a new temporary directory and
// waits until it answers /healthz.
func spawnTimd(ctx context.Context, o *options) (*spawnedTimd, error) {
	bin, err := timdBinary(o.timd)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "timbench-*")
	if err != nil {
		return nil, err
	}
	t := &spawnedTimd{bin: bin, dir: dir, logPath: filepath.Join(dir, "timd.log"), key: randomKey(), store: "sqlite"}
	if err := t.prepare(o); err != nil {
		t.close(o.keep)
		return nil, err
	}
	if _, err := t.launch(ctx); err != nil {
		t.close(o.keep)
		return nil, err
	}
	return t, nil
}

// prepare writes the config file and picks the address and environment.
func (t *spawnedTimd) prepare(o *options) error {
	cfg, err := timdConfig(o.sdkappid, o.admin)
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(t.dir, "timd.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return err
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	t.url = "http://" + addr
	t.env = t.environment(o, addr, cfgPath)
	return nil
}

// launch starts the process, appending to its log, and returns how long it took to
// answer /healthz.
func (t *spawnedTimd) launch(ctx context.Context) (time.Duration, error) {
	logf, err := os.OpenFile(t.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, err
	}
	defer logf.Close() // the child has its own descriptor
	cmd := exec.Command(t.bin, "serve")
	cmd.Env = t.env
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	if t.child, err = startChild("timd", cmd); err != nil {
		return 0, err
	}
	if err := t.waitReady(ctx); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// restart stops timd and starts it again on the same data, and returns its start-up
// time.
func (t *spawnedTimd) restart(ctx context.Context) (time.Duration, error) {
	t.stop(30 * time.Second)
	return t.launch(ctx)
}

// environment is the spawned timd's environment: timbench's own without any TIMD_
// variable, then the generated settings, then -server-env.
func (t *spawnedTimd) environment(o *options, addr, cfgPath string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TIMD_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"TIMD_CONFIG="+cfgPath, "TIMD_DATA="+filepath.Join(t.dir, "data"), "TIMD_LISTEN="+addr,
		"TIMD_SECRET_KEY="+t.key, "TIMD_MEMBER_FIELDS="+strings.Join(o.fields, ","))
	if o.serverLogLevel != "" {
		env = append(env, "TIMD_LOG_LEVEL="+o.serverLogLevel)
	}
	for _, kv := range o.serverEnv {
		if strings.HasPrefix(kv, "TIMD_POSTGRES_DSN=") {
			t.store = "postgresql"
		}
		env = append(env, kv)
	}
	return env
}

// waitReady polls /healthz until it answers 200, the process exits, or a minute passes.
func (t *spawnedTimd) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		if t.exited() {
			return fmt.Errorf("timd exited at start-up (%v); the end of its log:\n%s", t.err, tail(t.logPath, 2000))
		}
		resp, err := client.Get(t.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return fmt.Errorf("timd did not answer %s/healthz within a minute; the end of its log:\n%s", t.url, tail(t.logPath, 2000))
}

// close stops timd and removes its directory unless keep is set.
func (t *spawnedTimd) close(keep bool) {
	if t.child != nil {
		t.stop(15 * time.Second)
	}
	if !keep {
		_ = os.RemoveAll(t.dir)
	}
}

// randomKey returns a random secret key.
func randomKey() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tail returns the last n bytes of the file at path.
func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		_, _ = f.Seek(fi.Size()-n, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// spawnedCeiling is the ceiling server, timbench's own executable in a process of its
// own.
type spawnedCeiling struct {
	*child
	url string
}

// spawnCeiling starts "timbench -serve-ceiling 127.0.0.1:0 [FILE]" and reads the address
// it listens on from its first line of output. A readAnswer is handed over in a temporary
// file, which the ceiling reads before it listens and which is removed then.
func spawnCeiling(ctx context.Context, readAnswer []byte) (*spawnedCeiling, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	args := []string{ceilingFlag, "127.0.0.1:0"}
	if readAnswer != nil {
		f, err := os.CreateTemp("", "timbench-ceiling-*.json")
		if err != nil {
			return nil, err
		}
		defer os.Remove(f.Name())
		_, err = f.Write(readAnswer)
		if err = errors.Join(err, f.Close()); err != nil {
			return nil, err
		}
		args = append(args, f.Name())
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c, err := startChild("ceiling", cmd)
	if err != nil {
		return nil, err
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		addr, ok := strings.CutPrefix(strings.TrimSpace(s), "listening ")
		if !ok {
			c.stop(5 * time.Second)
			return nil, fmt.Errorf("ceiling server: unexpected first line %q", s)
		}
		return &spawnedCeiling{child: c, url: "http://" + addr}, nil
	case <-time.After(10 * time.Second):
		err = errors.New("ceiling server: no address within 10s")
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.stop(5 * time.Second)
	return nil, err
}

// serveCeiling is the ceiling process: it serves until SIGTERM or SIGINT.
func serveCeiling(ctx context.Context, a ceilingArgs, stdout io.Writer) error {
	var answer []byte
	if a.answerFile != "" {
		var err error
		if answer, err = os.ReadFile(a.answerFile); err != nil {
			return fmt.Errorf("ceiling server: %w", err)
		}
	}
	return bench.ServeCeiling(ctx, a.addr, answer, stdout)
}
