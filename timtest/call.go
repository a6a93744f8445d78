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
	"testing"
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
	return decodeResponse(raw)
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

// MustImportAccounts imports the accounts.
func (s *Server) MustImportAccounts(tb testing.TB, ids ...string) {
	tb.Helper()
	for len(ids) > 0 {
		n := min(len(ids), 100)
		r := s.MustOK(tb, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": ids[:n]})
		if f, _ := r.Fields["FailAccounts"].([]any); len(f) > 0 {
			tb.Fatalf("timtest: accounts not imported: %v", f)
		}
		ids = ids[n:]
	}
}

// MustCreateGroup creates a group of type typ ("Public", "Private", ...) owned by owner
// ("" for none) with the given members, and returns its ID.
func (s *Server) MustCreateGroup(tb testing.TB, typ, owner string, members ...string) string {
	tb.Helper()
	req := map[string]any{"Type": typ, "Name": "timtest group"}
	if owner != "" {
		req["Owner_Account"] = owner
	}
	list := make([]map[string]string, len(members))
	for i, m := range members {
		list[i] = map[string]string{"Member_Account": m}
	}
	if len(list) > 0 {
		req["MemberList"] = list
	}
	r := s.MustOK(tb, "group_open_http_svc/create_group", req)
	id, _ := r.Fields["GroupId"].(string)
	return id
}

// MustAddMembers adds accounts to a group.
func (s *Server) MustAddMembers(tb testing.TB, groupID string, accounts ...string) {
	tb.Helper()
	for len(accounts) > 0 {
		n := min(len(accounts), 300)
		list := make([]map[string]string, n)
		for i, a := range accounts[:n] {
			list[i] = map[string]string{"Member_Account": a}
		}
		s.MustOK(tb, "group_open_http_svc/add_group_member", map[string]any{"GroupId": groupID, "MemberList": list, "Silence": 1})
		accounts = accounts[n:]
	}
}
