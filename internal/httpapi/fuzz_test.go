package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/httpapi"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/usersig"
)

// fuzzCommands are every command of the dispatch table. FuzzCommands checks that none of
// them answers 10003, so the list cannot fall behind the table unnoticed.
var fuzzCommands = []string{
	"im_open_login_svc/account_import", "im_open_login_svc/multiaccount_import",
	"im_open_login_svc/account_check", "im_open_login_svc/account_delete",
	"group_open_http_svc/create_group", "group_open_http_svc/destroy_group",
	"group_open_http_svc/add_group_member", "group_open_http_svc/delete_group_member",
	"group_open_http_svc/get_group_member_info", "group_open_http_svc/modify_group_member_info",
	"group_open_http_svc/forbid_send_msg", "group_open_http_svc/get_group_muted_account",
	"group_open_http_svc/get_group_shutted_uin", "group_open_http_svc/get_group_info",
	"group_open_http_svc/modify_group_base_info", "group_open_http_svc/change_group_owner",
	"group_open_http_svc/get_role_in_group", "group_open_http_svc/get_joined_group_list",
	"group_open_http_svc/get_appid_group_list", "group_open_http_svc/import_group",
	"group_open_http_svc/import_group_member", "group_open_http_svc/set_unread_msg_num",
	"group_open_http_svc/get_specified_group_member_info",
	// Added later, at the end, so that the indexes of the corpus under testdata/fuzz keep
	// naming the commands they were found for.
	"group_open_http_svc/send_group_msg", "group_open_http_svc/send_group_system_notification",
	"group_open_http_svc/group_msg_get_simple", "group_open_http_svc/group_msg_recall",
	"group_open_http_svc/delete_group_msg_by_sender", "group_open_http_svc/import_group_msg",
	"openim/modify_group_msg", "openconfigsvr/setnospeaking", "openconfigsvr/getnospeaking",
	"group_open_attr_http_svc/get_group_attr", "group_open_http_svc/modify_group_attr",
	"group_open_http_svc/set_group_attr", "group_open_http_svc/clear_group_attr",
	"group_open_http_svc/get_group_counter", "group_open_http_svc/update_group_counter",
	"group_open_http_svc/delete_group_counter", "group_open_http_svc/ban_group_member",
	"group_open_http_svc/unban_group_member", "group_open_http_svc/get_group_ban_member",
	"group_open_http_svc/get_online_member_num", "million_group_open_http_svc/get_online_member_num",
	"group_open_http_svc/send_broadcast_msg", "profile/portrait_set", "profile/portrait_get",
	"im_open_login_svc/kick", "openim/query_online_status", "openim/querystate",
	"million_group_open_http_svc/create_topic", "million_group_open_http_svc/get_topic",
	"million_group_open_http_svc/modify_topic", "million_group_open_http_svc/destroy_topic",
	"group_open_http_svc/import_topic", "group_open_http_svc/group_msg_receipt",
	"group_open_http_svc/get_group_msg_receipt", "group_open_http_svc/get_group_msg_receipt_detail",
}

// TestFuzzCommandsCoverTable keeps fuzzCommands in step with the dispatch table.
func TestFuzzCommandsCoverTable(t *testing.T) {
	got, want := slices.Sorted(slices.Values(fuzzCommands)), slices.Sorted(slices.Values(httpapi.Commands()))
	if !slices.Equal(got, want) {
		t.Errorf("fuzzCommands:\n%v\nwant every command of the table:\n%v", got, want)
	}
}

const fuzzKey = "fuzz-secret-key"

// fuzzServer is a real timd on SQLite with a few accounts and groups, rate limits off.
func fuzzServer(tb testing.TB) (http.Handler, string) {
	tb.Helper()
	cfg := config.Default()
	cfg.DataDir = tb.TempDir()
	app := &cfg.Apps[0]
	app.SecretKey, app.MemberFields, app.GroupFields = fuzzKey, []string{"F1", "F2"}, []string{"G1"}
	app.RateLimits.Default, app.RateLimits.Commands = 0, nil
	srv, err := server.New(context.Background(), cfg, server.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	sig := usersig.Mint(1400000000, "administrator", fuzzKey, 86400, time.Now())
	query := "?sdkappid=1400000000&identifier=administrator&usersig=" + sig + "&random=7&contenttype=json"
	h := srv.Handler()
	for _, seed := range []struct{ cmd, body string }{
		{"im_open_login_svc/multiaccount_import", `{"Accounts":["alice","bob","carol","dave"]}`},
		{"group_open_http_svc/create_group", `{"GroupId":"fuzz-group","Type":"Public","Name":"f","Owner_Account":"alice","MemberList":[{"Member_Account":"bob"}]}`},
		{"group_open_http_svc/create_group", `{"GroupId":"@TGS#_fuzz","Type":"Community","Name":"c","Owner_Account":"alice","MemberList":[{"Member_Account":"carol"}],"SupportTopic":1}`},
		{"million_group_open_http_svc/create_topic", `{"GroupId":"@TGS#_fuzz","TopicId":"@TGS#_fuzz@TOPIC#_t","TopicName":"t"}`},
	} {
		if code, body := fuzzPost(h, seed.cmd, query, []byte(seed.body)); code != http.StatusOK || !bytes.Contains(body, []byte(`"ErrorCode":0`)) {
			tb.Fatalf("seed %s: HTTP %d %s", seed.cmd, code, body)
		}
	}
	return h, query
}

func fuzzPost(h http.Handler, cmd, query string, body []byte) (int, []byte) {
	code, out, _ := fuzzPostHeader(h, cmd, query, body)
	return code, out
}

// fuzzPostHeader is fuzzPost that also returns the answer's headers.
func fuzzPostHeader(h http.Handler, cmd, query string, body []byte) (int, []byte, http.Header) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v4/"+cmd+query, bytes.NewReader(body)))
	return rec.Code, rec.Body.Bytes(), rec.Header()
}

