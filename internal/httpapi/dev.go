package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// devPrefix starts the paths of the development endpoints. No REST path clashes with it:
// those all start with /v4/.
const devPrefix = "/dev/"

// DevRequestsDefault is the number of journal entries GET /dev/requests returns without
// a limit.
const DevRequestsDefault = 100

// DevControl carries out the development endpoints, which Options.Dev turns on:
//
//	POST /dev/reset     delete every account, group, member, mute record and pending
//	                    callback of the app, its journal entries and its fault rules;
//	                    {"seed":true} then loads the server's seed file
//	POST /dev/clock     {"advance":"90s"} moves the server's clock forward by a Go
//	                    duration; {"now":1700000000} sets it to a unix time; {} or no
//	                    body only reads it. The answer's Now is the clock's unix time.
//	GET  /dev/requests  the app's last calls from the request journal, oldest first:
//	                    ?limit=N, default DevRequestsDefault
//	GET  /dev/faults    the app's fault rules (FaultRule), with their hits
//	POST /dev/faults    adds the fault rule of the body; answers it with its Id
//	DELETE /dev/faults  ?id=f1 removes that rule; without id, every rule of the app
//	POST /dev/callbacks {"paused":true} pauses the delivery of after-callbacks, of
//	                    every app; {"paused":false} resumes it; {} only reads. The
//	                    answer's Paused tells whether delivery is paused.
//
// Each takes the REST API's query authentication (sdkappid, identifier, usersig) and acts
// for that app only, as an admin of it: a server started with the endpoints on by mistake
// opens nothing to a caller without the app's secret key. The clock is the server's,
// shared by every app. Answers are in the REST envelope; a bad parameter is 10004.
type DevControl interface {
	// ResetApp deletes every account, group, member, mute record and pending callback
	// of app, forgets its journal entries and removes its fault rules; with seed it then
	// loads the server's seed file into app (an error, coded, when there is none).
	ResetApp(ctx context.Context, app uint64, seed bool) error
	// AdvanceClock moves the server's clock forward by d and returns the new time.
	AdvanceClock(d time.Duration) time.Time
	// SetClock sets the server's clock to t, from where it runs on, and returns it.
	SetClock(t time.Time) time.Time
	// Requests returns up to limit of the app's most recent journal entries, oldest
	// first.
	Requests(app uint64, limit int) []JournalEntry
	// PauseCallbacks pauses (true) or resumes (false) the delivery of after-callbacks;
	// the events wait in the outbox meanwhile.
	PauseCallbacks(paused bool)
	// CallbacksPaused reports whether the delivery of after-callbacks is paused.
	CallbacksPaused() bool
}

// devEndpoint is what one development endpoint does for app.
type devEndpoint func(a *API, ctx context.Context, app *App, q url.Values, body []byte) (any, error)

// devEndpoints are the development endpoints by path and method.
var devEndpoints = map[string]map[string]devEndpoint{
	"/dev/reset":     {http.MethodPost: (*API).devReset},
	"/dev/clock":     {http.MethodPost: (*API).devClock},
	"/dev/requests":  {http.MethodGet: (*API).devRequests},
	"/dev/faults":    {http.MethodGet: (*API).devFaults, http.MethodPost: (*API).devAddFault, http.MethodDelete: (*API).devRemoveFaults},
	"/dev/callbacks": {http.MethodPost: (*API).devCallbacks},
}

// devAllow returns the Allow header of a development endpoint: its methods.
func devAllow(methods map[string]devEndpoint) string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		if methods[m] != nil {
			out = append(out, m)
		}
	}
	return strings.Join(out, ", ")
}

// serveDev serves a path under /dev/ when the development endpoints are on.
func (a *API) serveDev(w http.ResponseWriter, r *http.Request) {
	ans := a.callDev(w, r)
	body := ans.body
	if body == nil {
		body = failBody(ans.code, ans.info)
	}
	writeBody(w, ans.status, body)
	a.log.InfoContext(r.Context(), "dev", "request_id", RequestID(r.Context()), "path", r.URL.Path,
		"code", int(ans.code), "remote", r.RemoteAddr)
}

