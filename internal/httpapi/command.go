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
}

// handler adapts a typed command function: it decodes the body into Req and hands the
// answer back for the envelope.
func handler[Req any, Resp any](fn func(ctx context.Context, c im.Caller, req *Req) (Resp, error)) *command {
	return &command{
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
		return fmt.Sprintf("field %s must be a JSON %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
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

// serveREST serves every path that is not a health endpoint.
func (a *API) serveREST(w http.ResponseWriter, r *http.Request) {
	start := a.clock.Now()
	name, code, info, status, body := a.call(r)
	if body == nil {
		body = failBody(code, info)
	}
	if status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost) // RFC 9110 §15.5.6: a 405 lists the allowed methods
	}
	writeBody(w, status, body)
	d := a.clock.Now().Sub(start)
	if a.observe != nil {
		a.observe(name, code, d)
	}
	level := slog.LevelInfo
	if code == im.CodeInternal {
		level = slog.LevelError
	}
	a.log.Log(r.Context(), level, "request", "request_id", RequestID(r.Context()), "command", name,
		"code", int(code), "duration_ms", float64(d.Microseconds())/1000, "remote", r.RemoteAddr)
}

// call runs one REST call. It returns the command name, the code, and either the answer
// body or (body nil) the ErrorInfo of a failure.
func (a *API) call(r *http.Request) (name string, code im.Code, info string, status int, body []byte) {
	service, word, ok := splitPath(r.URL.Path)
	if !ok {
		return "", im.CodeBadPath, "the URL must be /v4/{service}/{command}", http.StatusNotFound, nil
	}
	if r.Method != http.MethodPost {
		return "", im.CodeBadURL, "the REST API takes POST only", http.StatusMethodNotAllowed, nil
	}
	cmds, ok := a.commands[service]
	if !ok {
		return "", im.CodeBadPath, fmt.Sprintf("service %q is not served here", service), http.StatusOK, nil
	}
	cmd, ok := cmds[word]
	if !ok {
		return "", im.CodeUnknownCommand, fmt.Sprintf("command %q is not a command of %s", word, service), http.StatusOK, nil
	}
	body, err := a.run(r, cmd)
	if err != nil {
		a.logError(r.Context(), cmd.name, err)
		return cmd.name, im.CodeOf(err), im.InfoOf(err), http.StatusOK, nil
	}
	return cmd.name, im.CodeOK, "", http.StatusOK, body
}

// run authenticates, rate-limits, reads the body and runs cmd; it returns the answer.
func (a *API) run(r *http.Request, cmd *command) ([]byte, error) {
	app, id, err := a.authenticate(r.URL.Query())
	if err != nil {
		return nil, err
	}
	if a.limiter != nil && !a.limiter.Allow(app.SDKAppID, cmd.word) {
		return nil, im.Errorf(im.CodeRateLimited, "%s is over the rate limit of this app", cmd.word)
	}
	in, err := readBody(r, app.Limits.BodyMax)
	if err != nil {
		return nil, err
	}
	caller := im.Caller{App: app.App, Identifier: id, ClientIP: clientIP(r), RequestID: RequestID(r.Context())}
	resp, err := cmd.handle(r.Context(), caller, in)
	if err != nil {
		return nil, err
	}
	a.logUnknownFields(r.Context(), cmd, in)
	out, err := marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("encode %s answer: %w", cmd.name, err)
	}
	if len(out) > app.Limits.ResponseMax {
		return nil, im.Errorf(im.CodeResponseTooLarge, "the answer would be %d bytes, over %d; ask for fewer members with Limit", len(out), app.Limits.ResponseMax)
	}
	return out, nil
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
