package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/timdhq/timd/internal/console"
	"github.com/timdhq/timd/internal/field"
	"github.com/timdhq/timd/internal/httpapi"
	"github.com/timdhq/timd/internal/im"
)

// fieldRefresh is how often a server reloads the custom-field keys declared at run time,
// so that a key declared through another replica is accepted here within that time.
const fieldRefresh = 5 * time.Second

// startFields loads the custom-field keys the apps declared at run time into the apps
// and keeps reloading them until Shutdown; it returns the service that declares them.
func (s *Server) startFields(ctx context.Context, store im.Store, clock im.Clock) (*field.Service, error) {
	svc := field.New(store, clock)
	apps := make([]*im.App, len(s.apps))
	for i := range s.apps {
		apps[i] = s.apps[i].App
	}
	if err := svc.Load(ctx, apps); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { svc.Refresh(ctx, apps, fieldRefresh) })
	s.stopFields = func() { cancel(); wg.Wait() }
	return svc, nil
}

// withConsole serves the admin console's page and assets under /console/ and everything
// else, the console's /console/api/ endpoints included, with api.
func withConsole(api http.Handler) http.Handler {
	page := console.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == "/console" || strings.HasPrefix(p, "/console/") && !strings.HasPrefix(p, "/console/api/") {
			page.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// callbackLogSize is the number of recent callback attempts kept per app.
const callbackLogSize = 50

// callbackLog records the HTTP attempts of the apps' callbacks, before and after, for the
// console (httpapi.CallbackReporter): the last callbackLogSize per app and totals by
// command since the server started. It never keeps a URL, a Sign or a body.
type callbackLog struct {
	clock      im.Clock
	outbox     im.Outbox
	configured map[uint64]bool // apps with a callback URL

	mu   sync.Mutex
	apps map[uint64]*appCallbacks
}

// appCallbacks is the record of one app.
type appCallbacks struct {
	recent []httpapi.CallbackAttempt // a ring, next is the oldest once full
	next   int
	totals map[string]*httpapi.CallbackTotal
}

var _ httpapi.CallbackReporter = (*callbackLog)(nil)

// newCallbackLog returns an empty log of the apps configured in s, whose after-callbacks
// wait in outbox.
func (s *Server) newCallbackLog(clock im.Clock, outbox im.Outbox) *callbackLog {
	l := &callbackLog{clock: clock, outbox: outbox, configured: map[uint64]bool{}, apps: map[uint64]*appCallbacks{}}
	for _, a := range s.cfg.Apps {
		l.configured[a.SDKAppID] = a.Callback.URL != ""
	}
	return l
}

// client returns the HTTP client for the callback sender: the one webhook.NewSender makes
// by default (keep-alive connections, redirects not followed, a redirect being a failed
// callback), with every attempt recorded.
func (l *callbackLog) client() *http.Client {
	return &http.Client{
		Transport:     recordingTransport{log: l, next: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// recordingTransport records each round trip in log.
type recordingTransport struct {
	log  *callbackLog
	next http.RoundTripper
}

// RoundTrip sends req and records the attempt under the SdkAppid and CallbackCommand of
// its query.
func (t recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := t.log.clock.Now()
	resp, err := t.next.RoundTrip(req)
	at := httpapi.CallbackAttempt{Time: start, Command: req.URL.Query().Get("CallbackCommand"), Duration: t.log.clock.Now().Sub(start)}
	switch {
	case err != nil:
		at.Outcome = redactURL(err).Error()
	default:
		at.OK = resp.StatusCode == http.StatusOK
		at.Outcome = "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	app, _ := strconv.ParseUint(req.URL.Query().Get("SdkAppid"), 10, 64)
	t.log.add(app, at)
	return resp, err
}

// redactURL strips the URL, whose query carries the Sign, from a transport error.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// add records one attempt of app.
func (l *callbackLog) add(app uint64, at httpapi.CallbackAttempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.apps[app]
	if a == nil {
		a = &appCallbacks{totals: map[string]*httpapi.CallbackTotal{}}
		l.apps[app] = a
	}
	if len(a.recent) < callbackLogSize {
		a.recent = append(a.recent, at)
	} else {
		a.recent[a.next] = at
		a.next = (a.next + 1) % callbackLogSize
	}
	tot := a.totals[at.Command]
	if tot == nil {
		tot = &httpapi.CallbackTotal{Command: at.Command}
		a.totals[at.Command] = tot
	}
	if at.OK {
		tot.OK++
	} else {
		tot.Failed++
	}
}

// CallbackReport returns the outbox depth, the app's recent attempts, newest first, and
// its totals by command name.
func (l *callbackLog) CallbackReport(ctx context.Context, app uint64) (httpapi.CallbackReport, error) {
	depth, err := l.outbox.CountOutbox(ctx)
	if err != nil {
		return httpapi.CallbackReport{}, fmt.Errorf("count the outbox: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	rep := httpapi.CallbackReport{Configured: l.configured[app], OutboxDepth: depth}
	a := l.apps[app]
	if a == nil {
		return rep, nil
	}
	rep.Attempts = append(slices.Clone(a.recent[a.next:]), a.recent[:a.next]...)
	slices.Reverse(rep.Attempts)
	for _, t := range a.totals {
		rep.Totals = append(rep.Totals, *t)
	}
	slices.SortFunc(rep.Totals, func(x, y httpapi.CallbackTotal) int { return strings.Compare(x.Command, y.Command) })
	return rep, nil
}

// startConsole sets up what the admin console's endpoints need: the custom fields
// declared at run time (loaded into the apps now) and the log of callback attempts.
func (s *Server) startConsole(ctx context.Context, clock im.Clock, outbox im.Outbox) error {
	fields, err := s.startFields(ctx, s.store, clock)
	if err != nil {
		return err
	}
	s.fields, s.callbackLog = fields, s.newCallbackLog(clock, outbox)
	return nil
}

// closeOwned closes the store if the server opened it, for a New that fails, and
// returns err.
func (s *Server) closeOwned(err error) error {
	if s.ownsStore {
		s.store.Close()
	}
	return err
}
