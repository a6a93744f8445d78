package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// consoleAPIPrefix starts the paths of timd's own endpoints for the admin console. Tencent
// has no REST command for what they do (its console does it), so they live apart from
// /v4/; the console's other actions are ordinary REST calls.
const consoleAPIPrefix = "/console/api/"

// CallbackReporter tells the console about an app's callbacks.
type CallbackReporter interface {
	// CallbackReport returns what the server knows of the app's recent callbacks.
	CallbackReport(ctx context.Context, app uint64) (CallbackReport, error)
}

// CallbackReport is the state of an app's callbacks as the console shows it.
type CallbackReport struct {
	Configured  bool              // the app has a callback URL
	OutboxDepth int64             // after-callbacks waiting, of every app: the outbox is shared
	Attempts    []CallbackAttempt // the most recent attempts, newest first
	Totals      []CallbackTotal   // attempts since the server started, by command
}

// CallbackAttempt is one HTTP call to an app's callback URL, before- or after-callback.
type CallbackAttempt struct {
	Time     time.Time
	Command  string // CallbackCommand
	OK       bool   // answered HTTP 200
	Outcome  string // "HTTP 200", "HTTP 500", or the transport error
	Duration time.Duration
}

// CallbackTotal counts the attempts of one CallbackCommand.
type CallbackTotal struct {
	Command string
	OK      int64 // answered HTTP 200
	Failed  int64 // anything else
}

// consoleCommands are the console's endpoints, by method and path. Each runs exactly as a
// REST command does: query authentication as an app admin, the app's rate limit for its
// command word, the body limit, the envelope, the log line, metrics and the journal.
func (a *API) consoleCommands() map[string]*command {
	t := map[string]*command{}
	// name is logged and measured as "console/name"; rate limits know it as
	// "console_name".
	add := func(method, path, name string, h *command) {
		h.name, h.word = "console/"+name, "console_"+name
		t[method+" "+consoleAPIPrefix+path] = h
	}
	if a.fields != nil {
		add(http.MethodGet, "fields", "get_fields", bodyless(a.consoleFields))
		add(http.MethodPost, "fields", "declare_field", handler(a.declareField))
	}
	if a.callbacks != nil {
		add(http.MethodGet, "callbacks", "get_callbacks", bodyless(a.consoleCallbacks))
	}
	return t
}

// bodyless adapts a command that takes no request body (a GET).
func bodyless[Resp any](fn func(ctx context.Context, c im.Caller) (Resp, error)) *command {
	return &command{handle: func(ctx context.Context, c im.Caller, _ []byte, _ bool) (any, ignored, error) {
		resp, err := fn(ctx, c)
		return resp, ignored{}, err
	}}
}

// serveConsole serves a path under /console/api/ as serveREST serves a REST path.
func (a *API) serveConsole(w http.ResponseWriter, r *http.Request) {
	start := a.clock.Now()
	ans := a.callConsole(w, r)
	body := ans.body
	if body == nil {
		body = failBody(ans.code, ans.info)
	}
	writeBody(w, ans.status, body)
	d := a.clock.Now().Sub(start)
	if a.observe != nil && ans.name != "" {
		a.observe(ans.name, ans.code, d)
	}
	if a.journal != nil {
		a.journal(journalEntry(r, start, d, ans, body))
	}
	level := slog.LevelInfo
	if ans.code == im.CodeInternal {
		level = slog.LevelError
	}
	a.log.Log(r.Context(), level, "request", "request_id", RequestID(r.Context()), "command", ans.name,
		"code", int(ans.code), "duration_ms", float64(d.Microseconds())/1000, "remote", r.RemoteAddr)
}

