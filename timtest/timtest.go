// Package timtest runs a real timd server inside a Go test, in the spirit of
// net/http/httptest: Tencent Cloud Chat's group and account REST API on a loopback port,
// backed by SQLite in a temporary directory, with no network and no credentials.
//
// The server is timd itself, not a second implementation: what passes against it is what
// timd answers in production.
//
// NewServer starts one for a test and stops it when the test ends; Start and Close do the
// same for a TestMain. Call sends a signed REST call as the app admin (MustCall and MustOK
// fail the test instead of returning errors); URL, Client, SDKAppID, Admin and UserSig let
// other clients, Tencent's server SDKs among them, talk to it. AddFault makes matching
// calls fail (a given ErrorCode, a closed connection, an HTTP 5xx) or slow down, to test a
// client's error handling; PauseCallbacks holds after-callbacks back. The seeding helpers
// (MustImportAccounts, MustCreateGroup, MustAddMembers) call timd's services directly,
// with the rules and callbacks of the REST commands but no rate limit. Advance moves the
// server's clock, so a test sees a mute end without sleeping; Reset drops all data.
//
// Field names match exactly, as Tencent's do: a field named in the wrong case, or one
// Tencent's API does not have, is ignored and listed in Response.IgnoredFields (the
// X-Timd-Ignored-Fields header); Options.FailOnIgnoredFields fails the test instead.
//
// # PostgreSQL
//
// With TIMD_TEST_STORE=postgres in the environment, every server runs on PostgreSQL
// instead: each one gets a fresh schema in the database TIMD_TEST_POSTGRES_DSN names
// (Reset gets another, Close drops it), so tests written against timtest run unchanged on
// both stores. The DSN's user must be allowed to create schemas in that database.
// TIMD_TEST_STORE=postgres without TIMD_TEST_POSTGRES_DSN makes Start fail rather than
// quietly test SQLite. TIMD_TEST_STORE unset, empty or "sqlite" selects SQLite.
package timtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/httpapi"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/store/postgres"
	"github.com/timdhq/timd/internal/usersig"
)

// Options configure a test server. A nil *Options is valid and gives the defaults. The
// app-shaped fields set the server's one app (the first, when Configure adds more).
type Options struct {
	SDKAppID     uint64   // default 1400000000
	Admin        string   // the app admin account; default "administrator"
	SecretKey    string   // default: random
	MemberFields []string // member custom-field keys the app defines; default none
	GroupFields  []string // group custom-field keys the app defines; default none
	// RateLimit is the calls per second each REST command of the app accepts before it
	// answers 60007. 0, the default, keeps timd's production limits (200/s, and 100/s for
	// multiaccount_import, account_check and account_delete), so a test meets 60007
	// where production would; NoRateLimit turns limiting off, for tests that call
	// faster. The seeding helpers are never rate-limited.
	RateLimit float64
	// CallbackURL is where the app's callbacks go (http:// or https://); default "",
	// which sends none. CallbackToken signs them (RequestTime and Sign in the query);
	// default "", unsigned. Every callback command is on, with timd's default timeouts
	// and retries.
	CallbackURL, CallbackToken string
	// Configure, when set, may change the whole configuration before the server starts
	// (limits, rate limits, more apps). It runs after the fields above are applied. It is
	// for timd's own tests: its argument's type is in an internal package, which other
	// modules cannot name; the fields above are their configuration.
	Configure func(*config.Config)
	// Logger receives the server's log: a line per request, errors, callback delivery.
	// Its handler's level decides what is logged. Default: nothing is logged.
	Logger *slog.Logger
	// FailOnIgnoredFields makes the test of NewServer fail (tb.Errorf) for every REST call
	// whose body held a field that timd ignored: a name Tencent's API does not have, or
	// one in the wrong case ("groupid" for "GroupId"), which Tencent would silently drop
	// too. The message names the command and the fields, as the answer's
	// X-Timd-Ignored-Fields header lists them. Default false: such fields are ignored, as
	// Tencent ignores them. Start has no test to fail; read Response.IgnoredFields there.
	FailOnIgnoredFields bool
	// Strict runs the server in strict mode: a request Tencent accepts but may misread
	// (a field timd ignores, a field or command under its old name, a query without
	// random or contenttype) answers 60003 or 60002 with an ErrorInfo naming the
	// problem, instead of being served. Default false.
	Strict bool
	// Seed names a fixtures file, in the format of `timd export`, that the server loads
	// at start through its services, every rule applying, and again after each Reset
	// (docs/compatibility.md §9). Default "", none. A fixture that breaks a rule makes
	// NewServer fail the test, naming it.
	Seed string
}

