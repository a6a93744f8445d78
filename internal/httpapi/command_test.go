package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/usersig"
)

type knownReq struct {
	GroupID string `json:"GroupId"`
}

// TestUnknownFieldsLoggedAtDebug checks docs/compatibility.md §1: an unknown field is ignored, and
// a debug log line names it.
func TestUnknownFieldsLoggedAtDebug(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
		log := &syncBuffer{}
		a := New(Options{
			Apps:   []App{{App: &im.App{SDKAppID: 1, Admins: []string{"admin"}, Limits: im.DefaultLimits()}, SecretKey: "k"}},
			Logger: slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: level})),
		})
		var got string
		cmd := handler(func(ctx context.Context, c im.Caller, req *knownReq) (empty, error) {
			got = req.GroupID
			return empty{}, nil
		})
		cmd.name, cmd.word = svcGroup+"/known", "known"
		a.commands[svcGroup]["known"] = cmd
		target := "/v4/" + svcGroup + "/known?sdkappid=1&identifier=admin&usersig=" + usersig.Mint(1, "admin", "k", 60, time.Now())
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, strings.NewReader(`{"GroupId":"g","Colour":"red"}`)))
		if !strings.Contains(rec.Body.String(), `"ErrorCode":0`) || got != "g" {
			t.Fatalf("level %v: answer %s, GroupId %q; want OK with GroupId g", level, rec.Body, got)
		}
		logged := strings.Contains(log.String(), `"msg":"unknown field ignored"`) && strings.Contains(log.String(), `"field":"\"Colour\""`)
		if logged != (level == slog.LevelDebug) {
			t.Errorf("level %v: unknown-field line logged = %v; log:\n%s", level, logged, log)
		}
	}
}
