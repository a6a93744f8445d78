package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/store/sqlite"
	"github.com/timdhq/timd/internal/usersig"
)

// TestConsoleRoutes checks that the API listener serves the console's page under
// /console/ and its endpoints under /console/api/ with the REST API's envelope.
func TestConsoleRoutes(t *testing.T) {
	s := newDevServer(t, false)
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/console/", http.StatusOK, "<title>timd console</title>"},
		{"/console/js/api.js", http.StatusOK, "export function call"},
		{"/console/api/fields", http.StatusOK, `"ErrorCode":60012`},
		{"/console/api/nothing", http.StatusNotFound, `"ErrorCode":60009`},
		{"/consoles", http.StatusNotFound, `"ErrorCode":60009`},
	} {
		resp, err := s.Client().Get(s.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(raw), tc.body) {
			t.Errorf("GET %s: %d %.80q, want %d with %q", tc.path, resp.StatusCode, raw, tc.status, tc.body)
		}
	}
}

// TestConsoleFieldsSurviveRestart declares a field through one server and finds it
// applied by the next server on the same store, before any call reads it.
func TestConsoleFieldsSurviveRestart(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "timd.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Apps[0].SecretKey = "0123456789abcdef"
	start := func() *server.Server {
		srv, err := server.New(ctx, cfg, server.Options{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}
	first := start()
	q := "?sdkappid=1400000000&identifier=administrator&usersig=" +
		usersig.Mint(cfg.Apps[0].SDKAppID, "administrator", cfg.Apps[0].SecretKey, 3600, time.Now())
	w := httptest.NewRecorder()
	first.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/console/api/fields"+q, strings.NewReader(`{"Kind":"Member","Key":"Level"}`)))
	if !strings.Contains(w.Body.String(), `"ErrorCode":0`) {
		t.Fatalf("declare: %s", w.Body)
	}
	if err := first.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	next := start()
	defer next.Shutdown(ctx)
	c, _ := next.AdminCaller(cfg.Apps[0].SDKAppID)
	if !c.App.HasMemberField("Level") {
		t.Error("the next server does not know the member field Level declared before the restart")
	}
}
