// Package server assembles timd from a configuration: the store, the services, the REST
// API and the HTTP server. cmd/timd and timtest both build on it.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/timdhq/timd/internal/account"
	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/field"
	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/httpapi"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/ratelimit"
	"github.com/timdhq/timd/internal/store/postgres"
	"github.com/timdhq/timd/internal/store/sqlite"
	"github.com/timdhq/timd/internal/stream"
	"github.com/timdhq/timd/internal/webhook"
)

// Options tune a Server beyond its configuration. The zero value is valid.
type Options struct {
	Logger *slog.Logger // default: discard
	Clock  im.Clock     // default im.SystemClock
	// Store, when set, is used instead of opening the configured one; the Server then
	// does not close it.
	Store im.Store
	// Timeouts bound what a slow client may hold; zero fields take DefaultTimeouts.
	Timeouts Timeouts
	// Faults turns fault injection on (Server.Faults) without the development
	// endpoints, for timtest; default false. cfg.Dev turns it on too.
	Faults bool
}

// Timeouts are the HTTP server's limits on slow or idle clients.
type Timeouts struct {
	ReadHeader time.Duration // to read a request's headers; default 5s
	Read       time.Duration // to read a whole request; default 30s
	Write      time.Duration // to write the answer, from the end of the headers; default 60s
	Idle       time.Duration // a keep-alive connection may wait for its next request; default 120s
	// MaxHeaderBytes caps the request line and headers; default 64 KiB.
	MaxHeaderBytes int
}

// DefaultTimeouts are the timeouts of a Server whose Options give none.
var DefaultTimeouts = Timeouts{ReadHeader: 5 * time.Second, Read: 30 * time.Second, Write: 60 * time.Second, Idle: 120 * time.Second, MaxHeaderBytes: 64 << 10}

