package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
)

// quickStart returns the lines of the README's quick start: the sh block after the
// quickstart marker.
func quickStart(t *testing.T, readme string) string {
	t.Helper()
	_, after, ok := strings.Cut(readme, "<!-- quickstart:")
	if !ok {
		t.Fatal("README.md has no <!-- quickstart: ... --> marker")
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	if !ok {
		t.Fatal("README.md: no ```sh block after the quickstart marker")
	}
	block, _, ok = strings.Cut(block, "```\n")
	if !ok {
		t.Fatal("README.md: the quick start's block does not end")
	}
	return block
}

// TestQuickStart pastes the README's quick start into a fresh bash, line by line, in an
// empty directory: it builds bin/timd from this repository with the README's own go build
// line, starts the server, and makes the calls. Two things differ from a reader's shell:
// the port (TIMD_LISTEN, and the URLs of the curl lines, name a free one instead of 8080)
// and the go build line, which builds from the repository into the test's directory.
func TestQuickStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds timd and runs a server; skipped under -short")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not in PATH")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	script := quickStart(t, string(readme))
	const build = "go build -o bin/timd ./cmd/timd"
	for _, want := range []string{build, "bin/timd &", "127.0.0.1:8080", "kill %1"} {
		if !strings.Contains(script, want) {
			t.Fatalf("the quick start lacks %q:\n%s", want, script)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	script = strings.Replace(script, build, shellQuote(goTool)+" -C "+shellQuote(repo)+" build -o "+shellQuote(filepath.Join(dir, "bin", "timd"))+" ./cmd/timd", 1)
	script = strings.ReplaceAll(script, "127.0.0.1:8080", addr)
	// Wait for the server to have stopped before the shell ends.
	script += "wait\necho \"exit of timd: $?\"\n"

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "--norc", "--noprofile", "-s")
	sh.Dir = dir
	sh.Stdin = strings.NewReader(script)
	sh.Env = environ("TIMD_LISTEN="+addr, "PATH="+filepath.Dir(curl)+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stderr strings.Builder
	sh.Stderr = &stderr
	out, err := sh.Output()
	stdout := string(out)
	t.Logf("stdout:\n%s", stdout)
	if err != nil {
		t.Fatalf("bash: %v\nstderr:\n%s", err, stderr.String())
	}

	checks := []struct{ what, pattern string }{
		{"health", `(?m)^http://` + regexp.QuoteMeta(addr) + `: ready$`},
		{"multiaccount_import", `(?m)^\{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"FailAccounts":\[\]\}`},
		{"the GroupId echoed", `(?m)^@TGS#\w+$`},
		{"modify_group_member_info", `(?m)^\{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0\}`},
		{"call get_group_member_info", `(?m)^\{"ActionStatus":"OK".*"Member_Account":"bob","Role":"Admin".*"NameCard":"Bob"`},
		{"graceful stop", `(?m)^exit of timd: 0$`},
	}
	for _, c := range checks {
		if !regexp.MustCompile(c.pattern).MatchString(stdout) {
			t.Errorf("%s: no line matching %s in the output", c.what, c.pattern)
		}
	}
	if strings.Contains(stdout, "FAIL") {
		t.Errorf("an answer failed:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "timd-data", "secret-1400000000.key")); err != nil {
		t.Errorf("the server's key file: %v", err)
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", stderr.String())
	}
}

// TestREADMEIsComplete checks that the README's tables name every command and every
// configuration flag.
func TestREADMEIsComplete(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var rows strings.Builder
	for line := range strings.Lines(string(readme)) {
		if strings.HasPrefix(line, "| `") {
			rows.WriteString(line)
		}
	}
	for _, name := range commandNames() {
		if !regexp.MustCompile("`timd \\[?" + name + "\\b").MatchString(rows.String()) {
			t.Errorf("README's command table lacks timd %s", name)
		}
	}
	for _, name := range config.FlagNames() {
		if !strings.Contains(rows.String(), "`-"+name+"`") {
			t.Errorf("README's configuration table lacks -%s", name)
		}
	}
}
