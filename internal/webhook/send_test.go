package webhook_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/webhook"
)

const testApp = 1400000000

// answer returns a handler that answers every request with status and body.
func answer(status int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestPostQueryAndBody(t *testing.T) {
	rc := newReceiver(t, nil)
	at := time.Unix(1669872112, 0)
	s := webhook.NewSender(nil, fixedClock(at), nil)
	body := []byte(`{"CallbackCommand":"Group.CallbackAfterGroupFull","EventTime":1669872112000,"GroupId":"g1"}`)

	t.Run("without a token", func(t *testing.T) {
		cfg := webhook.Config{URL: rc.URL + "/cb"}
		if _, err := s.Post(context.Background(), cfg, testApp, webhook.AfterGroupFull, "203.0.113.9", body); err != nil {
			t.Fatalf("Post: %v", err)
		}
		h := rc.Hits()[len(rc.Hits())-1]
		want := map[string][]string{
			"SdkAppid": {"1400000000"}, "CallbackCommand": {webhook.AfterGroupFull}, "contenttype": {"json"},
			"ClientIP": {"203.0.113.9"}, "OptPlatform": {"RESTAPI"},
		}
		if diff := cmp.Diff(want, map[string][]string(h.Query)); diff != "" {
			t.Errorf("query mismatch (-want +got):\n%s", diff)
		}
		if h.Method != http.MethodPost || h.Path != "/cb" || h.ContentType != "application/json" {
			t.Errorf("got %s %s with Content-Type %q, want POST /cb with application/json", h.Method, h.Path, h.ContentType)
		}
		if string(h.Body) != string(body) {
			t.Errorf("body: got %s, want %s", h.Body, body)
		}
	})

	t.Run("with a token", func(t *testing.T) {
		cfg := webhook.Config{URL: rc.URL + "/cb?tenant=7", Token: "xxxxyyyy"}
		if _, err := s.Post(context.Background(), cfg, testApp, webhook.AfterGroupFull, "203.0.113.9", body); err != nil {
			t.Fatalf("Post: %v", err)
		}
		q := rc.Hits()[len(rc.Hits())-1].Query
		if got := q.Get("RequestTime"); got != "1669872112" {
			t.Errorf("RequestTime: got %q, want 1669872112 (the clock's unix seconds)", got)
		}
		sum := sha256.Sum256([]byte("xxxxyyyy" + q.Get("RequestTime")))
		if got, want := q.Get("Sign"), hex.EncodeToString(sum[:]); got != want {
			t.Errorf("Sign: got %q, want %q", got, want)
		}
		if got, want := q.Get("Sign"), "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"; got != want {
			t.Errorf("Sign: got %q, want the documented %q", got, want)
		}
		if got := q.Get("tenant"); got != "7" {
			t.Errorf("the configured URL's own query: got tenant=%q, want 7", got)
		}
		if len(q) != 8 {
			t.Errorf("query has %d keys, want 8: %v", len(q), q)
		}
	})
}

func TestPostFailures(t *testing.T) {
	s := webhook.NewSender(nil, nil, nil)
	tests := []struct {
		name   string
		handle func(int, http.ResponseWriter, *http.Request)
		want   string
	}{
		{"HTTP 500", answer(http.StatusInternalServerError, okAnswer), "HTTP 500"},
		{"not JSON", answer(http.StatusOK, "ok"), "not JSON"},
		{"timeout", hang, "deadline"},
		{"redirect", func(_ int, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}, "HTTP 302"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.handle)
			cfg := webhook.Config{URL: rc.URL, Token: "xxxxyyyy", Timeout: 200 * time.Millisecond}
			_, err := s.Post(context.Background(), cfg, testApp, webhook.AfterGroupFull, "ip", []byte(`{}`))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "Sign=") {
				t.Errorf("error %q shows the signed URL", err)
			}
			if n := len(rc.Hits()); n != 1 {
				t.Errorf("the receiver got %d requests, want 1", n)
			}
		})
	}
	t.Run("nobody listening", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		cfg := webhook.Config{URL: "http://" + addr + "/cb", Token: "xxxxyyyy"}
		_, err = s.Post(context.Background(), cfg, testApp, webhook.AfterGroupFull, "ip", []byte(`{}`))
		if err == nil {
			t.Fatal("got no error, want a connection error")
		}
		if strings.Contains(err.Error(), "Sign=") || strings.Contains(err.Error(), "RequestTime") {
			t.Errorf("error %q shows the signed URL", err)
		}
	})
}

