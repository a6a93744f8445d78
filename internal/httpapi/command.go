package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// command is one REST command of the dispatch table.
type command struct {
	name string // "service/command", as logged and measured
	word string // the command word, as rate-limited
	// current is the current word of a command served under its old word too, for
	// strict mode (docs/compatibility.md §3); "" for a current word.
	current string
	// handle decodes body and runs the command; strict refuses a body with a field the
	// command ignores or gives under an old name.
	handle func(ctx context.Context, c im.Caller, body []byte, strict bool) (any, ignored, error)
	// req is the command's request wire struct, so that tests can cover every field.
	req reflect.Type
}

// handler adapts a typed command function: it decodes the body into Req and hands the
// answer back for the envelope, with the fields of the body that Req does not name.
func handler[Req any, Resp any](fn func(ctx context.Context, c im.Caller, req *Req) (Resp, error)) *command {
	t := reflect.TypeFor[Req]()
	s := shapeOf(t)
	return &command{
		req: t,
		handle: func(ctx context.Context, c im.Caller, body []byte, strict bool) (any, ignored, error) {
			var req Req
			ign, err := decodeBody(body, &req, s)
			if err != nil {
				return nil, ign, err
			}
			if strict {
				if err := strictBody(ign); err != nil {
					return nil, ign, err
				}
			}
			resp, err := fn(ctx, c, &req)
			return resp, ign, err
		},
	}
}

// jsonProblem describes a decoding error without echoing the input.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := jsonKind(te.Type.Kind().String())
		if want == "number" && strings.HasPrefix(te.Value, "number") {
			// te.Value holds the number as sent, which may be as long as the body.
			return fmt.Sprintf("field %s must be an integer that fits in %d bits", te.Field, te.Type.Bits())
		}
		return fmt.Sprintf("field %s must be a JSON %s, not %s", te.Field, want, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("JSON syntax error at byte %d", se.Offset)
	}
	return "malformed JSON"
}

// jsonKind names the JSON type that Go kind k decodes from.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	case "bool":
		return "boolean"
	}
	return "number"
}

// answer is the outcome of one REST call.
type answer struct {
	// name is "service/command" as the path gives them, for a command of the table and for
	// an unknown service or command alike; "" for a path of another shape.
	name    string
	code    im.Code    // im.CodeOK for a success
	info    string     // the ErrorInfo of a failure
	status  int        // the HTTP status
	body    []byte     // the answer of a success; nil for a failure
	request []byte     // the request body; nil when the call failed before reading it
	ignored ignored    // the fields of the request body that the command does not know
	fault   *FaultRule // the fault rule that matched the call; nil for none
}

// IgnoredFieldsHeader names the answer header that lists the fields of the request body
// timd ignored (docs/compatibility.md §1).
const IgnoredFieldsHeader = "X-Timd-Ignored-Fields"

// allowed is the Allow header of a 405: the methods the REST API takes.
const allowed = "POST, GET"

// serveREST serves every path that is not a health endpoint.
func (a *API) serveREST(w http.ResponseWriter, r *http.Request) {
	start := a.clock.Now()
	ans := a.call(r)
	if ans.fault != nil && (ans.fault.Action == FaultClose || ans.fault.Action == FaultHTTP) {
		a.serveFault(w, r, start, ans)
		return
	}
	body := ans.body
	if body == nil {
		body = failBody(ans.code, ans.info)
	}
	if ans.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", allowed) // RFC 9110 §15.5.6: a 405 lists the allowed methods
	}
	if ans.ignored.n > 0 {
		w.Header().Set(IgnoredFieldsHeader, ans.ignored.header())
	}
	writeBody(w, ans.status, body)
	d := a.clock.Now().Sub(start)
	if a.observe != nil {
		a.observe(ans.name, ans.code, d)
	}
	if a.journal != nil {
		a.journal(journalEntry(r, start, d, ans, body))
	}
	a.logRequest(r, ans, d)
}

// logRequest writes the log line of an answered call: at error level for an internal
// error, else at info. The ignored fields are named in it, so that an operator sees the
// typo that Tencent would silently drop.
func (a *API) logRequest(r *http.Request, ans answer, d time.Duration) {
	level := slog.LevelInfo
	if ans.code == im.CodeInternal {
		level = slog.LevelError
	}
	ctx := r.Context()
	if !a.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", RequestID(ctx)), slog.String("command", ans.name), slog.Int("code", int(ans.code)),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000), slog.String("remote", r.RemoteAddr),
	}
	if ans.fault != nil {
		attrs = append(attrs, slog.String("fault", ans.fault.ID), slog.String("fault_action", ans.fault.Action))
	}
	if ans.ignored.n > 0 {
		attrs = append(attrs, slog.String("ignored_fields", ans.ignored.header()), slog.Int("ignored_count", ans.ignored.n))
	}
	a.log.LogAttrs(ctx, level, "request", attrs...)
}