// withDefaults fills in zero fields.
func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts
	for _, f := range []struct{ v, def *time.Duration }{{&t.ReadHeader, &d.ReadHeader}, {&t.Read, &d.Read}, {&t.Write, &d.Write}, {&t.Idle, &d.Idle}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if t.MaxHeaderBytes == 0 {
		t.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return t
}

// Server is a running timd: store, services and HTTP API.
type Server struct {
	cfg       config.Config
	log       *slog.Logger
	clock     im.Clock // the services' clock
	store     im.Store
	ownsStore bool
	apps      []httpapi.App
	groups    *group.Service
	accounts  *account.Service
	api       *httpapi.API
	metrics   *metrics
	live      *liveLog        // what is never stored, for tests and tools
	hub       *stream.Hub     // the users' event streams
	relay     *stream.PGRelay // carries the hub's events between replicas; nil on SQLite
	health    *writeHealth    // whether the store can write, for /readyz
	handler   http.Handler
	// stopCallbacks stops the after-callback deliverer and waits for it.
	stopCallbacks func()
	deliverer     *webhook.Deliverer
	// faults are the fault-injection rules; nil unless cfg.Dev or Options.Faults.
	faults *httpapi.Faults
	http   *http.Server

	// The admin console's (console.go): the custom fields declared at run time, and
	// the recent callback attempts.
	fields      *field.Service
	stopFields  func()
	callbackLog *callbackLog
}

// New opens the store and assembles the server for cfg, which must be valid and have
// its secrets resolved. With cfg.Dev the development endpoints are on (see
// httpapi.DevControl) and the server's clock is adjustable through them.
func New(ctx context.Context, cfg config.Config, opts Options) (*Server, error) {
	s := &Server{cfg: cfg, log: opts.Logger, store: opts.Store}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.store == nil {
		st, err := OpenStore(ctx, cfg)
		if err != nil {
			return nil, err
		}
		s.store, s.ownsStore = st, true
	}
	clock := opts.Clock
	if clock == nil {
		clock = im.SystemClock{}
	}
	if cfg.Dev || opts.Faults {
		s.faults = httpapi.NewFaults()
	}
	var dev *devControl
	if cfg.Dev {
		dev = newDevControl(s.store, clock, s)
		clock = dev.clock
		s.log.Warn("development endpoints are on (dev, TIMD_DEV): /dev/reset, /dev/clock, /dev/requests, /dev/faults, /dev/callbacks; never use this in production")
	}
	s.metrics = newMetrics()
	s.health = newWriteHealth(s.store)
	store := timedStore{Store: s.store, hist: s.metrics.store, health: s.health}
	outbox, ok := s.store.(im.Outbox)
	if !ok {
		return nil, s.closeOwned(fmt.Errorf("store %T keeps no callback outbox (im.Outbox)", s.store))
	}
	s.apps = apiApps(cfg)
	if err := s.startConsole(ctx, clock, outbox); err != nil {
		return nil, s.closeOwned(err)
	}
	hooks := s.startCallbacks(outbox, clock) // untimed: polling would swamp the store metrics
	s.live = newLiveLog()
	live := lives{s.live, nil}
	s.hub = stream.New(nil, stream.Options{Logger: s.log})
	live[1] = s.hub
	s.groups = group.New(store, group.Options{Clock: clock, Events: hooks, Live: &live, Presence: s.hub})
	s.hub.SetReader(s.groups)
	if bus, ok := s.store.(stream.Bus); ok {
		s.relay = stream.NewRelay(s.hub, bus, s.app, s.log)
	}
	s.accounts = account.New(store, clock)
	s.clock = clock
	s.accounts.SetPresence(s.hub)
	s.api = httpapi.New(s.apiOptions(store, clock, dev))
	if cfg.Seed != "" {
		if _, err := s.loadSeed(ctx, 0); err != nil {
			s.stopCallbacks()
			s.stopFields()
			return nil, s.closeOwned(err)
		}
	}
	s.handler = withMetrics(s.metrics.handler(), withConsole(s.api))
	s.http = newHTTPServer(drainBody(s.handler), opts.Timeouts.withDefaults(), s.log)
	return s, nil
}

// apiOptions returns the options of the server's REST API; dev is nil unless the
// development endpoints are on.
func (s *Server) apiOptions(store im.Store, clock im.Clock, dev *devControl) httpapi.Options {
	o := httpapi.Options{
		Apps:     s.apps,
		Groups:   s.groups,
		Accounts: s.accounts,
		Store:    store,
		Ready:    s.health.ready,
		Limiter:  ratelimit.New(rateFor(s.cfg)),
		Logger:   s.log,
		Clock:    clock,
		Observe:  s.metrics.observe,
		Faults:   s.faults,

		Fields: s.fields, Callbacks: s.callbackLog, Stream: s.hub,
	}
	if dev != nil {
		o.Journal, o.Dev = dev.journal.add, dev
	}
	return o
}

// newHTTPServer returns the HTTP server of handler with the timeouts t.
func newHTTPServer(handler http.Handler, t Timeouts, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    t.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// withMetrics serves GET /metrics with metrics and everything else with api. It is not a
// ServeMux: a mux answers a path it cleans (//, ., ..) with a bare redirect, where the REST
// API answers 404 with its envelope.
func withMetrics(metrics, api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			metrics.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// OpenStore opens the store cfg selects, applying its pending migrations: PostgreSQL when
// cfg.PostgresDSN is set, else SQLite at <DataDir>/timd.db. Its errors never show the DSN.
func OpenStore(ctx context.Context, cfg config.Config) (im.Store, error) {
	if cfg.PostgresDSN != "" {
		db, err := postgres.Open(ctx, cfg.PostgresDSN, postgresOptions(cfg))
		if err != nil {
			return nil, fmt.Errorf("open postgres store: %w", err)
		}
		return db, nil
	}
	if err := config.CheckDataDir(cfg.DataDir, "timd.db", "timd.db-wal", "timd.db-shm"); err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "timd.db"), sqlite.Options{})
	if err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	return db, nil
}

// postgresOptions returns the PostgreSQL store options of cfg, which Validate has checked
// to fit.
func postgresOptions(cfg config.Config) postgres.Options {
	return postgres.Options{
		MaxConns: int32(cfg.PostgresMaxConns),
		MinConns: int32(cfg.PostgresMinConns),
	}
}

// MigrateStore applies the pending migrations of the store cfg selects and returns, for
// `timd migrate`. It names the store it migrated, without credentials.
func MigrateStore(ctx context.Context, cfg config.Config) (string, error) {
	if cfg.PostgresDSN != "" {
		if err := postgres.Migrate(ctx, cfg.PostgresDSN); err != nil {
			return "", err
		}
		return "postgresql", nil
	}
	// Opening the SQLite store migrates it.
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return "", err
	}
	return "sqlite:" + filepath.Join(cfg.DataDir, "timd.db"), st.Close()
}