// ask puts a CreatingGroup to an app whose callback config is cfg.
func ask(t *testing.T, cfg webhook.Config, ev im.Event) im.Verdict {
	t.Helper()
	h := webhook.NewHooks(webhook.NewSender(nil, nil, nil), map[uint64]webhook.Config{testApp: cfg}, nil)
	c := im.Caller{App: &im.App{SDKAppID: testApp}, Identifier: "admin", ClientIP: "ip"}
	v, err := h.Ask(context.Background(), c, ev)
	if err != nil {
		t.Fatalf("Ask: %v", err)
	}
	return v
}

// TestAskVerdicts checks how an app's answer to a before-callback becomes a verdict. The
// codes the caller then gets are the rules' choice (internal/group TestAskCodes).
func TestAskVerdicts(t *testing.T) {
	creating := im.CreatingGroup{EventHead: im.EventHead{Group: im.Group{Type: im.TypePublic, Owner: "o"}}}
	tests := []struct {
		name   string
		handle func(int, http.ResponseWriter, *http.Request)
		deny   bool
		want   im.Verdict
	}{
		{"ErrorCode 0 allows", answer(200, okAnswer), false, im.Verdict{}},
		{"ErrorCode 1 refuses", answer(200, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"no"}`), false, im.Verdict{Refused: true, AppCode: 1, AppInfo: "no"}},
		{"ErrorCode 10150 refuses with its code", answer(200, `{"ActionStatus":"FAIL","ErrorCode":10150,"ErrorInfo":"quota spent"}`), false, im.Verdict{Refused: true, AppCode: 10150, AppInfo: "quota spent"}},
		{"ErrorCode 2 refuses", answer(200, `{"ErrorCode":2}`), false, im.Verdict{Refused: true, AppCode: 2}},
		{"timeout fails", hang, false, im.Verdict{Failed: true}},
		{"timeout fails with DenyOnFailure", hang, true, im.Verdict{Failed: true, DenyOnFailure: true}},
		{"HTTP 500 fails", answer(500, `{"ErrorCode":1}`), false, im.Verdict{Failed: true}},
		{"non-JSON fails", answer(200, "<html>"), true, im.Verdict{Failed: true, DenyOnFailure: true}},
		{"ErrorCode 0 allows with DenyOnFailure", answer(200, okAnswer), true, im.Verdict{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.handle)
			cfg := webhook.Config{URL: rc.URL, Timeout: 200 * time.Millisecond, DenyOnFailure: tt.deny}
			start := time.Now()
			got := ask(t, cfg, creating)
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("Ask took %v with a 200ms timeout", elapsed)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("verdict mismatch (-want +got):\n%s", diff)
			}
			if n := len(rc.Hits()); n != 1 {
				t.Errorf("the receiver got %d requests, want 1 (before-callbacks are not retried)", n)
			}
		})
	}
}

func TestAskTimeoutIsBounded(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
			io.WriteString(w, `{"ErrorCode":1}`)
		case <-r.Context().Done():
		}
	})
	start := time.Now()
	v := ask(t, webhook.Config{URL: rc.URL, Timeout: 200 * time.Millisecond}, im.CreatingGroup{})
	elapsed := time.Since(start)
	if v.Refused || !v.Failed {
		t.Errorf("got %+v, want the late refusal ignored: a failed callback", v)
	}
	if elapsed < 200*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("Ask returned after %v, want about the 200ms timeout", elapsed)
	}
}

func TestAskRefusedMembers(t *testing.T) {
	rc := newReceiver(t, answer(200, `{"ActionStatus":"OK","ErrorCode":0,"RefusedMembers_Account":["u2","u3"]}`))
	v := ask(t, webhook.Config{URL: rc.URL}, im.InvitingMembers{Accounts: []string{"u1", "u2", "u3"}})
	if diff := cmp.Diff([]string{"u2", "u3"}, v.RefusedAccounts); diff != "" {
		t.Errorf("RefusedAccounts mismatch (-want +got):\n%s", diff)
	}
}

func TestBackoff(t *testing.T) {
	cfg := webhook.Config{RetryMin: 100 * time.Millisecond, RetryMax: 3 * time.Second}
	for attempts := 1; attempts <= 40; attempts++ {
		// The wait doubles from RetryMin and stops at RetryMax; jitter takes up to half.
		ceiling := cfg.RetryMax
		if attempts < 6 {
			ceiling = min(cfg.RetryMin<<(attempts-1), cfg.RetryMax)
		}
		floor := max(ceiling/2, cfg.RetryMin)
		var lo, hi time.Duration = 1 << 62, 0
		for range 500 {
			d := webhook.Backoff(cfg, attempts)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < floor || hi > ceiling {
			t.Errorf("Backoff(attempts %d) ranged over [%v, %v], want within [%v, %v]", attempts, lo, hi, floor, ceiling)
		}
		if attempts >= 3 && hi == lo {
			t.Errorf("Backoff(attempts %d) is always %v, want jitter", attempts, lo)
		}
	}
	t.Run("defaults", func(t *testing.T) {
		if d := webhook.Backoff(webhook.Config{}, 1); d != time.Second {
			t.Errorf("first wait with defaults: got %v, want 1s", d)
		}
		if d := webhook.Backoff(webhook.Config{}, 100); d < 150*time.Second || d > 5*time.Minute {
			t.Errorf("wait after 100 attempts with defaults: got %v, want within [2m30s, 5m]", d)
		}
	})
	t.Run("huge RetryMax does not overflow", func(t *testing.T) {
		big := webhook.Config{RetryMin: time.Second, RetryMax: time.Duration(1<<63 - 1)}
		for _, n := range []int{1, 30, 62, 63, 64, 1000} {
			if d := webhook.Backoff(big, n); d < time.Second {
				t.Errorf("Backoff(attempts %d) = %v, want at least RetryMin", n, d)
			}
		}
	})
}

func TestEnabled(t *testing.T) {
	tests := []struct {
		cfg     webhook.Config
		command string
		want    bool
	}{
		{webhook.Config{}, webhook.AfterCreateGroup, false},
		{webhook.Config{URL: "http://h"}, webhook.AfterCreateGroup, true},
		{webhook.Config{URL: "http://h", Commands: []string{webhook.AfterGroupFull}}, webhook.AfterGroupFull, true},
		{webhook.Config{URL: "http://h", Commands: []string{webhook.AfterGroupFull}}, webhook.AfterCreateGroup, false},
		{webhook.Config{Commands: []string{webhook.AfterGroupFull}}, webhook.AfterGroupFull, false},
	}
	for _, tt := range tests {
		if got := tt.cfg.Enabled(tt.command); got != tt.want {
			t.Errorf("%+v.Enabled(%s) = %v, want %v", tt.cfg, tt.command, got, tt.want)
		}
	}
}

// TestCommandsListsEverySentCommand keeps Commands in step with the constants.
func TestCommandsListsEverySentCommand(t *testing.T) {
	got := webhook.Commands()
	for _, c := range []string{
		webhook.BeforeCreateGroup, webhook.BeforeInviteJoinGroup, webhook.AfterCreateGroup,
		webhook.AfterNewMemberJoin, webhook.AfterMemberExit, webhook.AfterGroupDestroyed,
		webhook.AfterGroupInfoChanged, webhook.AfterMemberFieldChanged, webhook.AfterChangeGroupOwner,
		webhook.AfterGroupFull, webhook.BeforeSendMsg, webhook.AfterSendMsg, webhook.AfterRecallMsg,
		webhook.BeforeCreateTopic, webhook.AfterCreateTopic, webhook.AfterTopicInfoChanged, webhook.AfterTopicDestroyed,
	} {
		if !webhook.Known(c) {
			t.Errorf("Known(%q) = false, want true", c)
		}
	}
	if len(got) != 17 {
		t.Errorf("Commands() has %d entries, want 17: %v", len(got), got)
	}
	if webhook.Known("Group.CallbackAfterCreatGroup") {
		t.Error("Known accepts a misspelt command")
	}
}