// callDev runs one development call after the checks every REST call passes.
func (a *API) callDev(w http.ResponseWriter, r *http.Request) answer {
	methods, ok := devEndpoints[r.URL.Path]
	if !ok {
		return answer{code: im.CodeBadPath, info: "no such development endpoint; see /dev/reset, /dev/clock, /dev/requests, /dev/faults, /dev/callbacks", status: http.StatusNotFound}
	}
	ep := methods[r.Method]
	if ep == nil {
		allow := devAllow(methods)
		w.Header().Set("Allow", allow)
		return answer{code: im.CodeBadURL, info: r.URL.Path + " takes " + allow + " only", status: http.StatusMethodNotAllowed}
	}
	out, err := a.runDev(r, ep)
	if err != nil {
		a.logError(r.Context(), r.URL.Path, err)
		return answer{code: im.CodeOf(err), info: im.InfoOf(err), status: http.StatusOK}
	}
	return answer{code: im.CodeOK, status: http.StatusOK, body: out}
}

// runDev authenticates the caller, reads the body and runs ep; it returns the answer.
func (a *API) runDev(r *http.Request, ep devEndpoint) ([]byte, error) {
	q := r.URL.Query()
	app, _, err := a.authenticate(q)
	if err != nil {
		return nil, err
	}
	in, err := readBody(r, app.Limits.BodyMax)
	if err != nil {
		return nil, err
	}
	resp, err := ep(a, r.Context(), app, q, in)
	if err != nil {
		return nil, err
	}
	return marshal(resp)
}

// devResetRequest is the body of POST /dev/reset.
type devResetRequest struct {
	Seed bool `json:"seed"` // load the seed file after the reset
}

// devResetShape is the shape of devResetRequest, for decodeBody.
var devResetShape = shapeOf(reflect.TypeFor[devResetRequest]())

// devReset is POST /dev/reset.
func (a *API) devReset(ctx context.Context, app *App, _ url.Values, body []byte) (any, error) {
	var req devResetRequest
	if len(bytes.TrimSpace(body)) > 0 {
		if _, err := decodeBody(body, &req, devResetShape); err != nil {
			return nil, err
		}
	}
	if err := a.dev.ResetApp(ctx, app.SDKAppID, req.Seed); err != nil {
		return nil, fmt.Errorf("reset app %d: %w", app.SDKAppID, err)
	}
	return nil, nil
}

// devClockRequest is the body of POST /dev/clock.
type devClockRequest struct {
	Advance *string `json:"advance"` // a Go duration, e.g. "90s"
	Now     *int64  `json:"now"`     // unix seconds
}

// devClockShape is the shape of devClockRequest, for decodeBody.
var devClockShape = shapeOf(reflect.TypeFor[devClockRequest]())

// devClockAnswer is the answer of POST /dev/clock.
type devClockAnswer struct {
	Now int64 // the clock's unix time after the call
}

// devClock is POST /dev/clock.
func (a *API) devClock(_ context.Context, _ *App, _ url.Values, body []byte) (any, error) {
	var req devClockRequest
	if len(bytes.TrimSpace(body)) > 0 {
		if _, err := decodeBody(body, &req, devClockShape); err != nil {
			return nil, err
		}
	}
	switch {
	case req.Advance != nil && req.Now != nil:
		return nil, im.Errorf(im.CodeInvalidParam, "give advance or now, not both")
	case req.Advance != nil:
		d, err := time.ParseDuration(*req.Advance)
		if err != nil || d < 0 {
			return nil, im.Errorf(im.CodeInvalidParam, "advance must be a non-negative Go duration such as \"90s\" or \"2h\"")
		}
		return devClockAnswer{Now: a.dev.AdvanceClock(d).Unix()}, nil
	case req.Now != nil:
		if *req.Now <= 0 {
			return nil, im.Errorf(im.CodeInvalidParam, "now must be a positive unix time in seconds")
		}
		return devClockAnswer{Now: a.dev.SetClock(time.Unix(*req.Now, 0)).Unix()}, nil
	}
	return devClockAnswer{Now: a.clock.Now().Unix()}, nil
}