// apiApps turns the configured apps into the HTTP layer's.
func apiApps(cfg config.Config) []httpapi.App {
	out := make([]httpapi.App, len(cfg.Apps))
	for i, a := range cfg.Apps {
		out[i] = httpapi.App{App: a.Domain(), SecretKey: a.SecretKey, Strict: cfg.Strict || a.Strict}
	}
	return out
}

// rateFor returns the configured rate of each (app, command).
func rateFor(cfg config.Config) func(uint64, string) float64 {
	rates := make(map[uint64]config.RateLimits, len(cfg.Apps))
	for _, a := range cfg.Apps {
		rates[a.SDKAppID] = a.RateLimits
	}
	return func(app uint64, command string) float64 { return rates[app].For(command) }
}

// Handler returns the HTTP handler of the REST API, the health endpoints and /metrics.
func (s *Server) Handler() http.Handler { return s.handler }

// Store returns the server's store.
func (s *Server) Store() im.Store { return s.store }

// Groups returns the server's group service, for driving timd in-process without HTTP
// (timtest's seeding helpers). Calls through it are neither rate-limited nor measured as
// REST calls, and send the callbacks the REST command would.
func (s *Server) Groups() *group.Service { return s.groups }

// Accounts returns the server's account service; see Groups.
func (s *Server) Accounts() *account.Service { return s.accounts }

// AdminCaller returns a caller acting as the first admin of app, from 127.0.0.1, for the
// services Groups and Accounts return; false if the server does not serve app.
func (s *Server) AdminCaller(app uint64) (im.Caller, bool) {
	for _, a := range s.apps {
		if a.SDKAppID == app {
			return im.Caller{App: a.App, Identifier: a.Admins[0], ClientIP: "127.0.0.1", RequestID: "in-process"}, true
		}
	}
	return im.Caller{}, false
}

// Serve answers HTTP (or HTTPS, when the configuration names a certificate) on ln until
// Shutdown; it then returns nil.
func (s *Server) Serve(ln net.Listener) error {
	var err error
	if s.cfg.TLSCert != "" {
		s.http.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		err = s.http.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
	} else {
		err = s.http.Serve(ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// CloseStreams ends every event stream, telling its client that the server stops; the
// server serves no new stream after. Shutdown does it first: streams never end by
// themselves.
func (s *Server) CloseStreams() {
	s.hub.Close()
	if s.relay != nil {
		s.relay.Close()
	}
}

// app returns the served app with the SDKAppID, or nil.
func (s *Server) app(id uint64) *im.App {
	for _, a := range s.apps {
		if a.SDKAppID == id {
			return a.App
		}
	}
	return nil
}

// Shutdown stops accepting connections, lets in-flight requests finish until ctx ends,
// and then closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.CloseStreams()
	err := s.http.Shutdown(ctx)
	s.stopCallbacks()
	s.stopFields()
	if s.ownsStore {
		if cerr := s.store.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}