// ignoredPath matches one path of X-Timd-Ignored-Fields: plain names, indexes and quoted
// keys, in printable ASCII without a comma, perhaps cut short with "...".
var ignoredPath = regexp.MustCompile(`^(?:[A-Za-z0-9_\-.\[\]]|"(?:[ !#-+\--\[\]-~]|\\[ -~])*"?)+$`)

var envelopeStart = regexp.MustCompile(`^\{"ActionStatus":"(OK|FAIL)","ErrorInfo":"(?:[^"\\]|\\.)*","ErrorCode":(\d+)[,}]`)

// FuzzCommands sends arbitrary bodies to every command of a real server: every answer
// must be HTTP 200 with the envelope first, valid JSON, and never 10002 (an internal
// error: a panic or a store failure the rules let through) nor 10003; an
// X-Timd-Ignored-Fields header lists at most 20 well-formed paths.
func FuzzCommands(f *testing.F) {
	for i, cmd := range fuzzCommands {
		f.Add(uint8(i), []byte(`{}`))
		word := cmd[strings.Index(cmd, "/")+1:]
		files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "wire", word, "*.request.json"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i), regexp.MustCompile(`"@TGS#[0-9A-Za-z_#@]*"`).ReplaceAll(data, []byte(`"fuzz-group"`)))
		}
	}
	f.Add(uint8(9), []byte(`{"GroupId":"fuzz-group","Member_Account":"bob","Role":"Admin","NameCard":"x","MuteTime":60,"AppMemberDefinedData":[{"Key":"F1","Value":"v"}]}`))
	// The base bodies of the bad-input table (badinput_spec_test.go), which hold every
	// field of their command, bare, with unknown fields everywhere and with every key
	// twice. TestBadInput runs the whole table; as seeds, its 1500 cases would leave a
	// short fuzzing run no time beyond measuring them.
	for _, spec := range badInputSpecs() {
		i := uint8(slices.Index(fuzzCommands, spec.cmd))
		f.Add(i, []byte(spec.base))
		f.Add(i, []byte(withUnknownFields(spec.base)))
		f.Add(i, []byte(spec.repeatKeys(false)(spec.base)))
		f.Add(i, []byte(withWrongCase(spec.base)))
		f.Add(i, []byte(strings.Replace(spec.base, `":`, `":null,"`+wrongCase(spec.fields[0].path)+`":`, 1)))
	}
	h, query := fuzzServer(f)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		cmd := fuzzCommands[int(which)%len(fuzzCommands)]
		code, out, header := fuzzPostHeader(h, cmd, query, body)
		if ign := header.Get("X-Timd-Ignored-Fields"); ign != "" {
			paths := strings.Split(ign, ", ")
			for _, p := range paths {
				if len(p) > 128 || !ignoredPath.MatchString(p) {
					t.Fatalf("%s %q: ignored path %q is not a well-formed path", cmd, body, p)
				}
			}
			if len(paths) > 20 {
				t.Fatalf("%s %q: %d ignored paths, want at most 20", cmd, body, len(paths))
			}
		}
		if code != http.StatusOK {
			t.Fatalf("%s %q: HTTP %d %s", cmd, body, code, out)
		}
		m := envelopeStart.FindSubmatch(out)
		if m == nil || !json.Valid(out) {
			t.Fatalf("%s %q: answer is not the envelope: %s", cmd, body, out)
		}
		if ec := string(m[2]); ec == "10002" || ec == "10003" {
			t.Fatalf("%s %q: ErrorCode %s: %s", cmd, body, ec, out)
		}
	})
}
