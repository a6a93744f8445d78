package console_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests drive a real headless Chromium through the DevTools protocol. They
// run when a Chromium is installed (Debian's chromium package; .ci/run installs it), or
// when TIMD_CHROMIUM names the binary, and say they are skipped otherwise, unless
// TIMD_TEST_REQUIRE_CHROMIUM is set (as .ci/run sets it), which makes a missing browser
// a failure. One browser serves every test of the package, each test in a tab of its
// own.

// browser is the package's shared browser, started by the first test that needs one.
var browser struct {
	once   sync.Once
	ctx    context.Context // a chromedp context that has run once; tabs derive from it
	cancel context.CancelFunc
	err    error
	skip   string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	os.Exit(code)
}

// chromiumPath returns the browser binary: TIMD_CHROMIUM, else the first of the usual
// names on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("TIMD_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no chromium, chromium-browser, google-chrome or headless-shell on PATH and TIMD_CHROMIUM unset")
}

// startBrowser starts the shared browser once.
func startBrowser() {
	path, err := chromiumPath()
	if err != nil && os.Getenv("TIMD_TEST_REQUIRE_CHROMIUM") != "" {
		browser.err = fmt.Errorf("%w; TIMD_TEST_REQUIRE_CHROMIUM is set", err)
		return
	}
	if err != nil {
		browser.skip = "browser tests skipped: " + err.Error() + " (apt-get install chromium, or run .ci/run)"
		return
	}
	dir, err := os.MkdirTemp("", "timd-chromium-*")
	if err != nil {
		browser.err = err
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.UserDataDir(dir),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	browser.ctx = ctx
	browser.cancel = func() {
		cancelCtx()
		cancelAlloc()
		os.RemoveAll(dir)
	}
	// The first Do starts the browser; its context must carry no timeout, which would
	// stop the browser when it ended.
	browser.err = chromedp.Do(ctx)
}

// tab is one browser tab of a test, with what it collected.
type tab struct {
	t      *testing.T
	ctx    context.Context
	mu     sync.Mutex
	errors []string          // uncaught exceptions of the page
	shots  map[string][]byte // screenshots of the main pages, by name, written if the test fails
	order  []string
}

// newTab opens a tab for t, or skips t when no browser is installed. When t fails, the
// screenshots the tab took and one of its last state are written to the artifact
// directory: $TIMD_TEST_ARTIFACTS, else a new directory under the system's temporary
// directory, named in the test's log.
func newTab(t *testing.T) *tab {
	t.Helper()
	browser.once.Do(startBrowser)
	if browser.skip != "" {
		t.Skip(browser.skip)
	}
	if browser.err != nil {
		t.Fatalf("start chromium: %v", browser.err)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("open tab: %v", err)
	}
	tb := &tab{t: t, shots: map[string][]byte{}}
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.errors = append(tb.errors, exceptionText(ev.ExceptionDetails))
			tb.mu.Unlock()
		}
	}()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	tb.ctx = ctx
	t.Cleanup(func() {
		tb.mu.Lock()
		for _, e := range tb.errors {
			t.Errorf("uncaught exception in the page: %s", e)
		}
		tb.mu.Unlock()
		if t.Failed() || os.Getenv("TIMD_CONSOLE_SHOTS") != "" {
			tb.writeArtifacts()
		}
		cancelTimeout()
		cancel()
	})
	return tb
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "?"
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		s += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (%s:%d)", s, d.URL, d.LineNumber+1)
}

// do runs actions, failing the test with what it was doing.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// text returns the text of the element sel selects.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// eval evaluates a JavaScript expression, awaiting a promise.
func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor waits until the JavaScript expression js is truthy.
func (tb *tab) waitFor(what, js string) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		tb.t.Fatalf("waiting for %s (%s): %v", what, js, err)
	}
}

// shotQuality is the JPEG quality of the screenshots the tests keep: cheaper to take
// than PNGs, and enough to see what went wrong.
const shotQuality = 70

// snap keeps a screenshot of the page as it is, written out only if the test fails.
func (tb *tab) snap(name string) {
	buf, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(shotQuality))
	if err != nil {
		tb.t.Logf("screenshot %s: %v", name, err)
		return
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if _, ok := tb.shots[name]; !ok {
		tb.order = append(tb.order, name)
	}
	tb.shots[name] = buf
}

// writeArtifacts writes the screenshots kept and one of the page now: to
// $TIMD_CONSOLE_SHOTS, which asks for them whether the test failed or not, else to
// $TIMD_TEST_ARTIFACTS, else to a new directory.
func (tb *tab) writeArtifacts() {
	dir := cmp.Or(os.Getenv("TIMD_CONSOLE_SHOTS"), os.Getenv("TIMD_TEST_ARTIFACTS"))
	var err error
	if dir == "" {
		dir, err = os.MkdirTemp("", "timd-console-artifacts-*")
	} else {
		dir = filepath.Join(dir, strings.ReplaceAll(tb.t.Name(), "/", "_"))
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		tb.t.Logf("no artifact directory: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.ctx), 10*time.Second)
	defer cancel()
	if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(shotQuality)); err == nil {
		tb.shots["last"] = buf
		tb.order = append(tb.order, "last")
	}
	for i, name := range tb.order {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d-%s.jpg", i, name)), tb.shots[name], 0o644)
	}
	tb.t.Logf("screenshots of the test are in %s", dir)
}