// callConsole finds the console command of r and runs it.
func (a *API) callConsole(w http.ResponseWriter, r *http.Request) answer {
	cmd, ok := a.console[r.Method+" "+r.URL.Path]
	if !ok {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			if _, ok := a.console[m+" "+r.URL.Path]; ok {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			return answer{code: im.CodeBadPath, info: "no such console endpoint", status: http.StatusNotFound}
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return answer{code: im.CodeBadURL, info: r.URL.Path + " takes " + strings.Join(allow, " or ") + " only", status: http.StatusMethodNotAllowed}
	}
	ans := a.run(r, cmd)
	ans.name, ans.status = cmd.name, http.StatusOK
	return ans
}

// fieldKey is one custom-field key in the console's answers.
type fieldKey struct {
	Key        string
	Configured bool  // listed in the configuration file
	Declared   int64 // unix seconds of its declaration at run time; 0 for none
}

// fieldsResp answers GET and POST /console/api/fields.
type fieldsResp struct {
	Added           *bool `json:",omitempty"` // POST only: whether the key is new
	MemberFields    []fieldKey
	GroupFields     []fieldKey
	MemberFieldsMax int
	GroupFieldsMax  int
}

// consoleFields is GET /console/api/fields: every custom-field key of the app.
func (a *API) consoleFields(ctx context.Context, c im.Caller) (fieldsResp, error) {
	keys, err := a.fields.List(ctx, c)
	if err != nil {
		return fieldsResp{}, err
	}
	out := fieldsResp{
		MemberFields: []fieldKey{}, GroupFields: []fieldKey{},
		MemberFieldsMax: c.App.Limits.MemberFieldsMax, GroupFieldsMax: c.App.Limits.GroupFieldsMax,
	}
	for _, k := range keys {
		list := &out.GroupFields
		if k.Kind == im.FieldMember {
			list = &out.MemberFields
		}
		*list = append(*list, fieldKey{Key: k.Key, Configured: k.Configured, Declared: k.Declared})
	}
	return out, nil
}

// declareFieldReq is the body of POST /console/api/fields.
type declareFieldReq struct {
	Kind string `json:"Kind"` // "Member" or "Group"
	Key  string `json:"Key"`
}

// declareField is POST /console/api/fields: declare a custom-field key. It answers the
// app's keys after the declaration.
func (a *API) declareField(ctx context.Context, c im.Caller, req *declareFieldReq) (fieldsResp, error) {
	added, err := a.fields.Declare(ctx, c, im.FieldKind(req.Kind), req.Key)
	if err != nil {
		return fieldsResp{}, err
	}
	out, err := a.consoleFields(ctx, c)
	out.Added = &added
	return out, err
}

// callbackAttempt is one attempt in the answer of GET /console/api/callbacks.
type callbackAttempt struct {
	Time       int64 // unix milliseconds
	Command    string
	OK         bool
	Outcome    string
	DurationMs float64
}

// callbacksResp answers GET /console/api/callbacks.
type callbacksResp struct {
	Configured  bool
	OutboxDepth int64 // after-callbacks waiting, of every app: the outbox is shared
	Attempts    []callbackAttempt
	Totals      []CallbackTotal
}

// consoleCallbacks is GET /console/api/callbacks: the outbox depth and the app's recent
// callback attempts.
func (a *API) consoleCallbacks(ctx context.Context, c im.Caller) (callbacksResp, error) {
	rep, err := a.callbacks.CallbackReport(ctx, c.App.SDKAppID)
	if err != nil {
		return callbacksResp{}, err
	}
	out := callbacksResp{Configured: rep.Configured, OutboxDepth: rep.OutboxDepth, Attempts: []callbackAttempt{}, Totals: slices.Clone(rep.Totals)}
	if out.Totals == nil {
		out.Totals = []CallbackTotal{}
	}
	for _, at := range rep.Attempts {
		out.Attempts = append(out.Attempts, callbackAttempt{
			Time: at.Time.UnixMilli(), Command: at.Command, OK: at.OK, Outcome: at.Outcome,
			DurationMs: float64(at.Duration.Microseconds()) / 1000,
		})
	}
	return out, nil
}