// NoRateLimit is the Options.RateLimit that turns rate limiting off.
const NoRateLimit = -1

// Server is a running timd for tests.
type Server struct {
	// URL is the base URL of the server, e.g. "http://127.0.0.1:43210", without a
	// trailing slash.
	URL string

	cfg   config.Config
	clock *clock
	log   *slog.Logger // nil: discard
	http  *httptest.Server
	// strict, when set, is failed for every call with ignored fields
	// (Options.FailOnIgnoredFields).
	strict testing.TB

	mu      sync.RWMutex
	srv     *server.Server
	dataDir string
	resets  int
	pgDSN   string       // the database to make schemas in; "" for SQLite
	drop    func() error // drops the current server's schema; nil for SQLite
}

// NewServer starts a server for the test tb and stops it, removing its data, when the
// test ends.
func NewServer(tb testing.TB, opts *Options) *Server {
	tb.Helper()
	s, err := Start(opts)
	if err != nil {
		tb.Fatalf("timtest: %v", err)
	}
	if opts != nil && opts.FailOnIgnoredFields {
		s.strict = tb
	}
	tb.Cleanup(s.Close)
	return s
}

// Start starts a server that lives until Close, for use in TestMain.
func Start(opts *Options) (*Server, error) {
	if opts == nil {
		opts = &Options{}
	}
	pgDSN, err := postgresFromEnv()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "timtest-*")
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: buildConfig(opts, dir), clock: &clock{}, log: opts.Logger, dataDir: dir, pgDSN: pgDSN}
	if err := s.open(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.http.URL
	return s, nil
}

// postgresFromEnv returns the database to run servers on, from TIMD_TEST_STORE and
// TIMD_TEST_POSTGRES_DSN, or "" for SQLite.
func postgresFromEnv() (string, error) {
	switch store := os.Getenv("TIMD_TEST_STORE"); store {
	case "", "sqlite":
		return "", nil
	case "postgres":
		dsn := os.Getenv("TIMD_TEST_POSTGRES_DSN")
		if dsn == "" {
			return "", errors.New("TIMD_TEST_STORE=postgres, but TIMD_TEST_POSTGRES_DSN is not set: " +
				"set it to a PostgreSQL database to create test schemas in, or unset TIMD_TEST_STORE for SQLite")
		}
		return dsn, nil
	default:
		return "", fmt.Errorf("TIMD_TEST_STORE=%q: want postgres, sqlite or nothing", store)
	}
}

// buildConfig turns opts into a configuration with its data under dir.
func buildConfig(opts *Options, dir string) config.Config {
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = dir
	// A few connections serve a test well, and keep the tests of several packages that
	// run at once within the server's max_connections.
	cfg.PostgresMaxConns = 8
	app := &cfg.Apps[0]
	if opts.SDKAppID != 0 {
		app.SDKAppID = opts.SDKAppID
	}
	if opts.Admin != "" {
		app.Admins = []string{opts.Admin}
	}
	app.SecretKey = opts.SecretKey
	if app.SecretKey == "" {
		var b [32]byte
		_, _ = rand.Read(b[:])
		app.SecretKey = hex.EncodeToString(b[:])
	}
	app.MemberFields, app.GroupFields = opts.MemberFields, opts.GroupFields
	app.RateLimits = rateLimits(opts.RateLimit, app.RateLimits)
	app.Callback.URL, app.Callback.Token = opts.CallbackURL, opts.CallbackToken
	cfg.Strict, cfg.Seed = opts.Strict, opts.Seed
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	return cfg
}