// call runs one REST call, checking in the order of docs/compatibility.md §1: path,
// method, service, command, then the query (see authenticate).
func (a *API) call(r *http.Request) answer {
	service, word, ok := splitPath(r.URL.Path)
	if !ok {
		return answer{code: im.CodeBadPath, info: "the URL must be /v4/{service}/{command}", status: http.StatusNotFound}
	}
	name := service + "/" + word
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return answer{name: name, code: im.CodeBadURL, info: "the REST API takes POST (or GET) only", status: http.StatusMethodNotAllowed}
	}
	cmds, ok := a.commands[service]
	if !ok {
		return answer{name: name, code: im.CodeBadPath, info: fmt.Sprintf("service %q is not served here", service), status: http.StatusOK}
	}
	cmd, ok := cmds[word]
	if !ok {
		return answer{name: name, code: im.CodeUnknownCommand, info: fmt.Sprintf("command %q is not a command of %s", word, service), status: http.StatusOK}
	}
	ans := a.run(r, cmd)
	ans.name, ans.status = cmd.name, http.StatusOK
	return ans
}

// run authenticates, rate-limits, reads the body and runs cmd.
func (a *API) run(r *http.Request, cmd *command) (ans answer) {
	app, id, err := a.authenticate(r.URL.Query())
	if err != nil {
		return failed(err, nil, ignored{})
	}
	if app.Strict {
		if err := strictCall(r.URL.Query(), cmd); err != nil {
			return failed(err, nil, ignored{})
		}
	}
	if a.limiter != nil && !a.limiter.Allow(app.SDKAppID, cmd.word) {
		return failed(im.Errorf(im.CodeRateLimited, "%s is over the rate limit of this app", cmd.word), nil, ignored{})
	}
	in, err := readBody(r, app.Limits.BodyMax)
	if err != nil {
		return failed(err, nil, ignored{})
	}
	if fault, ok := a.injectFault(r.Context(), app, cmd, in); ok {
		if fault.Action != FaultLatency {
			return fault.answer(in)
		}
		defer func() { ans.fault = &fault }()
	}
	caller := im.Caller{App: app.App, Identifier: id, ClientIP: clientIP(r), RequestID: RequestID(r.Context())}
	resp, ign, err := cmd.handle(r.Context(), caller, in, app.Strict)
	if err != nil {
		a.logError(r.Context(), cmd.name, err)
		return failed(err, in, ign)
	}
	out, err := marshal(resp)
	if err != nil {
		err = fmt.Errorf("encode %s answer: %w", cmd.name, err)
		a.logError(r.Context(), cmd.name, err)
		return failed(err, in, ign)
	}
	if len(out) > app.Limits.ResponseMax {
		err := im.Errorf(im.CodeResponseTooLarge, "the answer would be %d bytes, over %d; ask for fewer members with Limit", len(out), app.Limits.ResponseMax)
		return failed(err, in, ign)
	}
	return answer{code: im.CodeOK, body: out, request: in, ignored: ign}
}

// failed is the answer of a call that failed with err, after reading the request body in
// (nil before).
func failed(err error, in []byte, ign ignored) answer {
	return answer{code: im.CodeOf(err), info: im.InfoOf(err), request: in, ignored: ign}
}

// readBody reads at most limit bytes of the request body: 60008 when it is longer. A GET
// without a body reads as {} (docs/compatibility.md §1: a real client library sends GET
// for commands without a body); an empty POST stays empty, which is 60003.
func readBody(r *http.Request, limit int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return nil, im.Errorf(im.CodeBadJSON, "the request body could not be read")
	}
	if len(data) > limit {
		return nil, im.Errorf(im.CodeBodyTooLarge, "the request body is over the limit of %d bytes", limit)
	}
	if r.Method == http.MethodGet && len(bytes.TrimSpace(data)) == 0 {
		return []byte("{}"), nil
	}
	return data, nil
}

// marshal encodes an answer into the envelope, without HTML escaping (Tencent sends
// "<" as is). An answer that appends its own fields (fieldsAppender) is written without
// reflection.
func marshal(resp any) ([]byte, error) {
	if a, ok := resp.(fieldsAppender); ok {
		b := append(make([]byte, 0, len(okPrefix)+a.sizeHint()), okPrefix...)
		return append(a.appendFields(append(b, ',')), '}'), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(resp); err != nil {
		return nil, err
	}
	return okBody(buf.Bytes()), nil
}

// clientIP is the caller's address without port, for callbacks.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// logError logs an uncoded error whole; coded errors are the client's business.
func (a *API) logError(ctx context.Context, name string, err error) {
	if im.CodeOf(err) != im.CodeInternal {
		return
	}
	a.log.ErrorContext(ctx, "internal error", "request_id", RequestID(ctx), "command", name, "err", err)
}
