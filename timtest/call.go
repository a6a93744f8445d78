package timtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/httpapi"
)

// Response is a decoded REST answer.
type Response struct {
	ActionStatus string
	ErrorInfo    string
	ErrorCode    int
	// Fields holds every field of the answer, the envelope's included, as decoded by
	// encoding/json into a map (numbers are json.Number).
	Fields map[string]any
	// Raw is the answer body as received.
	Raw []byte
	// IgnoredFields are the fields of the request body that timd ignored, as paths such
	// as "groupid" or "MemberList[0].NameCard": names Tencent's API does not have, or
	// names in the wrong case. Tencent ignores them silently; timd lists them in the
	// answer's X-Timd-Ignored-Fields header (at most 20), which this is. Nil when none.
	IgnoredFields []string
}

// Decode unmarshals the answer into v.
func (r *Response) Decode(v any) error { return json.Unmarshal(r.Raw, v) }

// Query returns the query string of a REST call as identifier, signed with a fresh UserSig.
func (s *Server) Query(identifier string) string {
	q := url.Values{}
	q.Set("sdkappid", strconv.FormatUint(s.SDKAppID(), 10))
	q.Set("identifier", identifier)
	q.Set("usersig", s.UserSig(identifier))
	q.Set("random", "1234")
	q.Set("contenttype", "json")
	return q.Encode()
}

// Call posts body to command ("group_open_http_svc/create_group") as the app admin and
// decodes the answer. body may be []byte or string (sent as is) or any value to marshal as
// JSON. A Tencent error is not a Go error: it is in the Response.
func (s *Server) Call(ctx context.Context, command string, body any) (*Response, error) {
	data, err := encodeBody(body)
	if err != nil {
		return nil, err
	}
	u := s.URL + "/v4/" + command + "?" + s.Query(s.Admin())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d: %s", command, resp.StatusCode, raw)
	}
	r, err := decodeResponse(raw)
	if err != nil {
		return nil, err
	}
	if h := resp.Header.Get(httpapi.IgnoredFieldsHeader); h != "" {
		r.IgnoredFields = strings.Split(h, ", ")
	}
	return r, nil
}

// encodeBody turns a Call body into bytes.
func encodeBody(body any) ([]byte, error) {
	switch b := body.(type) {
	case []byte:
		return b, nil
	case string:
		return []byte(b), nil
	case nil:
		return []byte("{}"), nil
	}
	return json.Marshal(body)
}

// decodeResponse decodes an answer body.
func decodeResponse(raw []byte) (*Response, error) {
	r := &Response{Raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&r.Fields); err != nil {
		return nil, fmt.Errorf("answer is not a JSON object: %w: %s", err, raw)
	}
	var env struct {
		ActionStatus string
		ErrorInfo    string
		ErrorCode    int
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("answer has no envelope: %w: %s", err, raw)
	}
	r.ActionStatus, r.ErrorInfo, r.ErrorCode = env.ActionStatus, env.ErrorInfo, env.ErrorCode
	return r, nil
}

// MustCall is Call that fails the test on a transport error.
func (s *Server) MustCall(tb testing.TB, command string, body any) *Response {
	tb.Helper()
	r, err := s.Call(context.Background(), command, body)
	if err != nil {
		tb.Fatalf("timtest: %s: %v", command, err)
	}
	return r
}

// MustOK is Call that fails the test unless the answer is OK.
func (s *Server) MustOK(tb testing.TB, command string, body any) *Response {
	tb.Helper()
	r := s.MustCall(tb, command, body)
	if r.ErrorCode != 0 || r.ActionStatus != "OK" {
		tb.Fatalf("timtest: %s: ErrorCode %d (%s), want OK", command, r.ErrorCode, r.ErrorInfo)
	}
	return r
}
