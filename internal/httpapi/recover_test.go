package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/usersig"
)

// No command can be made to panic through the public surface, so these tests plant a
// command in the dispatch table of an API built in the package.

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newPlantedAPI returns an API of one app with the command im_open_login_svc/planted
// running handle, the query to call it with, and the API's log.
func newPlantedAPI(tb testing.TB, handle func(context.Context, im.Caller, []byte) (any, error)) (*API, string, *syncBuffer) {
	tb.Helper()
	const appID, admin, key = 1400000000, "administrator", "planted-key"
	log := &syncBuffer{}
	a := New(Options{
		Apps:   []App{{App: &im.App{SDKAppID: appID, Admins: []string{admin}, Limits: im.DefaultLimits()}, SecretKey: key}},
		Logger: slog.New(slog.NewJSONHandler(log, nil)),
	})
	a.commands[svcAccount]["planted"] = &command{name: svcAccount + "/planted", word: "planted",
		handle: func(ctx context.Context, c im.Caller, body []byte, _ bool) (any, ignored, error) {
			resp, err := handle(ctx, c, body)
			return resp, ignored{}, err
		}}
	sig := usersig.Mint(appID, admin, key, 3600, time.Now())
	return a, "/v4/" + svcAccount + "/planted?sdkappid=1400000000&identifier=administrator&usersig=" + sig, log
}

// serve runs one POST of {} to target on a.
func serve(a *API, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, strings.NewReader("{}")))
	return rec
}

// wantInternal checks an answer of 10002 with HTTP 200, a generic ErrorInfo that does not
// contain secret, and a request id.
func wantInternal(tb testing.TB, rec *httptest.ResponseRecorder, secret string) {
	tb.Helper()
	if rec.Code != http.StatusOK {
		tb.Errorf("HTTP status: got %d, want 200", rec.Code)
	}
	var env struct {
		ActionStatus string
		ErrorInfo    string
		ErrorCode    int
	}
	body := rec.Body.Bytes()
	if err := json.Unmarshal(body, &env); err != nil {
		tb.Fatalf("answer is not JSON: %v: %s", err, body)
	}
	if env.ErrorCode != int(im.CodeInternal) || env.ActionStatus != "FAIL" {
		tb.Errorf("answer: got %s %d, want FAIL %d", env.ActionStatus, env.ErrorCode, im.CodeInternal)
	}
	if !bytes.HasPrefix(body, []byte(`{"ActionStatus":"FAIL","ErrorInfo":"`)) {
		tb.Errorf("answer: got %s, want the envelope keys first", body)
	}
	if env.ErrorInfo == "" || strings.Contains(env.ErrorInfo, secret) {
		tb.Errorf("ErrorInfo: got %q, want a generic text without %q", env.ErrorInfo, secret)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("Content-Type: got %q, want application/json", ct)
	}
	if rec.Header().Get("X-Request-Id") == "" {
		tb.Errorf("X-Request-Id header: got none, want one")
	}
}

func TestRecoverPanic(t *testing.T) {
	const secret = "boom: internal detail"
	a, target, log := newPlantedAPI(t, func(context.Context, im.Caller, []byte) (any, error) {
		panic(secret)
	})
	rec := serve(a, target)
	wantInternal(t, rec, secret)
	id := rec.Header().Get("X-Request-Id")
	if logged := log.String(); !strings.Contains(logged, secret) || !strings.Contains(logged, id) {
		t.Errorf("log: got %s, want the panic %q with request id %q", logged, secret, id)
	}
	// The API keeps serving after a panic.
	if rec := serve(a, "/v4/"+svcAccount+"/no_such"); !strings.Contains(rec.Body.String(), `"ErrorCode":10003`) {
		t.Errorf("call after the panic: got %s, want ErrorCode 10003", rec.Body)
	}
}

func TestRecoverAbortHandler(t *testing.T) {
	a, target, _ := newPlantedAPI(t, func(context.Context, im.Caller, []byte) (any, error) {
		panic(http.ErrAbortHandler)
	})
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("recovered: got %v, want http.ErrAbortHandler passed on to net/http", p)
		}
	}()
	serve(a, target)
	t.Error("ServeHTTP returned, want http.ErrAbortHandler to propagate")
}

func TestUncodedError(t *testing.T) {
	const secret = "connect to db: password=hunter2"
	a, target, log := newPlantedAPI(t, func(context.Context, im.Caller, []byte) (any, error) {
		return nil, errors.New(secret)
	})
	wantInternal(t, serve(a, target), secret)
	if !strings.Contains(log.String(), secret) {
		t.Errorf("log: got %s, want the whole error %q", log.String(), secret)
	}
}
