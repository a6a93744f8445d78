package console_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/console"
)

// TestHandler checks what the console's handler serves without a browser: the page and
// its assets with their types and security headers, a redirect from /console, and
// nothing else.
func TestHandler(t *testing.T) {
	h := console.Handler()
	get := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w
	}
	for _, tc := range []struct {
		path, wantType string
	}{
		{"/console/", "text/html; charset=utf-8"},
		{"/console/console.css", "text/css; charset=utf-8"},
		{"/console/js/main.js", "text/javascript; charset=utf-8"},
	} {
		w := get(http.MethodGet, tc.path)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != tc.wantType {
			t.Errorf("GET %s: %d %q, want 200 %q", tc.path, w.Code, w.Header().Get("Content-Type"), tc.wantType)
		}
		for _, header := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
			if w.Header().Get(header) == "" {
				t.Errorf("GET %s: no %s", tc.path, header)
			}
		}
	}
	if csp := get(http.MethodGet, "/console/").Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") ||
		!strings.Contains(csp, "connect-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("Content-Security-Policy: %q", csp)
	}
	if w := get(http.MethodGet, "/console"); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/console/" {
		t.Errorf("GET /console: %d to %q, want 301 to /console/", w.Code, w.Header().Get("Location"))
	}
	for _, path := range []string{"/console/js/", "/console/nothing.js", "/console/../go.mod"} {
		if w := get(http.MethodGet, path); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
	if w := get(http.MethodPost, "/console/"); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /console/: %d, Allow %q; want 405, GET, HEAD", w.Code, w.Header().Get("Allow"))
	}
}

// TestAssetsSelfContained checks that the page loads nothing from elsewhere: no URL
// with a scheme or a protocol-relative one in any asset, no inline script or style.
func TestAssetsSelfContained(t *testing.T) {
	total := 0
	err := fs.WalkDir(console.Assets(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(console.Assets(), path)
		if err != nil {
			return err
		}
		total += len(data)
		text := string(data)
		for _, bad := range []string{"http://", "https://", "src=\"//", "href=\"//", "<style", "style=\"", "onclick=\"", "eval("} {
			if strings.Contains(text, bad) {
				t.Errorf("%s holds %q", path, bad)
			}
		}
		if strings.HasSuffix(path, ".html") && strings.Contains(text, "<script>") {
			t.Errorf("%s has an inline script", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("assets: %d bytes", total)
	if total > 100<<10 {
		t.Errorf("assets are %d bytes, over the budget of 100 KiB", total)
	}
}
