// Package console serves timd's admin console at /console/: one page of plain HTML, CSS
// and JavaScript modules, embedded in the binary, with no framework, build step or
// external resource.
//
// The page keeps its credentials in memory only (localStorage holds the last SDKAppID and
// nothing else) and acts through the same signed REST calls as any client, so it can do
// nothing the API does not allow, and every action is authenticated, rate-limited,
// logged and counted like any other call. What Tencent's REST API has no command for
// (declaring custom fields, callback status) it does through timd's own endpoints under
// /console/api/, which authenticate the same way (internal/httpapi).
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed assets
var assets embed.FS

// contentSecurityPolicy lets the page load only its own scripts, styles and images and
// talk only to its own origin (fetch, and the EventSource of the event stream, which
// connect-src governs), and keeps it out of frames.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the console: GET or HEAD of /console/ and the assets below it; /console
// redirects to /console/.
func Handler() http.Handler {
	files := http.StripPrefix("/console", http.FileServerFS(Assets()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == "/console" {
			http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
			return
		}
		// No directory listings: the only directory served is the page itself.
		if strings.HasSuffix(r.URL.Path, "/") && r.URL.Path != "/console/" {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// Assets returns the files of the page, as served under /console/.
func Assets() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic("console: " + err.Error()) // the embedded tree always has assets/
	}
	return sub
}
