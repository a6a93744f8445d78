package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/timdhq/timd/internal/usersig"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"time"
)

// NewHTTPClient returns a client tuned for load: keep-alive connections, up to conns of
// them to the one host, all kept idle between requests, no compression, and a timeout
// per request.
func NewHTTPClient(conns int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:               nil, // loopback only: never through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// Target is a REST server and the app admin that calls it.
type Target struct {
	// Base is the server's base URL, e.g. "http://127.0.0.1:8080".
	Base string
	// SDKAppID, Admin and Key are the app, its admin account and its secret key.
	SDKAppID uint64
	Admin    string
	Key      string
}

// Caller sends REST calls to a Target, signed with one cached UserSig unless a request
// brings its own.
type Caller struct {
	target Target
	client *http.Client
	base   url.URL
	query  string // the query with the cached UserSig, without random
}

// NewCaller returns a Caller of t through client, with a UserSig valid for a day.
func NewCaller(t Target, client *http.Client) (*Caller, error) {
	u, err := url.Parse(t.Base)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", t.Base, err)
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("target %q: want http://host:port", t.Base)
	}
	c := &Caller{target: t, client: client, base: url.URL{Scheme: u.Scheme, Host: u.Host}}
	sig := usersig.Mint(t.SDKAppID, t.Admin, t.Key, 86400, time.Now())
	c.query = c.Query(sig)
	return c, nil
}

// Target returns the target the Caller calls.
func (c *Caller) Target() Target { return c.target }

// Query returns the authentication query of a call signed with sig, without random.
func (c *Caller) Query(sig string) string {
	q := make([]byte, 0, 64+len(sig))
	q = append(q, "sdkappid="...)
	q = strconv.AppendUint(q, c.target.SDKAppID, 10)
	q = append(q, "&identifier="...)
	q = append(q, url.QueryEscape(c.target.Admin)...)
	q = append(q, "&usersig="...)
	q = append(q, sig...) // Tencent's base64 needs no escaping: A-Z a-z 0-9 * - _
	q = append(q, "&contenttype=json"...)
	return string(q)
}

// Request is one REST call.
type Request struct {
	// Command is "service/command", e.g. "group_open_http_svc/modify_group_member_info".
	Command string
	// Body is the JSON body.
	Body []byte
	// Query, when set, replaces the cached authentication query (see Caller.Query).
	Query string
	// Random is the query's random parameter.
	Random uint32
}

// Do sends r and reads the answer into buf (reset first). It returns the envelope's
// ErrorCode, or the outcome's Fail class for a transport or HTTP failure.
func (c *Caller) Do(ctx context.Context, r Request, buf *bytes.Buffer) Outcome {
	u := c.base
	u.Path = "/v4/" + r.Command
	q := r.Query
	if q == "" {
		q = c.query
	}
	u.RawQuery = q + "&random=" + strconv.FormatUint(uint64(r.Random), 10)
	// The transport may read the body after Do returns (RoundTrip's contract), and the
	// caller reuses its buffer: send a copy.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "", bytes.NewReader(bytes.Clone(r.Body)))
	if err != nil {
		return Outcome{Fail: "request", Detail: err.Error()}
	}
	req.URL, req.Host = &u, u.Host
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return Outcome{Fail: failClass(err), Detail: err.Error()}
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return Outcome{Fail: failClass(err), Detail: err.Error()}
	}
	if resp.StatusCode != http.StatusOK {
		return Outcome{Fail: "HTTP " + strconv.Itoa(resp.StatusCode), Detail: snippet(buf.Bytes())}
	}
	code, err := EnvelopeCode(buf.Bytes())
	if err != nil {
		return Outcome{Fail: "bad envelope", Detail: err.Error()}
	}
	return Outcome{Code: code}
}

// okPrefix starts every OK answer of timd, whose envelope keys come first in this order.
const okPrefix = `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0`

// EnvelopeCode returns the ErrorCode of a REST answer: 0 for OK. It checks timd's OK
// prefix first, so a large OK answer costs no decoding; any other answer is decoded.
// An envelope that says FAIL with ErrorCode 0 gives -1.
func EnvelopeCode(body []byte) (int, error) {
	if rest, ok := bytes.CutPrefix(body, []byte(okPrefix)); ok && len(rest) > 0 && (rest[0] == ',' || rest[0] == '}') {
		return 0, nil
	}
	var env struct {
		ActionStatus *string
		ErrorCode    *int
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return 0, fmt.Errorf("answer is not JSON: %v: %s", err, snippet(body))
	}
	if env.ActionStatus == nil || env.ErrorCode == nil {
		return 0, fmt.Errorf("answer has no envelope: %s", snippet(body))
	}
	if *env.ErrorCode == 0 && *env.ActionStatus != "OK" {
		return -1, nil
	}
	return *env.ErrorCode, nil
}

// snippet returns the start of b for a message.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// failClass names the kind of a transport error, for counting.
func failClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EMFILE):
		return "out of sockets"
	}
	return "transport"
}

// Answer is a decoded REST answer, for the set-up calls that need its fields.
type Answer struct {
	ErrorCode int
	ErrorInfo string
	Raw       []byte
}

// Call sends one call and returns its answer; a transport or HTTP failure is an error,
// a Tencent error is in the Answer.
func (c *Caller) Call(ctx context.Context, command string, body any) (*Answer, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	o := c.Do(ctx, Request{Command: command, Body: data, Random: 1}, &buf)
	if o.Fail != "" {
		return nil, fmt.Errorf("%s: %s: %s", command, o.Fail, o.Detail)
	}
	a := &Answer{ErrorCode: o.Code, Raw: bytes.Clone(buf.Bytes())}
	if o.Code != 0 {
		var env struct{ ErrorInfo string }
		_ = json.Unmarshal(a.Raw, &env)
		a.ErrorInfo = env.ErrorInfo
	}
	return a, nil
}

// MustOK is Call that turns an answer other than OK into an error.
func (c *Caller) MustOK(ctx context.Context, command string, body any) (*Answer, error) {
	a, err := c.Call(ctx, command, body)
	if err != nil {
		return nil, err
	}
	if a.ErrorCode != 0 {
		return a, fmt.Errorf("%s: ErrorCode %d: %s%s", command, a.ErrorCode, a.ErrorInfo, codeHint(a.ErrorCode))
	}
	return a, nil
}

// codeHint explains the codes a misconfigured target answers.
func codeHint(code int) string {
	switch code {
	case 60007:
		return " (the target rate-limits: disable its rate limits, rate_limits.default = 0 in its config file)"
	case 70009, 70003:
		return " (the UserSig does not verify: give the target's secret key with -secret-key)"
	case 60010:
		return " (the identifier is not an app admin of the target: see -admin)"
	case 10004:
		return " (is every -fields key a member custom field of the target's app?)"
	}
	return ""
}
