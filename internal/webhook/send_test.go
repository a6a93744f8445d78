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

func TestBefore(t *testing.T) {
	s := webhook.NewSender(nil, nil, nil)
	tests := []struct {
		name     string
		handle   func(int, http.ResponseWriter, *http.Request)
		deny     bool
		wantCode im.Code
		wantInfo string // a part of the ErrorInfo, when refused
	}{
		{"ErrorCode 0 allows", answer(200, okAnswer), false, im.CodeOK, ""},
		{"ErrorCode 1 refuses with 10016", answer(200, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"no"}`), false, 10016, "refused"},
		{"ErrorCode 10150 passes through", answer(200, `{"ActionStatus":"FAIL","ErrorCode":10150,"ErrorInfo":"quota spent"}`), false, 10150, "quota spent"},
		{"ErrorCode 10100 passes through", answer(200, `{"ErrorCode":10100,"ErrorInfo":"low"}`), false, 10100, "low"},
		{"ErrorCode 10200 passes through", answer(200, `{"ErrorCode":10200,"ErrorInfo":"high"}`), false, 10200, "high"},
		{"ErrorCode 10201 refuses with 10016", answer(200, `{"ErrorCode":10201}`), false, 10016, "refused"},
		{"ErrorCode 2 refuses with 10016", answer(200, `{"ErrorCode":2}`), false, 10016, "refused"},
		{"timeout allows", hang, false, im.CodeOK, ""},
		{"timeout refuses with DenyOnFailure", hang, true, 10016, "failed"},
		{"HTTP 500 allows", answer(500, `{"ErrorCode":1}`), false, im.CodeOK, ""},
		{"HTTP 500 refuses with DenyOnFailure", answer(500, okAnswer), true, 10016, "failed"},
		{"non-JSON allows", answer(200, "<html>"), false, im.CodeOK, ""},
		{"non-JSON refuses with DenyOnFailure", answer(200, "<html>"), true, 10016, "failed"},
		{"ErrorCode 0 allows with DenyOnFailure", answer(200, okAnswer), true, im.CodeOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.handle)
			cfg := webhook.Config{URL: rc.URL, Timeout: 200 * time.Millisecond, DenyOnFailure: tt.deny}
			start := time.Now()
			_, err := s.Before(context.Background(), cfg, testApp, webhook.BeforeCreateGroup, "ip", []byte(`{}`))
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("Before took %v with a 200ms timeout", elapsed)
			}
			if got := im.CodeOf(err); got != tt.wantCode {
				t.Fatalf("got code %d (%v), want %d", got, err, tt.wantCode)
			}
			if err != nil && !strings.Contains(im.InfoOf(err), tt.wantInfo) {
				t.Errorf("ErrorInfo %q, want it to contain %q", im.InfoOf(err), tt.wantInfo)
			}
			if n := len(rc.Hits()); n != 1 {
				t.Errorf("the receiver got %d requests, want 1 (before-callbacks are not retried)", n)
			}
		})
	}
}

func TestBeforeTimeoutIsBounded(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
			io.WriteString(w, `{"ErrorCode":1}`)
		case <-r.Context().Done():
		}
	})
	s := webhook.NewSender(nil, nil, nil)
	cfg := webhook.Config{URL: rc.URL, Timeout: 200 * time.Millisecond}
	start := time.Now()
	_, err := s.Before(context.Background(), cfg, testApp, webhook.BeforeCreateGroup, "ip", []byte(`{}`))
	elapsed := time.Since(start)
	if err != nil {
		t.Errorf("got %v, want the late refusal ignored and the call allowed", err)
	}
	if elapsed < 200*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("Before returned after %v, want about the 200ms timeout", elapsed)
	}
}

func TestBeforeRefusedMembers(t *testing.T) {
	rc := newReceiver(t, answer(200, `{"ActionStatus":"OK","ErrorCode":0,"RefusedMembers_Account":["u2","u3"]}`))
	s := webhook.NewSender(nil, nil, nil)
	a, err := s.Before(context.Background(), webhook.Config{URL: rc.URL}, testApp, webhook.BeforeInviteJoinGroup, "ip", []byte(`{}`))
	if err != nil {
		t.Fatalf("Before: %v", err)
	}
	if diff := cmp.Diff([]string{"u2", "u3"}, a.RefusedMembers); diff != "" {
		t.Errorf("RefusedMembers mismatch (-want +got):\n%s", diff)
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
		webhook.AfterGroupFull,
	} {
		if !webhook.Known(c) {
			t.Errorf("Known(%q) = false, want true", c)
		}
	}
	if len(got) != 10 {
		t.Errorf("Commands() has %d entries, want 10: %v", len(got), got)
	}
	if webhook.Known("Group.CallbackAfterCreatGroup") {
		t.Error("Known accepts a misspelt command")
	}
}
