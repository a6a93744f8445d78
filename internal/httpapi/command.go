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

	"github.com/timdhq/timd/internal/im"
)

// command is one REST command of the dispatch table.
type command struct {
	name   string // "service/command", as logged and measured
	word   string // the command word, as rate-limited
	handle func(ctx context.Context, c im.Caller, body []byte) (any, error)
	// unknown names the first field of a body that the command does not know, or "".
	unknown func(body []byte) string
	// req is the command's request wire struct, so that tests can cover every field.
	req reflect.Type
}

// handler adapts a typed command function: it decodes the body into Req and hands the
// answer back for the envelope.
func handler[Req any, Resp any](fn func(ctx context.Context, c im.Caller, req *Req) (Resp, error)) *command {
	return &command{
		req: reflect.TypeFor[Req](),
		handle: func(ctx context.Context, c im.Caller, body []byte) (any, error) {
			var req Req
			if err := decodeBody(body, &req); err != nil {
				return nil, err
			}
			return fn(ctx, c, &req)
		},
		unknown: func(body []byte) string {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			err := dec.Decode(new(Req))
			if field, ok := strings.CutPrefix(fmt.Sprint(err), "json: unknown field "); ok {
				return field
			}
			return ""
		},
	}
}

// decodeBody decodes a request body into v: 60003 unless the body is a JSON object whose
// known fields have the right JSON types. Unknown fields are ignored.
//
// Where docs/compatibility.md does not settle it, its guiding rule decides, as encoding/json does: a JSON
// null is the field left out; of a key given twice the last wins (no real client sends
// one twice, and no other parser stands between the client and these structs); a number
// that an integer field cannot hold (fractional, or beyond 64 bits) is a field of the
// wrong JSON type, 60003, except MuteTime, which §5 row 15 answers 10004; nesting deeper
// than encoding/json's 10000 levels is malformed JSON, 60003.
func decodeBody(body []byte, v any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return im.Errorf(im.CodeBadJSON, "the request body is empty; send {} for a request without fields")
	}
	if trimmed[0] != '{' {
		return im.Errorf(im.CodeBadJSON, "the request body is not a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return im.Errorf(im.CodeBadJSON, "the request body is not valid: %s", jsonProblem(err))
	}
	return nil
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
	name    string  // "service/command", or "" for a bad path
	code    im.Code // im.CodeOK for a success
	info    string  // the ErrorInfo of a failure
	status  int     // the HTTP status
	body    []byte  // the answer of a success; nil for a failure
	request []byte  // the request body; nil when the call failed before reading it
}

// serveREST serves every path that is not a health endpoint.
func (a *API) serveREST(w http.ResponseWriter, r *http.Request) {
	start := a.clock.Now()
	ans := a.call(r)
	body := ans.body
	if body == nil {
		body = failBody(ans.code, ans.info)
	}
	if ans.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost) // RFC 9110 §15.5.6: a 405 lists the allowed methods
	}
	writeBody(w, ans.status, body)
	d := a.clock.Now().Sub(start)
	if a.observe != nil {
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

// call runs one REST call.
func (a *API) call(r *http.Request) answer {
	service, word, ok := splitPath(r.URL.Path)
	if !ok {
		return answer{code: im.CodeBadPath, info: "the URL must be /v4/{service}/{command}", status: http.StatusNotFound}
	}
	if r.Method != http.MethodPost {
		return answer{code: im.CodeBadURL, info: "the REST API takes POST only", status: http.StatusMethodNotAllowed}
	}
	cmds, ok := a.commands[service]
	if !ok {
		return answer{code: im.CodeBadPath, info: fmt.Sprintf("service %q is not served here", service), status: http.StatusOK}
	}
	cmd, ok := cmds[word]
	if !ok {
		return answer{code: im.CodeUnknownCommand, info: fmt.Sprintf("command %q is not a command of %s", word, service), status: http.StatusOK}
	}
	in, out, err := a.run(r, cmd)
	if err != nil {
		a.logError(r.Context(), cmd.name, err)
		return answer{name: cmd.name, code: im.CodeOf(err), info: im.InfoOf(err), status: http.StatusOK, request: in}
	}
	return answer{name: cmd.name, code: im.CodeOK, status: http.StatusOK, body: out, request: in}
}

// run authenticates, rate-limits, reads the body and runs cmd; it returns the request
// body, once read, and the answer.
func (a *API) run(r *http.Request, cmd *command) (in, out []byte, err error) {
	app, id, err := a.authenticate(r.URL.Query())
	if err != nil {
		return nil, nil, err
	}
	if a.limiter != nil && !a.limiter.Allow(app.SDKAppID, cmd.word) {
		return nil, nil, im.Errorf(im.CodeRateLimited, "%s is over the rate limit of this app", cmd.word)
	}
	in, err = readBody(r, app.Limits.BodyMax)
	if err != nil {
		return nil, nil, err
	}
	caller := im.Caller{App: app.App, Identifier: id, ClientIP: clientIP(r), RequestID: RequestID(r.Context())}
	resp, err := cmd.handle(r.Context(), caller, in)
	if err != nil {
		return in, nil, err
	}
	a.logUnknownFields(r.Context(), cmd, in)
	out, err = marshal(resp)
	if err != nil {
		return in, nil, fmt.Errorf("encode %s answer: %w", cmd.name, err)
	}
	if len(out) > app.Limits.ResponseMax {
		return in, nil, im.Errorf(im.CodeResponseTooLarge, "the answer would be %d bytes, over %d; ask for fewer members with Limit", len(out), app.Limits.ResponseMax)
	}
	return in, out, nil
}

// readBody reads at most limit bytes of the request body: 60008 when it is longer.
func readBody(r *http.Request, limit int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return nil, im.Errorf(im.CodeBadJSON, "the request body could not be read")
	}
	if len(data) > limit {
		return nil, im.Errorf(im.CodeBodyTooLarge, "the request body is over the limit of %d bytes", limit)
	}
	return data, nil
}

// marshal encodes an answer into the envelope, without HTML escaping (Tencent sends
// "<" as is).
func marshal(resp any) ([]byte, error) {
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

// logUnknownFields notes, at debug level only, a body field the command ignored: a
// typo in a client's request is easier to find that way. The second decode costs
// nothing unless debug logging is on.
func (a *API) logUnknownFields(ctx context.Context, cmd *command, body []byte) {
	if cmd.unknown == nil || !a.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	if field := cmd.unknown(body); field != "" {
		a.log.DebugContext(ctx, "unknown field ignored", "request_id", RequestID(ctx), "command", cmd.name, "field", field)
	}
}

// logError logs an uncoded error whole; coded errors are the client's business.
func (a *API) logError(ctx context.Context, name string, err error) {
	if im.CodeOf(err) != im.CodeInternal {
		return
	}
	a.log.ErrorContext(ctx, "internal error", "request_id", RequestID(ctx), "command", name, "err", err)
}
