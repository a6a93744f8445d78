package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/timtest"
)

// What real client libraries send, and what a stand-in must show them (issue 13): exact
// field names, the fields timd ignored, old names. The pins of docs/compatibility.md §1
// and §3 that TestBadInput does not cover field by field.

const grp = "/v4/group_open_http_svc/"

// journalEntry is one entry of GET /dev/requests.
type journalEntry struct {
	Command, Request string
	ErrorCode        int
	IgnoredFields    []string
}

// devServer starts a server with the development endpoints on, rate limits off and its
// log in log.
func devServer(t *testing.T, log *lockedBuffer) *timtest.Server {
	t.Helper()
	return timtest.NewServer(t, &timtest.Options{
		Logger: slog.New(slog.NewJSONHandler(log, nil)),
		Configure: func(c *config.Config) {
			unlimited(c)
			c.Dev = true
		},
	})
}

// journal returns the app's journal entries, oldest first.
func journal(t *testing.T, s *timtest.Server) []journalEntry {
	t.Helper()
	r := MustSend(t, s, MustRequest(t, s, http.MethodGet, "/dev/requests?"+queryWith(s), ""))
	var out struct{ Requests []journalEntry }
	if err := json.Unmarshal(r.Raw, &out); err != nil {
		t.Fatalf("GET /dev/requests: %v: %s", err, r.Raw)
	}
	return out.Requests
}

// logLines returns the log's "request" lines, decoded.
func logLines(t *testing.T, log *lockedBuffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == "request" {
			out = append(out, m)
		}
	}
	return out
}

