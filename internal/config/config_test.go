package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/internal/im"
)

// load runs Load with a fresh flag set and env as the environment.
func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("timd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, mapEnv(env))
}

// MustLoad is load that fails the test on an error.
func MustLoad(t *testing.T, args []string, env map[string]string) Config {
	t.Helper()
	c, err := load(t, args, env)
	if err != nil {
		t.Fatalf("Load(%q): %v", args, err)
	}
	return c
}

func mapEnv(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

// MustWriteFile writes content to a new file in a temporary directory and returns its path.
func MustWriteFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "timd.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantErr fails the test unless err is non-nil and its message contains every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	for _, part := range parts {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("got error %q, want it to contain %q", err, part)
		}
	}
}

func TestDefault(t *testing.T) {
	c := Default()
	want := Config{
		Listen:           "127.0.0.1:8080",
		DataDir:          "./timd-data",
		LogLevel:         "info",
		ShutdownTimeout:  10 * time.Second,
		PostgresMaxConns: 32,
		Apps: []App{{
			SDKAppID: 1400000000,
			Admins:   []string{"administrator"},
			Limits:   im.DefaultLimits(),
			RateLimits: RateLimits{Default: 200, Commands: map[string]float64{
				"multiaccount_import": 100, "account_check": 100, "account_delete": 100,
			}},
			Messages: im.MessageSettings{SendRate: 40, Retention: 7 * 24 * 3600, Tips: true, BroadcastRate: 1},
			Features: im.Features{GroupCounters: true, AVChatRoomBan: true, Broadcast: true, MemberOnlineStatus: true, Topics: true, ReadReceipts: true},
		}},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Default() mismatch (-want +got):\n%s", diff)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v, want nil", err)
	}
	if diff := cmp.Diff(want, MustLoad(t, nil, nil)); diff != "" {
		t.Errorf("Load with nothing set mismatch (-want +got):\n%s", diff)
	}
}