// rateLimits returns the rate limits of Options.RateLimit rate over the defaults def. The
// Commands map is never nil, so that Configure may add to it.
func rateLimits(rate float64, def config.RateLimits) config.RateLimits {
	switch {
	case rate < 0:
		return config.RateLimits{Commands: map[string]float64{}}
	case rate > 0:
		return config.RateLimits{Default: rate, Commands: map[string]float64{}}
	}
	return def
}

// open starts a fresh timd on a new data directory, or a new schema on PostgreSQL.
func (s *Server) open() error {
	if err := s.cfg.Validate(); err != nil {
		return err
	}
	cfg := s.cfg
	cfg.DataDir = fmt.Sprintf("%s/data-%d", s.dataDir, s.resets)
	if s.pgDSN != "" {
		dsn, drop, err := postgres.NewTestSchema(context.Background(), s.pgDSN)
		if err != nil {
			return err
		}
		cfg.PostgresDSN, s.drop = dsn, drop
	}
	srv, err := server.New(context.Background(), cfg, server.Options{Clock: s.clock, Logger: s.log, Faults: true})
	if err != nil {
		return errors.Join(err, s.dropSchema())
	}
	s.srv = srv
	return nil
}

// dropSchema drops the current server's PostgreSQL schema, if it has one.
func (s *Server) dropSchema() error {
	if s.drop == nil {
		return nil
	}
	err := s.drop()
	s.drop = nil
	return err
}

// serve hands a request to the current timd.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	h := s.srv.Handler()
	s.mu.RUnlock()
	h.ServeHTTP(w, r)
	if s.strict == nil {
		return
	}
	// The header map still holds what the answer was sent with.
	if ignored := w.Header().Get(httpapi.IgnoredFieldsHeader); ignored != "" {
		s.strict.Errorf("timtest: %s %s: timd ignored fields of the request body that Tencent's API does not know: %s",
			r.Method, r.URL.Path, ignored)
	}
}

// Close stops the server and removes its data.
func (s *Server) Close() {
	s.mu.RLock()
	s.srv.CloseStreams() // an open stream would keep Close waiting
	s.mu.RUnlock()
	s.http.Close()
	s.mu.Lock()
	_ = s.srv.Shutdown(context.Background())
	_ = s.dropSchema()
	s.mu.Unlock()
	os.RemoveAll(s.dataDir)
}

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.http.Client() }

// SDKAppID returns the SDKAppID of the server's first app.
func (s *Server) SDKAppID() uint64 { return s.cfg.Apps[0].SDKAppID }

// Admin returns the admin account of the server's first app.
func (s *Server) Admin() string { return s.cfg.Apps[0].Admins[0] }

// SecretKey returns the secret key of the server's first app.
func (s *Server) SecretKey() string { return s.cfg.Apps[0].SecretKey }

// UserSig returns a UserSig of the first app for identifier, valid for a day from the
// server's clock.
func (s *Server) UserSig(identifier string) string {
	return usersig.Mint(s.SDKAppID(), identifier, s.SecretKey(), 86400, s.clock.Now())
}

// Advance moves the server's clock forward by d: mutes expire, timestamps move. The
// clock keeps following the machine's time from there.
func (s *Server) Advance(d time.Duration) { s.clock.advance(d) }

// Now returns the server's current time.
func (s *Server) Now() time.Time { return s.clock.Now() }

// Reset drops every account, group and member, as if the server had just started: fault
// rules are removed and paused callbacks resumed too, and Options.Seed is loaded again. The URL, apps and clock stay.
func (s *Server) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.srv.Shutdown(context.Background()); err != nil {
		return err
	}
	if err := s.dropSchema(); err != nil {
		return err
	}
	s.resets++
	return s.open()
}