// TestIgnoredFields pins docs/compatibility.md §1: a field the command does not know,
// whether a name Tencent never had or one in the wrong case, is ignored, and its path is
// named in the X-Timd-Ignored-Fields header, the request's log line and the journal.
func TestIgnoredFields(t *testing.T) {
	log := &lockedBuffer{}
	s := devServer(t, log)
	s.MustImportAccounts(t, "alice", "bob")

	r := MustPostAdmin(t, s, grp+"create_group", `{"GroupId":"g1","Type":"Public","Name":"g","Owner_Account":"alice",`+
		`"MemberList":[{"Member_Account":"bob","NameCard":"Bob"}],"introduction":"lost"}`)
	wantAnswer(t, r, http.StatusOK, im.CodeOK)
	const want = "MemberList[0].NameCard, introduction"
	if got := r.Header.Get("X-Timd-Ignored-Fields"); got != want {
		t.Errorf("X-Timd-Ignored-Fields: got %q, want %q", got, want)
	}
	info := s.MustOK(t, "group_open_http_svc/get_group_info", map[string]any{"GroupIdList": []string{"g1"}})
	if strings.Contains(string(info.Raw), "Bob") || strings.Contains(string(info.Raw), "lost") {
		t.Errorf("get_group_info: got %s, want neither the ignored NameCard nor the introduction", info.Raw)
	}

	t.Run("a field in the wrong case is no field", func(t *testing.T) {
		r := MustPostAdmin(t, s, grp+"destroy_group", `{"groupid":"g1"}`)
		wantAnswer(t, r, http.StatusOK, im.CodeInvalidGroupID) // GroupId is missing
		if got := r.Header.Get("X-Timd-Ignored-Fields"); got != "groupid" {
			t.Errorf("X-Timd-Ignored-Fields: got %q, want groupid", got)
		}
		for _, body := range []string{`{"GroupID":"g1"}`, `{"GROUPID":"g1"}`, `{"GroupId":"g1","groupId":"x"}`} {
			r := MustPostAdmin(t, s, grp+"get_group_muted_account", body)
			code := im.CodeInvalidGroupID
			if strings.Contains(body, `"GroupId"`) {
				code = im.CodeOK
			}
			wantAnswer(t, r, http.StatusOK, code)
			if r.Header.Get("X-Timd-Ignored-Fields") == "" {
				t.Errorf("%s: no X-Timd-Ignored-Fields header", body)
			}
		}
	})
	t.Run("none when every field is known", func(t *testing.T) {
		r := MustPostAdmin(t, s, grp+"get_group_muted_account", `{"GroupId":"g1"}`)
		if h, ok := r.Header["X-Timd-Ignored-Fields"]; ok {
			t.Errorf("X-Timd-Ignored-Fields: got %q, want no header", h)
		}
	})
	t.Run("none for a body that is not JSON", func(t *testing.T) {
		r := MustPostAdmin(t, s, grp+"get_group_muted_account", `{"groupid":"g1"`)
		wantAnswer(t, r, http.StatusOK, im.CodeBadJSON)
		if h, ok := r.Header["X-Timd-Ignored-Fields"]; ok {
			t.Errorf("X-Timd-Ignored-Fields: got %q, want no header", h)
		}
	})
	t.Run("at most 20, counted in the log", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"GroupId":"g1"`)
		for i := range 25 {
			b.WriteString(`,"x` + string(rune('a'+i)) + `":1`)
		}
		b.WriteString("}")
		r := MustPostAdmin(t, s, grp+"get_group_muted_account", b.String())
		if got := strings.Split(r.Header.Get("X-Timd-Ignored-Fields"), ", "); len(got) != 20 || got[0] != "xa" || got[19] != "xt" {
			t.Errorf("X-Timd-Ignored-Fields: got %q, want xa to xt", got)
		}
	})

	lines := logLines(t, log)
	var logged []string
	for _, l := range lines {
		if f, ok := l["ignored_fields"].(string); ok {
			logged = append(logged, f)
		}
	}
	if len(logged) != 6 || logged[0] != want || logged[1] != "groupid" {
		t.Errorf("ignored_fields of the log lines: got %q, want 6, the first %q and groupid", logged, want)
	}
	if last := lines[len(lines)-1]; last["ignored_count"] != float64(25) {
		t.Errorf("the last log line: got ignored_count %v, want 25", last["ignored_count"])
	}
	var journalled []string
	for _, e := range journal(t, s) {
		if len(e.IgnoredFields) > 0 {
			journalled = append(journalled, e.Command+" "+strings.Join(e.IgnoredFields, ", "))
		}
	}
	if len(journalled) != 6 || journalled[0] != "group_open_http_svc/create_group "+want {
		t.Errorf("journal entries with ignored fields: got %q, want 6, the first create_group's", journalled)
	}
}

// TestUnknownCommandsNamed pins docs/compatibility.md §1: a call of an unknown service or
// command is logged and journalled with the names its path gives.
func TestUnknownCommandsNamed(t *testing.T) {
	log := &lockedBuffer{}
	s := devServer(t, log)
	calls := []struct {
		path string
		code im.Code
	}{
		{"/v4/nosuch_svc/sendmsg", im.CodeBadPath},
		{grp + "get_group_list", im.CodeUnknownCommand},
		{"/v4/x", im.CodeBadPath},
	}
	for _, c := range calls {
		r := MustPost(t, s, c.path+"?"+queryWith(s), "{}")
		if r.Env.ErrorCode != int(c.code) {
			t.Fatalf("%s: got ErrorCode %d, want %d", c.path, r.Env.ErrorCode, c.code)
		}
	}
	wantCommands := []string{"nosuch_svc/sendmsg", "group_open_http_svc/get_group_list", ""}
	lines := logLines(t, log)
	if len(lines) != 3 {
		t.Fatalf("got %d request log lines, want 3", len(lines))
	}
	entries := journal(t, s)
	if len(entries) != 3 {
		t.Fatalf("got %d journal entries, want 3", len(entries))
	}
	for i, want := range wantCommands {
		if got := lines[i]["command"]; got != want {
			t.Errorf("log line of %s: got command %q, want %q", calls[i].path, got, want)
		}
		if got := entries[i].Command; got != want || entries[i].ErrorCode != int(calls[i].code) {
			t.Errorf("journal entry of %s: got command %q, code %d; want %q, %d", calls[i].path, got, entries[i].ErrorCode, want, calls[i].code)
		}
	}
}

// TestAccountImportIdentifier pins docs/compatibility.md §3: account_import takes the old
// Identifier for UserID, as client libraries written to Tencent's older docs send it;
// UserID wins when both are given.
func TestAccountImportIdentifier(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited, FailOnIgnoredFields: true})
	r := MustPostAdmin(t, s, accountImport, `{"Identifier":"alice","Nick":"Alice","FaceUrl":"http://a"}`)
	wantAnswer(t, r, http.StatusOK, im.CodeOK)
	wantStatus(t, s, "Imported", "alice")
	r = MustPostAdmin(t, s, accountImport, `{"UserID":"bob","Identifier":"carol"}`)
	wantAnswer(t, r, http.StatusOK, im.CodeOK)
	wantStatus(t, s, "Imported", "bob")
	wantStatus(t, s, "NotImported", "carol")
	r = MustPostAdmin(t, s, accountImport, `{"Identifier":""}`)
	wantAnswer(t, r, http.StatusOK, im.CodeAccountParam)
	r = MustPostAdmin(t, s, accountImport, `{"Identifier":"dave","UserID":null}`)
	wantAnswer(t, r, http.StatusOK, im.CodeOK)
	wantStatus(t, s, "Imported", "dave")
}

// TestGroupInfoOldMuteName pins docs/compatibility.md §3: without a GroupBaseInfoFilter a
// group carries ShutUpAllMember beside MuteAllMember, since a real client reads only the
// old name; with one, exactly the names asked for.
func TestGroupInfoOldMuteName(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	s.MustOK(t, "group_open_http_svc/create_group", map[string]any{"GroupId": "g", "Type": "Public", "Name": "g"})
	s.MustOK(t, "group_open_http_svc/modify_group_base_info", map[string]any{"GroupId": "g", "ShutUpAllMember": "On"})
	for _, tt := range []struct {
		name   string
		filter any
		want   map[string]any // nil: absent
	}{
		{"no filter", nil, map[string]any{"MuteAllMember": "On", "ShutUpAllMember": "On"}},
		{"a filter without GroupBaseInfoFilter", map[string]any{"AppDefinedDataFilter_Group": []string{}}, map[string]any{"MuteAllMember": "On", "ShutUpAllMember": "On"}},
		{"the old name asked for", map[string]any{"GroupBaseInfoFilter": []string{"ShutUpAllMember"}}, map[string]any{"MuteAllMember": nil, "ShutUpAllMember": "On"}},
		{"the new name asked for", map[string]any{"GroupBaseInfoFilter": []string{"MuteAllMember"}}, map[string]any{"MuteAllMember": "On", "ShutUpAllMember": nil}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"GroupIdList": []string{"g"}}
			if tt.filter != nil {
				body["ResponseFilter"] = tt.filter
			}
			var answer struct{ GroupInfo []map[string]any }
			if err := s.MustOK(t, "group_open_http_svc/get_group_info", body).Decode(&answer); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got := answer.GroupInfo[0][k]; got != v {
					t.Errorf("%s: got %v, want %v", k, got, v)
				}
			}
		})
	}
}

// TestLoneSurrogate pins docs/compatibility.md §4: a \u escape of a lone surrogate in a
// text or custom value is not valid UTF-8, 10004 like the same text sent as raw bytes,
// never stored as U+FFFD; a pair is its character.
func TestLoneSurrogate(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited, GroupFields: []string{"G1"}, MemberFields: []string{"F1"}})
	s.MustImportAccounts(t, "alice", "bob")
	s.MustOK(t, "group_open_http_svc/create_group", map[string]any{"GroupId": "g", "Type": "Public", "Name": "g",
		"Owner_Account": "alice", "MemberList": []map[string]string{{"Member_Account": "bob"}}})
	lone := []string{`"a\ud800b"`, `"a\udfffb"`, `"\ud83d"`, `"a\ud83d\u0041"`, `"\ude00\ud83d"`, `"ok \ud83d\ude00 \ud800"`}
	bodies := []struct{ command, template string }{
		{"create_group", `{"Type":"Public","Name":%s}`},
		{"create_group", `{"Type":"Public","Name":"n","Introduction":%s}`},
		{"create_group", `{"Type":"Public","Name":"n","AppDefinedData":[{"Key":"G1","Value":%s}]}`},
		{"modify_group_base_info", `{"GroupId":"g","Name":%s}`},
		{"modify_group_base_info", `{"GroupId":"g","Introduction":%s}`},
		{"modify_group_base_info", `{"GroupId":"g","Notification":%s}`},
		{"modify_group_base_info", `{"GroupId":"g","FaceUrl":%s}`},
		{"modify_group_base_info", `{"GroupId":"g","AppDefinedData":[{"Key":"G1","Value":%s}]}`},
		{"modify_group_member_info", `{"GroupId":"g","Member_Account":"bob","NameCard":%s}`},
		{"modify_group_member_info", `{"GroupId":"g","Member_Account":"bob","AppMemberDefinedData":[{"Key":"F1","Value":%s}]}`},
	}
	for _, b := range bodies {
		for _, text := range append(lone, "\"a\xffb\"") {
			body := strings.Replace(b.template, "%s", text, 1)
			r := MustPostAdmin(t, s, grp+b.command, body)
			if r.Env.ErrorCode != int(im.CodeInvalidParam) {
				t.Errorf("%s %s: got ErrorCode %d (%s), want 10004", b.command, body, r.Env.ErrorCode, r.Env.ErrorInfo)
			}
		}
	}
	r := MustPostAdmin(t, s, accountImport, `{"UserID":"carol","Nick":"a\ud800b"}`)
	wantAnswer(t, r, http.StatusOK, im.CodeAccountParam)

	// A pair, and an escaped backslash before "ud800", are text.
	for body, want := range map[string]string{
		`{"GroupId":"g","Member_Account":"bob","NameCard":"\ud83d\ude00 \u00e9"}`: "😀 é",
		`{"GroupId":"g","Member_Account":"bob","NameCard":"a\\ud800b"}`:           `a\ud800b`,
	} {
		wantAnswer(t, MustPostAdmin(t, s, grp+"modify_group_member_info", body), http.StatusOK, im.CodeOK)
		var answer struct{ MemberList []struct{ NameCard string } }
		err := s.MustOK(t, "group_open_http_svc/get_specified_group_member_info", map[string]any{
			"GroupId": "g", "Member_List_Account": []string{"bob"}}).Decode(&answer)
		if err != nil || len(answer.MemberList) != 1 {
			t.Fatalf("get_specified_group_member_info: %v, %d members", err, len(answer.MemberList))
		}
		if got := answer.MemberList[0].NameCard; got != want {
			t.Errorf("%s: NameCard stored as %q, want %q", body, got, want)
		}
	}
}