func TestEnv(t *testing.T) {
	tests := []struct {
		name, value string
		want        func(c *Config)
	}{
		{"TIMD_LISTEN", ":9000", func(c *Config) { c.Listen = ":9000" }},
		{"TIMD_DATA", "/srv/timd", func(c *Config) { c.DataDir = "/srv/timd" }},
		{"TIMD_POSTGRES_DSN", "postgres://u:p@db/timd", func(c *Config) { c.PostgresDSN = "postgres://u:p@db/timd" }},
		{"TIMD_POSTGRES_MAX_CONNS", "8", func(c *Config) { c.PostgresMaxConns = 8 }},
		{"TIMD_POSTGRES_MIN_CONNS", "2", func(c *Config) { c.PostgresMinConns = 2 }},
		{"TIMD_LOG_LEVEL", "debug", func(c *Config) { c.LogLevel = "debug" }},
		{"TIMD_SHUTDOWN_TIMEOUT", "1m30s", func(c *Config) { c.ShutdownTimeout = 90 * time.Second }},
		{"TIMD_DEV", "1", func(c *Config) { c.Dev = true }},
		{"TIMD_DEV", "true", func(c *Config) { c.Dev = true }},
		{"TIMD_DEV", "0", func(c *Config) {}},
		{"TIMD_STRICT", "1", func(c *Config) { c.Strict = true }},
		{"TIMD_SEED", "fixtures.json", func(c *Config) { c.Seed = "fixtures.json" }},
		{"TIMD_SDKAPPID", "1400000042", func(c *Config) { c.Apps[0].SDKAppID = 1400000042 }},
		{"TIMD_SECRET_KEY", "s3cr3t", func(c *Config) { c.Apps[0].SecretKey, c.Apps[0].KeySource = "s3cr3t", "TIMD_SECRET_KEY" }},
		{"TIMD_ADMINS", " root, ,ops ,", func(c *Config) { c.Apps[0].Admins = []string{"root", "ops"} }},
		{"TIMD_MEMBER_FIELDS", "Level,Team", func(c *Config) { c.Apps[0].MemberFields = []string{"Level", "Team"} }},
		{"TIMD_GROUP_FIELDS", "Topic", func(c *Config) { c.Apps[0].GroupFields = []string{"Topic"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			env := map[string]string{tt.name: tt.value}
			want := Default()
			tt.want(&want)
			if diff := cmp.Diff(want, MustLoad(t, nil, env)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("TIMD_TLS_CERT+TIMD_TLS_KEY", func(t *testing.T) {
		c := MustLoad(t, nil, map[string]string{"TIMD_TLS_CERT": "c.pem", "TIMD_TLS_KEY": "k.pem"})
		if c.TLSCert != "c.pem" || c.TLSKey != "k.pem" {
			t.Errorf("got TLSCert %q, TLSKey %q, want c.pem, k.pem", c.TLSCert, c.TLSKey)
		}
	})
}

func TestEnvEmptyIsUnset(t *testing.T) {
	env := map[string]string{"TIMD_LISTEN": "", "TIMD_SDKAPPID": "", "TIMD_DEV": "", "TIMD_ADMINS": ""}
	if diff := cmp.Diff(Default(), MustLoad(t, nil, env)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestFlags(t *testing.T) {
	args := []string{
		"-listen", ":1", "-data", "d", "-postgres-dsn", "postgres://db", "-log-level", "error",
		"-postgres-max-conns", "100", "-postgres-min-conns", "10",
		"-shutdown-timeout", "2s", "-dev", "-tls-cert", "c.pem", "-tls-key", "k.pem",
		"-sdkappid", "7", "-secret-key", "k", "-admins", "a,b", "-member-fields", "M",
		"-group-fields", "G1, G2", "-strict", "-seed", "f.json",
	}
	want := Default()
	want.Listen, want.DataDir, want.PostgresDSN, want.LogLevel = ":1", "d", "postgres://db", "error"
	want.PostgresMaxConns, want.PostgresMinConns = 100, 10
	want.ShutdownTimeout, want.Dev, want.TLSCert, want.TLSKey = 2*time.Second, true, "c.pem", "k.pem"
	want.Strict, want.Seed = true, "f.json"
	a := &want.Apps[0]
	a.SDKAppID, a.SecretKey, a.KeySource, a.Admins = 7, "k", "-secret-key", []string{"a", "b"}
	a.MemberFields, a.GroupFields = []string{"M"}, []string{"G1", "G2"}
	if diff := cmp.Diff(want, MustLoad(t, args, nil)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestPrecedence(t *testing.T) {
	file := MustWriteFile(t, `{
		"listen": "127.0.0.1:1001", "log_level": "warn", "shutdown_timeout": "1s", "dev": true,
		"apps": [{"sdkappid": 1400000001, "admins": ["file"]}, {"sdkappid": 1400000002}]
	}`)
	env := map[string]string{
		"TIMD_CONFIG": file, "TIMD_LISTEN": "127.0.0.1:1002", "TIMD_LOG_LEVEL": "error",
		"TIMD_SHUTDOWN_TIMEOUT": "2s", "TIMD_DEV": "false", "TIMD_SDKAPPID": "1400000003",
		"TIMD_ADMINS": "env1, env2",
	}
	flags := []string{
		"-listen", "127.0.0.1:1003", "-log-level", "debug", "-shutdown-timeout", "3s",
		"-dev=true", "-sdkappid", "1400000004", "-admins", "flag",
	}
	type view struct {
		Listen, LogLevel string
		Timeout          time.Duration
		Dev              bool
		SDKAppID         uint64
		Admins           []string
		Apps             int
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want view
	}{
		{"defaults", nil, nil,
			view{"127.0.0.1:8080", "info", 10 * time.Second, false, 1400000000, []string{"administrator"}, 1}},
		{"file beats defaults", nil, map[string]string{"TIMD_CONFIG": file},
			view{"127.0.0.1:1001", "warn", time.Second, true, 1400000001, []string{"file"}, 2}},
		{"env beats file", nil, env,
			view{"127.0.0.1:1002", "error", 2 * time.Second, false, 1400000003, []string{"env1", "env2"}, 2}},
		{"flags beat env", flags, env,
			view{"127.0.0.1:1003", "debug", 3 * time.Second, true, 1400000004, []string{"flag"}, 2}},
		{"flags beat file", append([]string{"-config", file}, flags...), nil,
			view{"127.0.0.1:1003", "debug", 3 * time.Second, true, 1400000004, []string{"flag"}, 2}},
		{"flags beat defaults", flags, nil,
			view{"127.0.0.1:1003", "debug", 3 * time.Second, true, 1400000004, []string{"flag"}, 1}},
		{"flags not given keep env", []string{"-listen", "127.0.0.1:1003"}, env,
			view{"127.0.0.1:1003", "error", 2 * time.Second, false, 1400000003, []string{"env1", "env2"}, 2}},
		{"-config beats TIMD_CONFIG", []string{"-config", file}, map[string]string{"TIMD_CONFIG": "/nonexistent.json"},
			view{"127.0.0.1:1001", "warn", time.Second, true, 1400000001, []string{"file"}, 2}},
		{"-dev=false beats TIMD_DEV", []string{"-dev=false"}, map[string]string{"TIMD_DEV": "1"},
			view{"127.0.0.1:8080", "info", 10 * time.Second, false, 1400000000, []string{"administrator"}, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := MustLoad(t, tt.args, tt.env)
			got := view{c.Listen, c.LogLevel, c.ShutdownTimeout, c.Dev, c.Apps[0].SDKAppID, c.Apps[0].Admins, len(c.Apps)}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExampleFile(t *testing.T) {
	c := MustLoad(t, []string{"-config", filepath.Join("testdata", "example.json")}, nil)

	want := Default()
	want.File = filepath.Join("testdata", "example.json")
	want.Listen, want.DataDir, want.LogLevel = "0.0.0.0:9443", "/var/lib/timd", "warn"
	want.ShutdownTimeout, want.TLSCert, want.TLSKey = 30*time.Second, "/etc/timd/cert.pem", "/etc/timd/key.pem"
	want.PostgresMaxConns, want.PostgresMinConns = 64, 4
	first := newApp(1400000001)
	first.SecretKey = "5f0a8c1e9b7d4f3a2c6e8b0d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a"
	first.KeySource = "apps[0].secret_key in " + want.File
	first.Admins = []string{"administrator", "ops"}
	first.MemberFields, first.GroupFields = []string{"Level", "Team"}, []string{"Topic"}
	first.ProfileFields = []string{"Test", "Rank_2"}
	first.RateLimits = RateLimits{Default: 500, Commands: map[string]float64{
		"modify_group_member_info": 1000, "account_check": 0, "account_delete": 100, "multiaccount_import": 100,
	}}
	first.Limits.NameCardMax, first.Limits.AdminsPerGroup = 60, 10
	first.Limits.ResponseMax, first.Limits.BodyMax = 2<<20, 2<<20
	first.Limits.GroupAttrWriteRate = 10
	first.Limits.MaxMembers[im.TypePrivate] = 500
	first.Limits.MaxMembers[im.TypeCommunity] = 200000
	first.Messages = im.MessageSettings{SendRate: 100, Retention: 30 * 24 * 3600, Tips: false, BroadcastRate: 5}
	first.Features.GroupCounters = false
	second := newApp(1400000002)
	second.Admins = []string{"admin2"}
	want.Apps = []App{first, second}

	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("example.json mismatch (-want +got):\n%s", diff)
	}
}

// TestMessagesFile checks the messages settings of a config file and their errors.
func TestMessagesFile(t *testing.T) {
	for _, tc := range []struct {
		json, err string
	}{
		{`{"send_rate":-1}`, "messages.send_rate -1 is negative"},
		{`{"retention_days":-2}`, "messages.retention_days -2 is negative"},
		{`{"broadcast_rate":-1}`, "messages.broadcast_rate -1 is negative"},
		{`{"send_rate":"x"}`, "send_rate"},
	} {
		path := filepath.Join(t.TempDir(), "timd.json")
		if err := os.WriteFile(path, []byte(`{"apps":[{"sdkappid":1400000000,"messages":`+tc.json+`}]}`), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := load(t, []string{"-config", path}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("messages %s: got %v, want an error containing %q", tc.json, err, tc.err)
		}
	}
}

// TestFeaturesFile checks the features of a config file: each on by default, turned off
// by false, and an unknown feature an error naming it.
func TestFeaturesFile(t *testing.T) {
	path := MustWriteFile(t, `{"apps":[{"sdkappid":1,"features":{"group_counters":false,"avchatroom_ban":false,`+
		`"broadcast":false,"member_online_status":false,"topics":false,"read_receipts":false}},{"sdkappid":2,"features":{}}]}`)
	c := MustLoad(t, []string{"-config", path}, nil)
	if want := (im.Features{}); c.Apps[0].Features != want {
		t.Errorf("features turned off: got %+v, want %+v", c.Apps[0].Features, want)
	}
	if want := im.DefaultFeatures(); c.Apps[1].Features != want {
		t.Errorf("features: got %+v, want %+v", c.Apps[1].Features, want)
	}
	if d := c.Apps[1].Domain().Features; d != im.DefaultFeatures() {
		t.Errorf("Domain().Features of an app without features: got %+v, want every one on", d)
	}
	path = MustWriteFile(t, `{"apps":[{"sdkappid":1,"features":{"group_counter":false}}]}`)
	if _, err := load(t, []string{"-config", path}, nil); err == nil || !strings.Contains(err.Error(), "group_counter") {
		t.Errorf("an unknown feature: got %v, want an error naming it", err)
	}
}

// TestDocExample checks that the config file example in the package doc loads.
func TestDocExample(t *testing.T) {
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(src), "// # Config file")
	var example []string
	for line := range strings.Lines(after) {
		if text, ok := strings.CutPrefix(line, "//\t"); ok {
			example = append(example, text)
			if text == "}\n" {
				break
			}
		}
	}
	if len(example) < 2 || example[0] != "{\n" || example[len(example)-1] != "}\n" {
		t.Fatalf("found no {...} example in the package doc; got %q", example)
	}
	c := MustLoad(t, []string{"-config", MustWriteFile(t, strings.Join(example, ""))}, nil)
	if got := c.Apps[0].RateLimits.For("modify_group_member_info"); got != 1000 {
		t.Errorf("modify_group_member_info rate: got %v, want 1000", got)
	}
}

// TestEveryLimitSettable checks that the file sets every im.Limits field by its snake_case
// name, and that Validate's list of limits misses none.
func TestEveryLimitSettable(t *testing.T) {
	def := im.DefaultLimits()
	limits := positiveLimits(&def)
	if got, want := len(limits)+3, reflect.TypeFor[im.Limits]().NumField(); got != want {
		t.Fatalf("positiveLimits + admins_per_group + group_attr_write_rate + max_members cover %d fields of im.Limits, want %d", got, want)
	}
	var keys []string
	for _, l := range limits {
		keys = append(keys, fmt.Sprintf("%q: %d", l.name, l.value+1))
	}
	keys = append(keys, `"admins_per_group": 3`, `"group_attr_write_rate": 7`, `"max_members": {"AVChatRoom": 9}`)
	file := MustWriteFile(t, `{"apps": [{"sdkappid": 1, "limits": {`+strings.Join(keys, ", ")+`}}]}`)

	got := MustLoad(t, []string{"-config", file}, nil).Apps[0].Limits
	for i, l := range positiveLimits(&got) {
		if l.value != limits[i].value+1 {
			t.Errorf("%s: got %d, want %d", l.name, l.value, limits[i].value+1)
		}
	}
	if got.AdminsPerGroup != 3 {
		t.Errorf("admins_per_group: got %d, want 3", got.AdminsPerGroup)
	}
	if got.GroupAttrWriteRate != 7 {
		t.Errorf("group_attr_write_rate: got %d, want 7", got.GroupAttrWriteRate)
	}
	if got.MaxMembers[im.TypeAVChatRoom] != 9 || got.MaxMembers[im.TypePublic] != 2000 {
		t.Errorf("max_members: got %v, want AVChatRoom 9 and Public still 2000", got.MaxMembers)
	}
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name, content string
		want          []string
	}{
		{"unknown top-level field", `{"lisen": ":1"}`, []string{`"lisen"`}},
		{"unknown app field", `{"apps": [{"sdkappid": 1, "admin": ["x"]}]}`, []string{`"admin"`}},
		{"unknown limit", `{"apps": [{"sdkappid": 1, "limits": {"name_card": 5}}]}`, []string{`"name_card"`}},
		{"unknown rate field", `{"apps": [{"sdkappid": 1, "rate_limits": {"defualt": 5}}]}`, []string{`"defualt"`}},
		{"wrong type", `{"apps": [{"sdkappid": "1"}]}`, []string{"sdkappid"}},
		{"bad duration", `{"shutdown_timeout": "10"}`, []string{"shutdown_timeout"}},
		{"numeric duration", `{"shutdown_timeout": 10}`, []string{"shutdown_timeout"}},
		{"max conns not a number", `{"postgres_max_conns": "32"}`, []string{"postgres_max_conns"}},
		{"unknown group type", `{"apps": [{"sdkappid": 1, "limits": {"max_members": {"Huge": 1}}}]}`,
			[]string{"apps[0].limits.max_members", `"Huge"`}},
		{"group type twice", `{"apps": [{"sdkappid": 1}, {"sdkappid": 2, "limits": {"max_members": {"Work": 1, "Private": 2}}}]}`,
			[]string{"apps[1].limits.max_members", "Work", "Private"}},
		{"empty apps", `{"apps": []}`, []string{"apps"}},
		{"trailing data", `{"listen": ":1"} {}`, []string{"after the top-level"}},
		{"not JSON", `listen = ":1"`, []string{"invalid character"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := MustWriteFile(t, tt.content)
			_, err := load(t, []string{"-config", file}, nil)
			wantErr(t, err, append(tt.want, file)...)
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := load(t, nil, map[string]string{"TIMD_CONFIG": "/nonexistent/timd.json"})
		wantErr(t, err, "/nonexistent/timd.json")
	})
}

func TestMalformedValues(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"env sdkappid", nil, map[string]string{"TIMD_SDKAPPID": "abc"}, "TIMD_SDKAPPID"},
		{"env negative sdkappid", nil, map[string]string{"TIMD_SDKAPPID": "-1"}, "TIMD_SDKAPPID"},
		{"env duration", nil, map[string]string{"TIMD_SHUTDOWN_TIMEOUT": "10"}, "TIMD_SHUTDOWN_TIMEOUT"},
		{"env dev", nil, map[string]string{"TIMD_DEV": "maybe"}, "TIMD_DEV"},
		{"env max conns", nil, map[string]string{"TIMD_POSTGRES_MAX_CONNS": "many"}, "TIMD_POSTGRES_MAX_CONNS"},
		{"env min conns", nil, map[string]string{"TIMD_POSTGRES_MIN_CONNS": "1.5"}, "TIMD_POSTGRES_MIN_CONNS"},
		{"flag max conns", []string{"-postgres-max-conns", "x"}, nil, "-postgres-max-conns"},
		{"flag sdkappid", []string{"-sdkappid", "abc"}, nil, "-sdkappid"},
		{"flag duration", []string{"-shutdown-timeout", "soon"}, nil, "-shutdown-timeout"},
		{"flag dev", []string{"-dev=maybe"}, nil, "-dev"},
		{"unknown flag", []string{"-lisen", ":1"}, nil, "lisen"},
		{"valid value, invalid config", nil, map[string]string{"TIMD_LOG_LEVEL": "loud"}, "log_level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.args, tt.env)
			wantErr(t, err, tt.want)
		})
	}
}

func TestLoadLeavesRoomForOtherFlags(t *testing.T) {
	fs := flag.NewFlagSet("timd serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	verbose := fs.Bool("verbose", false, "extra logging")
	c, err := Load(fs, []string{"-verbose", "-listen", ":9", "extra"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !*verbose || c.Listen != ":9" {
		t.Errorf("got verbose %v, Listen %q; want true, \":9\"", *verbose, c.Listen)
	}
	if diff := cmp.Diff([]string{"extra"}, fs.Args()); diff != "" {
		t.Errorf("fs.Args() mismatch (-want +got):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string
	}{
		{"listen empty", func(c *Config) { c.Listen = "" }, "config: listen:"},
		{"listen without port", func(c *Config) { c.Listen = "localhost" }, "config: listen:"},
		{"listen port too big", func(c *Config) { c.Listen = ":65536" }, "config: listen:"},
		{"listen named port", func(c *Config) { c.Listen = ":http" }, "config: listen:"},
		{"data empty", func(c *Config) { c.DataDir = "" }, "config: data:"},
		{"log level", func(c *Config) { c.LogLevel = "INFO" }, "config: log_level:"},
		{"shutdown timeout", func(c *Config) { c.ShutdownTimeout = 0 }, "config: shutdown_timeout:"},
		{"tls cert only", func(c *Config) { c.TLSCert = "c.pem" }, "tls_key"},
		{"tls key only", func(c *Config) { c.TLSKey = "k.pem" }, "tls_cert"},
		{"postgres max conns zero", func(c *Config) { c.PostgresMaxConns = 0 }, "config: postgres_max_conns:"},
		{"postgres max conns over int32", func(c *Config) { c.PostgresMaxConns = 1 << 31 }, "config: postgres_max_conns:"},
		{"postgres min conns negative", func(c *Config) { c.PostgresMinConns = -1 }, "config: postgres_min_conns:"},
		{"postgres min conns over max", func(c *Config) { c.PostgresMaxConns, c.PostgresMinConns = 4, 5 },
			"config: postgres_min_conns:"},
		{"no apps", func(c *Config) { c.Apps = nil }, "config: apps:"},
		{"sdkappid zero", func(c *Config) { c.Apps = append(c.Apps, newApp(0)) },
			"config: apps[1].sdkappid: 0 is not a valid SDKAppID"},
		{"sdkappid repeated", func(c *Config) { c.Apps = append(c.Apps, newApp(devSDKAppID)) },
			"config: apps[1].sdkappid:"},
		{"no admins", func(c *Config) { c.Apps[0].Admins = nil }, "config: apps[0].admins:"},
		{"admin empty", func(c *Config) { c.Apps[0].Admins = []string{"a", ""} }, "config: apps[0].admins[1]:"},
		{"admin too long", func(c *Config) { c.Apps[0].Admins = []string{strings.Repeat("a", 33)} }, "config: apps[0].admins[0]:"},
		{"admin not printable", func(c *Config) { c.Apps[0].Admins = []string{"adm\tin"} }, "config: apps[0].admins[0]:"},
		{"admin not ASCII", func(c *Config) { c.Apps[0].Admins = []string{"ädmin"} }, "config: apps[0].admins[0]:"},
		{"member field key", func(c *Config) { c.Apps[0].MemberFields = []string{"Le-vel"} }, "config: apps[0].member_fields[0]:"},
		{"member field key too long", func(c *Config) { c.Apps[0].MemberFields = []string{strings.Repeat("K", 17)} },
			"config: apps[0].member_fields[0]:"},
		{"member field repeated", func(c *Config) { c.Apps[0].MemberFields = []string{"A", "A"} }, "config: apps[0].member_fields[1]:"},
		{"too many member fields", func(c *Config) { c.Apps[0].MemberFields = []string{"A", "B", "C", "D", "E", "F"} },
			"config: apps[0].member_fields:"},
		{"group field key empty", func(c *Config) { c.Apps[0].GroupFields = []string{""} }, "config: apps[0].group_fields[0]:"},
		{"too many group fields", func(c *Config) { c.Apps[0].Limits.GroupFieldsMax = 1; c.Apps[0].GroupFields = []string{"A", "B"} },
			"config: apps[0].group_fields:"},
		{"limit zero", func(c *Config) { c.Apps[0].Limits.NameCardMax = 0 }, "config: apps[0].limits.name_card_max:"},
		{"limit negative", func(c *Config) { c.Apps[0].Limits.BodyMax = -1 }, "config: apps[0].limits.body_max:"},
		{"admins per group negative", func(c *Config) { c.Apps[0].Limits.AdminsPerGroup = -1 },
			"config: apps[0].limits.admins_per_group:"},
		{"profile field keyword of 9 bytes", func(c *Config) { c.Apps[0].ProfileFields = []string{"Abcdefghi"} },
			"config: apps[0].profile_fields[0]:"},
		{"profile field repeated", func(c *Config) { c.Apps[0].ProfileFields = []string{"Test", "Test"} },
			"config: apps[0].profile_fields[1]:"},
		{"attribute write rate negative", func(c *Config) { c.Apps[0].Limits.GroupAttrWriteRate = -1 },
			"config: apps[0].limits.group_attr_write_rate:"},
		{"max members negative", func(c *Config) { c.Apps[0].Limits.MaxMembers[im.TypePublic] = -1 },
			"config: apps[0].limits.max_members.Public:"},
		{"max members unknown type", func(c *Config) { c.Apps[0].Limits.MaxMembers["Work"] = 1 },
			"config: apps[0].limits.max_members:"},
		{"default rate negative", func(c *Config) { c.Apps[0].RateLimits.Default = -1 }, "config: apps[0].rate_limits.default:"},
		{"command rate negative", func(c *Config) { c.Apps[0].RateLimits.Commands["account_check"] = -5 },
			"config: apps[0].rate_limits.commands.account_check:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c)
			wantErr(t, c.Validate(), tt.want)
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	c := Default()
	c.Listen = ":0"
	c.TLSCert, c.TLSKey = "c.pem", "k.pem"
	c.Apps[0].MemberFields = []string{"Level", "A_1", "x"}
	c.Apps[0].Limits.AdminsPerGroup = 0
	c.Apps[0].RateLimits.Default = 0
	c.Apps = append(c.Apps, newApp(1400000001))
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
}

func TestValidateReportsAllWithoutSecrets(t *testing.T) {
	c := Default()
	c.PostgresDSN = "postgres://user:hunter2@db/timd"
	c.Apps[0].SecretKey = "hunter2"
	c.Listen, c.LogLevel = "", "loud"
	err := c.Validate()
	wantErr(t, err, "listen", "log_level")
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q reveals a secret", err)
	}
}

func TestRateLimitsFor(t *testing.T) {
	r := DefaultRateLimits()
	r.Commands["modify_group_member_info"] = 0
	tests := []struct {
		command string
		want    float64
	}{
		{"account_check", 100},
		{"multiaccount_import", 100},
		{"account_delete", 100},
		{"create_group", 200},
		{"modify_group_member_info", 0},
	}
	for _, tt := range tests {
		if got := r.For(tt.command); got != tt.want {
			t.Errorf("For(%q) = %v, want %v", tt.command, got, tt.want)
		}
	}
}

func TestDomain(t *testing.T) {
	a := newApp(42)
	a.SecretKey = "k"
	a.MemberFields, a.GroupFields, a.ProfileFields = []string{"Level"}, []string{"Topic"}, []string{"Test"}
	d := a.Domain()
	want := &im.App{SDKAppID: 42, Admins: []string{"administrator"}, MemberFields: []string{"Level"}, ProfileFields: []string{"Test"},
		GroupFields: []string{"Topic"}, Limits: im.DefaultLimits(), Messages: im.DefaultMessageSettings(),
		Features: im.DefaultFeatures()}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("Domain() mismatch (-want +got):\n%s", diff)
	}
	d.Admins[0], d.MemberFields[0], d.Limits.MaxMembers[im.TypePrivate] = "x", "x", 1
	if a.Admins[0] != "administrator" || a.MemberFields[0] != "Level" || a.Limits.MaxMembers[im.TypePrivate] != 200 {
		t.Errorf("changing the Domain() result changed the App")
	}
}

func TestUsageError(t *testing.T) {
	for _, args := range [][]string{{"-lisen", ":1"}, {"-sdkappid", "x"}, {"-h"}} {
		_, err := load(t, args, nil)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("Load(%q): got %v, want a *UsageError", args, err)
		}
	}
	_, err := load(t, []string{"-h"}, nil)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("Load(-h): got %v, want flag.ErrHelp", err)
	}
	_, err = load(t, nil, map[string]string{"TIMD_SDKAPPID": "x"})
	var ue *UsageError
	if err == nil || errors.As(err, &ue) {
		t.Errorf("Load with a malformed TIMD_SDKAPPID: got %v, want an error that is no *UsageError", err)
	}
}

// TestStrictFile reads strict mode from the file: for every app, and for one app.
func TestStrictFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timd.json")
	if err := os.WriteFile(path, []byte(`{"strict":true,"apps":[{"sdkappid":1},{"sdkappid":2,"strict":true}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := MustLoad(t, []string{"-config", path}, nil)
	if !c.Strict || c.Apps[0].Strict || !c.Apps[1].Strict {
		t.Errorf("got Strict %v, apps[0] %v, apps[1] %v; want true, false, true", c.Strict, c.Apps[0].Strict, c.Apps[1].Strict)
	}
}