// devRequest is one journal entry in the answer of GET /dev/requests. Request and Answer
// are the bodies as strings (a request body need not be JSON).
type devRequest struct {
	Time       string // RFC 3339 with milliseconds, by the server's clock
	RequestID  string `json:"RequestId"`
	Command    string
	SDKAppID   uint64
	Identifier string
	Request    string
	Answer     string
	ErrorCode  int
	DurationMs float64
	// IgnoredFields lists the request's fields that the command does not know, when
	// there were any (see IgnoredFieldsHeader).
	IgnoredFields []string `json:",omitempty"`
	// Fault is the Id of the fault rule that faulted the call, when one did.
	Fault string `json:",omitempty"`
}

// devRequests is GET /dev/requests.
func (a *API) devRequests(_ context.Context, app *App, q url.Values, _ []byte) (any, error) {
	limit := DevRequestsDefault
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return nil, im.Errorf(im.CodeInvalidParam, "limit must be a positive integer")
		}
		limit = n
	}
	entries := a.dev.Requests(app.SDKAppID, limit)
	out := make([]devRequest, len(entries))
	for i, e := range entries {
		out[i] = devRequest{
			Time: e.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"), RequestID: e.RequestID,
			Command: e.Command, SDKAppID: e.SDKAppID, Identifier: e.Identifier,
			Request: string(e.Request), Answer: string(e.Answer), ErrorCode: int(e.Code),
			DurationMs: float64(e.Duration.Microseconds()) / 1000, IgnoredFields: e.IgnoredFields, Fault: e.Fault,
		}
	}
	return struct{ Requests []devRequest }{out}, nil
}

// faultShape is the shape of FaultRule, for decodeBody.
var faultShape = shapeOf(reflect.TypeFor[FaultRule]())

// devFaults is GET /dev/faults.
func (a *API) devFaults(_ context.Context, app *App, _ url.Values, _ []byte) (any, error) {
	if a.faults == nil {
		return nil, errNoFaults
	}
	return struct{ Faults []FaultRule }{a.faults.List(app.SDKAppID)}, nil
}

// errNoFaults answers the fault endpoints of a server without a fault table.
var errNoFaults = im.Errorf(im.CodeInvalidParam, "fault injection is off on this server")

// devAddFault is POST /dev/faults. A field the rule does not know is 10004, not ignored:
// a misspelt condition would fault every call.
func (a *API) devAddFault(_ context.Context, app *App, _ url.Values, body []byte) (any, error) {
	if a.faults == nil {
		return nil, errNoFaults
	}
	var rule FaultRule
	ign, err := decodeBody(body, &rule, faultShape)
	if err != nil {
		return nil, err
	}
	if ign.n > 0 {
		return nil, im.Errorf(im.CodeInvalidParam, "fault rule: unknown fields: %s", ign.header())
	}
	added, err := a.faults.Add(app.SDKAppID, rule)
	if err != nil {
		return nil, err
	}
	return struct{ Fault FaultRule }{added}, nil
}

// devRemoveFaults is DELETE /dev/faults: ?id=f1 removes one rule, no id every rule of
// the app. An unknown id is 10004.
func (a *API) devRemoveFaults(_ context.Context, app *App, q url.Values, _ []byte) (any, error) {
	if a.faults == nil {
		return nil, errNoFaults
	}
	id := q.Get("id")
	n := a.faults.Remove(app.SDKAppID, id)
	if id != "" && n == 0 {
		return nil, im.Errorf(im.CodeInvalidParam, "no fault rule %q", id)
	}
	return struct{ Removed int }{n}, nil
}

// devCallbacksRequest is the body of POST /dev/callbacks.
type devCallbacksRequest struct {
	Paused *bool `json:"paused"`
}

// devCallbacksShape is the shape of devCallbacksRequest, for decodeBody.
var devCallbacksShape = shapeOf(reflect.TypeFor[devCallbacksRequest]())

// devCallbacks is POST /dev/callbacks.
func (a *API) devCallbacks(_ context.Context, _ *App, _ url.Values, body []byte) (any, error) {
	var req devCallbacksRequest
	if len(bytes.TrimSpace(body)) > 0 {
		if _, err := decodeBody(body, &req, devCallbacksShape); err != nil {
			return nil, err
		}
	}
	if req.Paused != nil {
		a.dev.PauseCallbacks(*req.Paused)
	}
	return struct{ Paused bool }{a.dev.CallbacksPaused()}, nil
}
