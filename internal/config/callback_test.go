package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/webhook"
)

func TestCallbackFile(t *testing.T) {
	file := MustWriteFile(t, `{"apps": [{"sdkappid": 1400000001, "callback": {
		"url": "https://app.example.com/cb?x=1", "token": "xxxxyyyy",
		"commands": ["Group.CallbackAfterMemberFieldChanged", "Group.CallbackBeforeCreateGroup"],
		"timeout": "500ms", "deny_on_failure": true, "give_up_after": "1h",
		"retry_min": "100ms", "retry_max": "30s", "concurrency": 3}}]}`)
	c := MustLoad(t, []string{"-config", file}, nil)
	want := webhook.Config{
		URL: "https://app.example.com/cb?x=1", Token: "xxxxyyyy",
		Commands: []string{webhook.AfterMemberFieldChanged, webhook.BeforeCreateGroup},
		Timeout:  500 * time.Millisecond, DenyOnFailure: true, GiveUpAfter: time.Hour,
		RetryMin: 100 * time.Millisecond, RetryMax: 30 * time.Second, Concurrency: 3,
	}
	if diff := cmp.Diff(want, c.Apps[0].Callback); diff != "" {
		t.Errorf("callback mismatch (-want +got):\n%s", diff)
	}

	t.Run("absent keys keep their defaults", func(t *testing.T) {
		file := MustWriteFile(t, `{"apps": [{"sdkappid": 1400000001, "callback": {"url": "http://127.0.0.1:9/cb"}}]}`)
		c := MustLoad(t, []string{"-config", file}, nil)
		want := webhook.Config{URL: "http://127.0.0.1:9/cb"}.WithDefaults()
		if diff := cmp.Diff(want, c.Apps[0].Callback); diff != "" {
			t.Errorf("callback mismatch (-want +got):\n%s", diff)
		}
		if want.Timeout != 2*time.Second || want.GiveUpAfter != 24*time.Hour || want.RetryMin != time.Second ||
			want.RetryMax != 5*time.Minute || want.Concurrency != 8 || want.DenyOnFailure {
			t.Errorf("defaults: got %+v, want timeout 2s, give up after 24h, retry 1s..5m, concurrency 8, allow on failure", want)
		}
	})
}

func TestCallbackEnvAndFlags(t *testing.T) {
	env := map[string]string{"TIMD_CALLBACK_URL": "http://127.0.0.1:9000/cb", "TIMD_CALLBACK_TOKEN": "tok"}
	c := MustLoad(t, nil, env)
	if got := c.Apps[0].Callback; got.URL != "http://127.0.0.1:9000/cb" || got.Token != "tok" {
		t.Errorf("env: got URL %q token %q, want the env's", got.URL, got.Token)
	}

	t.Run("env overrides the file's first app", func(t *testing.T) {
		file := MustWriteFile(t, `{"apps": [{"sdkappid": 1400000001, "callback": {"url": "http://file/cb", "token": "f", "retry_min": "10ms"}},
			{"sdkappid": 1400000002, "callback": {"url": "http://second/cb"}}]}`)
		c := MustLoad(t, []string{"-config", file}, env)
		first, second := c.Apps[0].Callback, c.Apps[1].Callback
		if first.URL != env["TIMD_CALLBACK_URL"] || first.Token != "tok" || first.RetryMin != 10*time.Millisecond {
			t.Errorf("first app: got %+v, want the env's URL and token over the file's other keys", first)
		}
		if second.URL != "http://second/cb" || second.Token != "" {
			t.Errorf("second app: got %+v, want the file's", second)
		}
	})
	t.Run("flags", func(t *testing.T) {
		c := MustLoad(t, []string{"-callback-url", "https://x/cb", "-callback-token", "ft"}, env)
		if got := c.Apps[0].Callback; got.URL != "https://x/cb" || got.Token != "ft" {
			t.Errorf("flags: got URL %q token %q, want the flags'", got.URL, got.Token)
		}
	})
}

func TestCallbackValidate(t *testing.T) {
	tests := []struct {
		name string
		cb   webhook.Config
		want string
	}{
		{"not a URL", webhook.Config{URL: "example.com/cb"}, "apps[0].callback.url"},
		{"ftp URL", webhook.Config{URL: "ftp://example.com/cb"}, "apps[0].callback.url"},
		{"negative timeout", webhook.Config{URL: "http://h/cb", Timeout: -time.Second}, "apps[0].callback.timeout"},
		{"negative give up", webhook.Config{URL: "http://h/cb", GiveUpAfter: -time.Second}, "apps[0].callback.give_up_after"},
		{"retry max below min", webhook.Config{URL: "http://h/cb", RetryMin: time.Minute, RetryMax: time.Second}, "apps[0].callback.retry_max"},
		{"negative concurrency", webhook.Config{URL: "http://h/cb", Concurrency: -1}, "apps[0].callback.concurrency"},
		{"misspelt command", webhook.Config{URL: "http://h/cb", Commands: []string{webhook.AfterCreateGroup, "Group.CallbackAfterCreatGroup"}},
			`apps[0].callback.commands[1]: "Group.CallbackAfterCreatGroup"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.Apps[0].Callback = tt.cb
			wantErr(t, c.Validate(), tt.want)
		})
	}
	t.Run("no URL, nothing to check", func(t *testing.T) {
		c := Default()
		c.Apps[0].Callback = webhook.Config{Commands: []string{"whatever"}}
		if err := c.Validate(); err != nil {
			t.Errorf("Validate() = %v, want nil", err)
		}
	})
	t.Run("bad duration in the file", func(t *testing.T) {
		file := MustWriteFile(t, `{"apps": [{"sdkappid": 1, "callback": {"url": "http://h/cb", "retry_max": "5"}}]}`)
		_, err := load(t, []string{"-config", file}, nil)
		wantErr(t, err, "callback.retry_max", file)
	})
	t.Run("the token stays secret", func(t *testing.T) {
		c := Default()
		c.Apps[0].Callback = webhook.Config{URL: "nope", Token: "hunter2"}
		if err := c.Validate(); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Validate() = %v, want an error that does not show the token", err)
		}
	})
}
