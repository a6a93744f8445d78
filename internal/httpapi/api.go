// Package httpapi serves Tencent Cloud Chat's REST API: POST /v4/{service}/{command}
// with query authentication, dispatched from one table of commands, answered in
// Tencent's JSON envelope with HTTP 200.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/timdhq/timd/internal/account"
	"github.com/timdhq/timd/internal/field"
	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/ratelimit"
)

// Options assemble an API.
type Options struct {
	Apps     []App            // the apps served; required
	Groups   *group.Service   // required
	Accounts *account.Service // required
	Store    im.Store         // required
	// Ready, when set, reports whether the replica is ready for traffic, for /readyz: nil,
	// or why not. Default: Store.Ping.
	Ready   func(ctx context.Context) error
	Limiter *ratelimit.Limiter
	Logger  *slog.Logger // default: discard
	Clock   im.Clock     // default im.SystemClock
	// Observe, when set, is called once per REST call after it is answered, with the
	// command ("service/command" or "" for a bad path), its code and its duration.
	Observe func(command string, code im.Code, d time.Duration)
	// Journal, when set, is called once per REST call after it is answered, with the
	// request and the answer (see JournalEntry); default nil, which costs nothing.
	Journal func(JournalEntry)
	// Dev, when set, serves the development endpoints under /dev/ (see DevControl);
	// default nil, under which a /dev/ path answers 404 like any path outside /v4/.
	Dev DevControl
	// Faults, when set, injects the faults of its rules into the REST calls that match
	// them (FaultRule), and Dev serves /dev/faults over it; default nil, no faults.
	Faults *Faults

	// Fields and Callbacks, when set, serve the admin console's endpoints under
	// /console/api/ (console.go); default nil, which leaves them out.
	Fields    *field.Service
	Callbacks CallbackReporter
	// Stream, when set, serves the event stream at StreamPath; default nil, under which
	// that path answers 404.
	Stream Stream
}

// API is the http.Handler of the REST API and the health endpoints.
type API struct {
	apps     map[uint64]*App
	groups   *group.Service
	accounts *account.Service
	ready    func(context.Context) error
	notReady atomic.Bool // the last /readyz answered 503
	limiter  *ratelimit.Limiter
	log      *slog.Logger
	clock    im.Clock
	observe  func(string, im.Code, time.Duration)
	journal  func(JournalEntry)
	dev      DevControl
	faults   *Faults
	sigs     *sigCache
	commands map[string]map[string]*command // service -> command -> handler
	mux      *http.ServeMux

	// The admin console's endpoints (console.go).
	fields    *field.Service
	callbacks CallbackReporter
	console   map[string]*command // "METHOD /console/api/path" -> handler
	stream    Stream
}

// New returns the API for opts.
func New(opts Options) *API {
	a := &API{
		apps: make(map[uint64]*App, len(opts.Apps)), groups: opts.Groups, accounts: opts.Accounts,
		ready: opts.Ready, limiter: opts.Limiter, log: opts.Logger, clock: opts.Clock,
		observe: opts.Observe, journal: opts.Journal, dev: opts.Dev, faults: opts.Faults, sigs: newSigCache(10000),
		fields: opts.Fields, callbacks: opts.Callbacks, stream: opts.Stream,
	}
	for i := range opts.Apps {
		a.apps[opts.Apps[i].SDKAppID] = &opts.Apps[i]
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.clock == nil {
		a.clock = im.SystemClock{}
	}
	if a.ready == nil && opts.Store != nil {
		a.ready = func(ctx context.Context) error {
			if err := opts.Store.Ping(ctx); err != nil {
				return fmt.Errorf("store unreachable: %w", err)
			}
			return nil
		}
	}
	a.commands = a.commandTable()
	a.console = a.consoleCommands()
	a.mux = http.NewServeMux()
	a.mux.HandleFunc("GET /healthz", a.healthz)
	a.mux.HandleFunc("GET /readyz", a.readyz)
	a.mux.HandleFunc("/", a.serveREST) // a health path with another method
	return a
}

// ServeHTTP serves one request with a request ID and panic recovery.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := newRequestID()
	w.Header().Set("X-Request-Id", id)
	ctx := context.WithValue(r.Context(), requestIDKey{}, id)
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.log.Error("panic", "request_id", id, "panic", p)
			writeBody(w, http.StatusOK, failBody(im.CodeInternal, im.InfoOf(errPanic)))
		}
	}()
	r = r.WithContext(ctx)
	switch {
	case r.URL.Path == "/healthz" || r.URL.Path == "/readyz":
		a.mux.ServeHTTP(w, r)
	case a.dev != nil && strings.HasPrefix(r.URL.Path, devPrefix):
		a.serveDev(w, r)
	case strings.HasPrefix(r.URL.Path, consoleAPIPrefix):
		a.serveConsole(w, r)
	case r.URL.Path == StreamPath:
		a.serveStream(w, r)
	default:
		// Not through the mux: it would answer a path it cleans (//, ., ..) with a bare
		// redirect, where the REST API answers 404 with the envelope.
		a.serveREST(w, r)
	}
}

type requestIDKey struct{}

type panicError struct{}

func (panicError) Error() string { return "panic" }

var errPanic error = panicError{}

// RequestID returns the request ID the API gave the request of ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// newRequestID returns 16 random hex digits.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeBody writes a JSON answer.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// healthz answers that the process is up.
func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	writeBody(w, http.StatusOK, []byte(`{"status":"ok"}`))
}

// readyz answers whether the replica is ready for traffic (Options.Ready): 200, or 503
// with the reason, e.g. {"status":"store cannot write"}, and the error in the log.
func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if a.ready == nil {
		writeBody(w, http.StatusOK, []byte(`{"status":"ready"}`))
		return
	}
	// Logged when the answer changes, not at every poll of a load balancer.
	if err := a.ready(ctx); err != nil {
		reason, _, _ := strings.Cut(err.Error(), ":")
		if !a.notReady.Swap(true) {
			a.log.Warn("readyz: not ready", "err", err)
		}
		body, _ := json.Marshal(map[string]string{"status": reason})
		writeBody(w, http.StatusServiceUnavailable, body)
		return
	}
	if a.notReady.Swap(false) {
		a.log.Info("readyz: ready again")
	}
	writeBody(w, http.StatusOK, []byte(`{"status":"ready"}`))
}

// splitPath splits "/v4/{service}/{command}"; ok is false for any other shape.
func splitPath(p string) (service, command string, ok bool) {
	rest, found := strings.CutPrefix(p, "/v4/")
	if !found {
		return "", "", false
	}
	service, command, found = strings.Cut(rest, "/")
	if !found || service == "" || command == "" || strings.Contains(command, "/") {
		return "", "", false
	}
	return service, command, true
}
