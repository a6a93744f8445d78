package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/config"
)

// runArgs runs timd in this process with env as the whole environment and returns its
// stdout, stderr as main would print it, and exit code.
func runArgs(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	lookupEnv := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	err := run(t.Context(), args, &out, &errOut, lookupEnv)
	if err != nil {
		report(&errOut, err)
	}
	return out.String(), errOut.String(), exitCode(err)
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"help"}} {
		out, errOut, code := runArgs(t, nil, args...)
		if code != 0 || errOut != "" {
			t.Errorf("timd %s: got exit %d, stderr %q; want 0 and nothing", args, code, errOut)
		}
		for _, name := range commandNames() {
			if !strings.Contains(out, "\n  "+name+" ") {
				t.Errorf("timd %s: got\n%s\nwant it to list the command %s", args, out, name)
			}
		}
	}
	for _, cmd := range commands() {
		t.Run(cmd.name, func(t *testing.T) {
			out, _, code := runArgs(t, nil, "help", cmd.name)
			if code != 0 || !strings.HasPrefix(out, "Usage: timd "+cmd.name) || !strings.Contains(out, "\nExamples:\n  ") {
				t.Errorf("timd help %s: got exit %d\n%s\nwant 0, the usage line and examples", cmd.name, code, out)
			}
			if cmd.name == "help" || cmd.name == "completion" || cmd.name == "version" {
				return
			}
			self, _, code := runArgs(t, nil, cmd.name, "-h")
			if code != 0 || self != out {
				t.Errorf("timd %s -h: got exit %d and another text than timd help %s; want 0 and the same", cmd.name, code, cmd.name)
			}
			// serve explains every configuration flag; the others name them once.
			full := strings.Contains(out, "-postgres-min-conns number\n")
			if cmd.config && full != (cmd.name == "serve") {
				t.Errorf("timd help %s: explains the configuration flags %v, want %v\n%s", cmd.name, full, cmd.name == "serve", out)
			}
			if cmd.config && !strings.Contains(out, "-postgres-min-conns") {
				t.Errorf("timd help %s: want it to name the configuration flags\n%s", cmd.name, out)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"help", "bogus"}, `unknown command "bogus"`},
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "extra", "-listen", "127.0.0.1:1"}, `flag -listen after the argument "extra"`},
		{[]string{"-listen", "127.0.0.1:1", "extra"}, `unexpected argument "extra"`},
		{[]string{"usersig", "-lisen", ":1"}, "flag provided but not defined: -lisen"},
		{[]string{"usersig", "-sdkappid", "abc"}, "-sdkappid"},
		{[]string{"usersig", "-expire", "0"}, "-expire must be positive"},
		{[]string{"call"}, "missing argument"},
		{[]string{"call", "a/b", "{}", "c"}, `unexpected argument "c"`},
		{[]string{"call", "a/b", "-url", "http://x"}, `flag -url after the argument "a/b"`},
		{[]string{"import"}, "missing argument"},
		{[]string{"import", "a.json", "-force"}, `flag -force after the argument "a.json"`},
		{[]string{"export", "out.json"}, `unexpected argument "out.json"`},
		{[]string{"version", "x"}, `unexpected argument "x"`},
		{[]string{"completion"}, "missing argument"},
		{[]string{"completion", "fish"}, `unknown shell "fish"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := runArgs(t, map[string]string{"TIMD_DATA": filepath.Join(t.TempDir(), "none")}, tt.args...)
			if code != 2 || !strings.Contains(errOut, tt.want) || !strings.Contains(errOut, "Run 'timd help") {
				t.Errorf("got exit %d, stderr %q; want 2 and a message with %q and a pointer to help", code, errOut, tt.want)
			}
			if out != "" {
				t.Errorf("stdout: got %q, want nothing", out)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	var lines []string
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		out, _, code := runArgs(t, nil, args...)
		if code != 0 || !strings.HasPrefix(out, "timd ") {
			t.Errorf("timd %s: got exit %d, %q; want 0 and a line starting with timd", args, code, out)
		}
		lines = append(lines, out)
	}
	if lines[0] != lines[1] || lines[1] != lines[2] {
		t.Errorf("version, -version and --version differ: %q", lines)
	}

	stamped := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "b21abc0f3e6a9d1c2b3a4f5e6d7c8b9a0f1e2d3c"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		name   string
		info   *debug.BuildInfo
		linked string
		want   string // prefix
	}{
		{"no build info", nil, "", "devel go"},
		{"-buildvcs=false", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, "", "devel go1.26.8"},
		{"revision only", stamped, "", "devel b21abc0f3e6a+dirty go1.26.8"},
		{"go build in a checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261202165657-b21abc0f3e6a+dirty"}},
			"", "v0.0.0-20261202165657-b21abc0f3e6a+dirty go1.26.8"},
		{"go install @version", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}, "", "v1.2.3 go1.26.8"},
		{"linker flag", stamped, "v9.9.9", "v9.9.9 go1.26.8"},
	}
	for _, tt := range tests {
		if got := versionString(tt.info, tt.linked); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: got %q, want it to start with %q", tt.name, got, tt.want)
		}
	}
	if got := versionString(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, ""); !strings.Contains(got, "-buildvcs=false") {
		t.Errorf("unstamped build: got %q, want it to say why there is no version", got)
	}
}

// TestExitCodesOfBinary checks that the binary exits as run's errors say: 0 for help,
// 2 for a command line that cannot run, 1 for a configuration that cannot.
func TestExitCodesOfBinary(t *testing.T) {
	bin := mustBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"-h"}, 0},
		{[]string{"help", "call"}, 0},
		{[]string{"--version"}, 0},
		{[]string{"serve", "extra", "-listen", "127.0.0.1:0"}, 2},
		{[]string{"nonsense"}, 2},
		{[]string{"usersig"}, 1}, // no key file in the data directory
	} {
		cmd := exec.Command(bin, tt.args...)
		cmd.Env = environ("TIMD_DATA=" + dataDir)
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		}
		if code != tt.want {
			t.Errorf("timd %s: got exit %d, want %d\n%s", tt.args, code, tt.want, out)
		}
	}
	if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data directory: got %v, want none created", err)
	}
}

func TestCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	script, _, code := runArgs(t, nil, "completion", "bash")
	if code != 0 {
		t.Fatalf("timd completion bash: exit %d", code)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "timd.bash")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string // the words typed, the last one being completed
		want []string
	}{
		{"timd ", commandNames()},
		{"timd us", []string{"usersig"}},
		{"bin/timd ca", []string{"call"}},
		{"timd call -i", []string{"-identifier", "-insecure"}},
		{"timd serve -tls-c", []string{"-tls-cert"}},
		{"timd -lis", []string{"-listen"}},
		{"timd usersig -secret", []string{"-secret-key"}},
		{"timd completion ", []string{"bash", "zsh"}},
		{"timd help ex", []string{"export"}},
		{"timd export -data " + dir + "/", nil}, // a directory: none under dir
	}
	for _, tt := range tests {
		words := strings.Split(tt.line, " ")
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = shellQuote(w)
		}
		prog := "source " + shellQuote(path) + "\n" +
			"COMP_WORDS=(" + strings.Join(quoted, " ") + ")\n" +
			"COMP_CWORD=" + strconv.Itoa(len(words)-1) + "\n" +
			"_timd\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		out, err := exec.Command(bash, "--norc", "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tt.line, err, out)
		}
		got := strings.Fields(string(out))
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("completing %q: got %q, want %q", tt.line, got, tt.want)
		}
	}

	zsh, _, code := runArgs(t, nil, "completion", "zsh")
	if code != 0 || !strings.HasPrefix(zsh, "#compdef timd\n") {
		t.Fatalf("timd completion zsh: exit %d\n%s", code, zsh)
	}
	if zshPath, err := exec.LookPath("zsh"); err == nil {
		if out, err := exec.Command(zshPath, "-n", "-c", zsh).CombinedOutput(); err != nil {
			t.Errorf("zsh -n of the zsh script: %v\n%s", err, out)
		}
	}
}

func TestUsersigHint(t *testing.T) {
	def := config.Default()
	tests := []struct {
		name string
		edit func(c *config.Config)
		want string
	}{
		{"defaults", func(c *config.Config) { c.Apps[0].KeySource = "key file ./timd-data/secret-1400000000.key" }, "bin/timd usersig"},
		{"data and file", func(c *config.Config) {
			c.File, c.DataDir = "conf/timd.json", "/var/lib/my timd"
		}, "bin/timd usersig -config conf/timd.json -data '/var/lib/my timd'"},
		{"app and admin", func(c *config.Config) {
			c.Apps[0].SDKAppID, c.Apps[0].Admins = 1400000042, []string{"ops", "x"}
		}, "bin/timd usersig -sdkappid 1400000042 -identifier ops"},
		{"key in the environment", func(c *config.Config) {
			c.Apps[0].SecretKey, c.Apps[0].KeySource = "s3cr3t", "TIMD_SECRET_KEY"
		}, "TIMD_SECRET_KEY=<the key given in TIMD_SECRET_KEY> bin/timd usersig"},
	}
	for _, tt := range tests {
		c := config.Default()
		c.Apps = []config.App{def.Apps[0]}
		c.Apps[0].Admins = []string{"administrator"}
		tt.edit(&c)
		if got := usersigHint("bin/timd", c); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestErrorsNameTheSetting checks the messages of the mistakes a new user makes: each
// names the setting in its three forms and says what to do, and never shows a secret.
func TestErrorsNameTheSetting(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"missing TLS certificate", map[string]string{"TIMD_TLS_CERT": "/nonexistent/cert.pem", "TIMD_TLS_KEY": "/nonexistent/key.pem"},
			[]string{"serve", "-listen", "127.0.0.1:0"},
			[]string{"tls_cert (TIMD_TLS_CERT, -tls-cert)", "/nonexistent/cert.pem", "no such file", "plain HTTP"}},
		{"TLS certificate without key", map[string]string{"TIMD_TLS_CERT": "/nonexistent/cert.pem"}, []string{"serve"},
			[]string{"tls_cert, tls_key: give both or neither", "TIMD_TLS_KEY"}},
		{"DSN that does not parse", map[string]string{"TIMD_POSTGRES_DSN": "postgres://timd:hunter2@db:port/timd"}, []string{"migrate"},
			[]string{"postgres_dsn (TIMD_POSTGRES_DSN, -postgres-dsn)", "postgres://user:password@127.0.0.1:5432/timd?sslmode=disable", "host=127.0.0.1"}},
		{"data directory under a file", map[string]string{"TIMD_DATA": filepath.Join(notDir, "data")}, []string{"migrate"},
			[]string{"data (TIMD_DATA, -data)", filepath.Join(notDir, "data"), "cannot be created"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runArgs(t, tt.env, tt.args...)
			if code != 1 {
				t.Errorf("got exit %d, want 1", code)
			}
			for _, want := range tt.want {
				if !strings.Contains(errOut, want) {
					t.Errorf("got %q, want it to contain %q", errOut, want)
				}
			}
			if strings.Contains(errOut, "hunter2") {
				t.Errorf("got %q, which shows the password", errOut)
			}
		})
	}
}

func TestUsersigHintUnderGoRun(t *testing.T) {
	if got := usersigHint("go run ./cmd/timd", config.Default()); got != "go run ./cmd/timd usersig" {
		t.Errorf("got %q, want the go run command unquoted", got)
	}
}
