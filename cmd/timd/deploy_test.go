package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDockerfileHealthcheck runs the HEALTHCHECK command of deploy/Dockerfile, with the
// image's environment, against a server: a typo there would leave every container
// unhealthy, and no machine here can build the image to notice.
func TestDockerfileHealthcheck(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(src), "\\\n", " ")
	m := regexp.MustCompile(`(?m)^HEALTHCHECK .*CMD (\[.*\])$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("deploy/Dockerfile has no HEALTHCHECK ... CMD [...]")
	}
	var argv []string
	if err := json.Unmarshal([]byte(m[1]), &argv); err != nil || len(argv) < 2 || argv[0] != "/usr/local/bin/timd" {
		t.Fatalf("HEALTHCHECK CMD %s: want [\"/usr/local/bin/timd\", ...]", m[1])
	}
	env := serveEnv(t, map[string]string{"TIMD_DATA": t.TempDir(), "TIMD_SECRET_KEY": signKey})
	// The image listens on 0.0.0.0; health must reach that on loopback.
	env["TIMD_LISTEN"] = strings.Replace(env["TIMD_LISTEN"], "127.0.0.1", "0.0.0.0", 1)
	out, errOut, code := runArgs(t, env, argv[1:]...)
	if code != 0 {
		t.Errorf("HEALTHCHECK %s: exit %d, %s %s; want 0", m[1], code, out, errOut)
	}
}

// TestDockerignore checks that the build context leaves out the secrets and the history.
func TestDockerignore(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for line := range strings.Lines(string(src)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	for _, want := range []string{".git", "**/timd-data", "**/secret-*.key", "**/*.db"} {
		if !slices.Contains(patterns, want) {
			t.Errorf(".dockerignore: want the pattern %s; got %q", want, patterns)
		}
	}
}
