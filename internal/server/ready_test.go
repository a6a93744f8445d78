package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/store/postgres"
	"github.com/timdhq/timd/internal/usersig"
)

// /readyz answers 503 while the store cannot write (read-only data files or database, a
// full disk), so that a load balancer drains the replica, and 200 again once it can.

// readyServer is a timd for the /readyz tests, served by httptest, with its log.
type readyServer struct {
	url string
	log *syncLog
}

// syncLog is a log destination safe for concurrent writes.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newReadyServer starts timd on cfg (DataDir and secret key set here unless given) and
// opts; it stops when the test ends.
func newReadyServer(t *testing.T, cfg config.Config, opts server.Options) *readyServer {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.Apps[0].SecretKey = testKey
	cfg.Apps[0].RateLimits = config.RateLimits{}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := &syncLog{}
	opts.Logger = slog.New(slog.NewJSONHandler(log, nil))
	srv, err := server.New(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &readyServer{url: hs.URL, log: log}
}

// readyz returns the status and body of GET /readyz.
func (s *readyServer) readyz(t *testing.T) (int, string) {
	t.Helper()
	resp, err := http.Get(s.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitReadyz polls /readyz for up to 10s until it answers status.
func (s *readyServer) waitReadyz(t *testing.T, status int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, body := s.readyz(t)
		if got == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz: got %d %s for 10s, want %d", got, body, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// importAccount calls account_import as the admin and returns the ErrorCode.
func (s *readyServer) importAccount(t *testing.T, id, nick string) int {
	t.Helper()
	return s.call(t, "im_open_login_svc/account_import", fmt.Sprintf(`{"UserID":%q,"Nick":%q}`, id, nick))
}

// call posts body to command ("service/command") as the admin and returns the ErrorCode.
func (s *readyServer) call(t *testing.T, command, body string) int {
	t.Helper()
	sig := usersig.Mint(1400000000, "administrator", testKey, 3600, time.Now())
	resp, err := http.Post(s.url+"/v4/"+command+"?sdkappid=1400000000&identifier=administrator&usersig="+sig,
		"application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct{ ErrorCode int }
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	return env.ErrorCode
}

// envStore opens the store the environment selects, as timtest does: PostgreSQL in a
// fresh schema with TIMD_TEST_STORE=postgres, else SQLite. It closes when the test ends.
func envStore(t *testing.T) im.Store {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	if os.Getenv("TIMD_TEST_STORE") == "postgres" {
		dsn, drop, err := postgres.NewTestSchema(ctx, os.Getenv("TIMD_TEST_POSTGRES_DSN"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = drop() })
		cfg.PostgresDSN, cfg.PostgresMaxConns = dsn, 4
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// brokenStore fails every write while broken is set, as a store on read-only files or
// a full disk does: with an error no rule chose.
type brokenStore struct {
	outboxStore
	broken atomic.Bool
}

// outboxStore is a store with its callback outbox, as both stores are.
type outboxStore interface {
	im.Store
	im.Outbox
}

func (s *brokenStore) Update(ctx context.Context, fn func(context.Context, im.Tx) error) error {
	if s.broken.Load() {
		return errors.New("sqlite: commit: database or disk is full (13)")
	}
	return s.outboxStore.Update(ctx, fn)
}

// TestReadyzWhileStoreCannotWrite checks /readyz against a store whose writes fail: 503
// from the first failed client write, and, with no client writes at all, from readyz's
// own probe write; 200 again once a write succeeds. The state changes are logged once.
func TestReadyzWhileStoreCannotWrite(t *testing.T) {
	st := &brokenStore{outboxStore: envStore(t).(outboxStore)}
	s := newReadyServer(t, config.Default(), server.Options{Store: st})
	s.waitReadyz(t, http.StatusOK)

	st.broken.Store(true)
	if code := s.importAccount(t, "alice", "a"); code != int(im.CodeInternal) {
		t.Fatalf("account_import on a broken store: got ErrorCode %d, want 10002", code)
	}
	if status, body := s.readyz(t); status != http.StatusServiceUnavailable || body != `{"status":"store cannot write"}` {
		t.Errorf("/readyz right after a failed write: got %d %s, want 503 store cannot write", status, body)
	}
	time.Sleep(1100 * time.Millisecond) // past the failure's standing: readyz probes
	if status, _ := s.readyz(t); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with writes still failing: got %d, want 503", status)
	}
	st.broken.Store(false)
	s.waitReadyz(t, http.StatusOK)
	if code := s.importAccount(t, "alice", "a"); code != 0 {
		t.Errorf("account_import once the store writes again: got ErrorCode %d, want 0", code)
	}

	t.Run("an idle replica probes", func(t *testing.T) {
		st.broken.Store(true)
		s.waitReadyz(t, http.StatusServiceUnavailable)
		st.broken.Store(false)
		s.waitReadyz(t, http.StatusOK)
	})
	log := s.log.String()
	if down, up := strings.Count(log, `"msg":"readyz: not ready"`), strings.Count(log, `"msg":"readyz: ready again"`); down != 2 || up != 2 {
		t.Errorf("log: %d not-ready and %d ready-again lines, want 2 of each (one per change):\n%s", down, up, log)
	}
}

// TestReadyzOnReadOnlyPostgres runs timd as a PostgreSQL role whose sessions then turn
// read-only (default_transaction_read_only, as on a standby after a failover) and back:
// /readyz is 503 while writes fail with 25006 and 200 once they succeed again.
func TestReadyzOnReadOnlyPostgres(t *testing.T) {
	dsn := os.Getenv("TIMD_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("TIMD_TEST_POSTGRES_DSN is not set: PostgreSQL lane skipped")
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Skip("TIMD_TEST_POSTGRES_DSN is not a postgres:// URL")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	var b [6]byte
	_, _ = rand.Read(b[:])
	role := "timd_readyz_" + hex.EncodeToString(b[:])
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := admin.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec("CREATE ROLE " + role + " LOGIN")
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+role) })
	schemaDSN, drop, err := postgres.NewTestSchema(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drop() })
	su, _ := url.Parse(schemaDSN)
	exec("GRANT USAGE, CREATE ON SCHEMA " + su.Query().Get("search_path") + " TO " + role)
	su.User = url.User(role)

	cfg := config.Default()
	cfg.PostgresDSN, cfg.PostgresMaxConns = su.String(), 4
	s := newReadyServer(t, cfg, server.Options{})
	s.waitReadyz(t, http.StatusOK)
	restart := func() { exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role) }

	exec("ALTER ROLE " + role + " SET default_transaction_read_only = on")
	restart()
	s.waitReadyz(t, http.StatusServiceUnavailable)
	if code := s.importAccount(t, "alice", "a"); code != int(im.CodeInternal) {
		t.Errorf("account_import on a read-only database: got ErrorCode %d, want 10002", code)
	}
	exec("ALTER ROLE " + role + " RESET default_transaction_read_only")
	restart()
	s.waitReadyz(t, http.StatusOK)
	if code := s.importAccount(t, "alice", "a"); code != 0 {
		t.Errorf("account_import once the database is writable: got ErrorCode %d, want 0", code)
	}
}
