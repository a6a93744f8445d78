package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/config"
)

func TestFlagsRefuseOtherHosts(t *testing.T) {
	for _, args := range [][]string{
		{"-target", "http://192.168.1.10:8080", "-secret-key", "k"},
		{"-target", "http://timd.example.com", "-secret-key", "k"},
		{"-pgx-dsn", "postgres://u:p@10.0.0.5/db"},
		{"-server-env", "TIMD_POSTGRES_DSN=host=db.internal dbname=x"},
	} {
		_, err := parseFlags(args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("parseFlags(%q): %v, want a loopback error", args, err)
		}
	}
	o, err := parseFlags([]string{"-target", "http://127.0.0.1:8080", "-secret-key", "k", "-rate", "500"}, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags: %v", err)
	}
	if o.loadLabel() != "rate=500/s" || o.httpConns() != 512 {
		t.Errorf("load %q, conns %d; want rate=500/s, 512", o.loadLabel(), o.httpConns())
	}
}

func TestCeilingArg(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want ceilingArgs
		ok   bool
	}{
		{[]string{"-serve-ceiling", "127.0.0.1:0"}, ceilingArgs{addr: "127.0.0.1:0"}, true},
		{[]string{"-serve-ceiling=127.0.0.1:9"}, ceilingArgs{addr: "127.0.0.1:9"}, true},
		{[]string{"-serve-ceiling", "127.0.0.1:0", "/tmp/a.json"}, ceilingArgs{addr: "127.0.0.1:0", answerFile: "/tmp/a.json"}, true},
		{[]string{"-serve-ceiling=127.0.0.1:9", "/tmp/a.json"}, ceilingArgs{addr: "127.0.0.1:9", answerFile: "/tmp/a.json"}, true},
		{[]string{"-serve-ceiling"}, ceilingArgs{}, false},
		{[]string{"-serve-ceiling", "a", "b", "c"}, ceilingArgs{}, false},
		{[]string{"-c", "8"}, ceilingArgs{}, false},
		{nil, ceilingArgs{}, false},
	} {
		got, ok := ceilingArg(tc.args)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ceilingArg(%q) = %+v, %v; want %+v, %v", tc.args, got, ok, tc.want, tc.ok)
		}
	}
}

func TestTimdConfigDisablesRateLimits(t *testing.T) {
	data, err := timdConfig(1400000000, "administrator")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"default": 0`, `"multiaccount_import": 0`, `"sdkappid": 1400000000`, `"send_rate": 0`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("config %s: no %s", data, want)
		}
	}
}

// TestTimdConfigLoads checks the spawned timd's config file against internal/config, so
// a change of the file format shows here rather than as 60007 in a benchmark.
func TestTimdConfigLoads(t *testing.T) {
	data, err := timdConfig(1400000000, "administrator")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "timd.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TIMD_CONFIG": path, "TIMD_SECRET_KEY": "k", "TIMD_MEMBER_FIELDS": "F1,F2,F3"}
	cfg, err := config.Load(flag.NewFlagSet("timd", flag.ContinueOnError), nil, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	app := cfg.Apps[0]
	for _, cmd := range []string{"modify_group_member_info", "multiaccount_import", "account_check", "get_group_member_info"} {
		if r := app.RateLimits.For(cmd); r != 0 {
			t.Errorf("rate of %s = %v, want 0 (off)", cmd, r)
		}
	}
	if app.Messages.SendRate != 0 {
		t.Errorf("per-group send rate = %d, want 0 (off): sends over it are dropped with MsgFreqCtrl", app.Messages.SendRate)
	}
	if app.SecretKey != "k" || len(app.MemberFields) != 3 {
		t.Errorf("first app: key %q, member fields %v; want the environment's", app.SecretKey, app.MemberFields)
	}
}

func TestRedactedCommand(t *testing.T) {
	got := redactedCommand([]string{"-secret-key", "s3cret", "-pgx-dsn", "postgres://u:pw1@127.0.0.1/db",
		"-server-env", "TIMD_POSTGRES_DSN=host=127.0.0.1 password=pw2", "-secret-key=s4", "-c", "8"})
	for _, secret := range []string{"s3cret", "pw1", "pw2", "s4"} {
		if strings.Contains(got, secret) {
			t.Errorf("redactedCommand: %q still shows %q", got, secret)
		}
	}
	if !strings.Contains(got, "-c 8") || !strings.Contains(got, "postgres://u:REDACTED@127.0.0.1/db") {
		t.Errorf("redactedCommand: %q lost the rest of the command", got)
	}
}

func TestMessageFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		bad  string
	}{
		{[]string{"-scenario", "send", "-groups", "10", "-send-groups", "1"}, ""},
		{[]string{"-scenario", "send", "-groups", "10", "-send-groups", "11"}, "-send-groups"},
		{[]string{"-scenario", "history", "-history-messages", "100000"}, ""},
		{[]string{"-scenario", "history", "-history-messages", "19"}, "-history-messages"},
	} {
		o, err := parseFlags(tc.args, io.Discard)
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("parseFlags(%q): %v", tc.args, err)
		case tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)):
			t.Errorf("parseFlags(%q): %v, want an error about %s", tc.args, err, tc.bad)
		case err == nil && o.scenario == "send" && o.params()["send-groups"] != "1":
			t.Errorf("parseFlags(%q): params %v, want send-groups=1", tc.args, o.params())
		}
	}
}
