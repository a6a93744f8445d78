package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/store/postgres"
	"github.com/timdhq/timd/internal/transfer"
	"github.com/timdhq/timd/internal/usersig"
)

// The tests of `timd export` and `timd import`: data made through the REST API on one
// store comes back the same, through the same API, from another.

const xferKey = "00112233445566778899aabbccddeeff"

// xferEnv returns the environment of the transfer tests: the development app with a
// known key and custom fields, on SQLite under dataDir, or on PostgreSQL at dsn.
func xferEnv(dataDir, dsn string) map[string]string {
	env := map[string]string{
		"TIMD_DATA": dataDir, "TIMD_SECRET_KEY": xferKey,
		"TIMD_MEMBER_FIELDS": "Level", "TIMD_GROUP_FIELDS": "Topic",
	}
	if dsn != "" {
		env["TIMD_POSTGRES_DSN"] = dsn
	}
	return env
}

// runTimd runs a subcommand in this process with env as the whole environment.
func runTimd(t *testing.T, env map[string]string, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	lookupEnv := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	err = run(t.Context(), args, &out, &errOut, lookupEnv)
	if err != nil {
		t.Logf("timd %s: %s", strings.Join(args, " "), errOut.String())
	}
	return out.String(), err
}

// xferServer is a timd serving the configuration of env, rate limits off.
type xferServer struct {
	srv *server.Server
	hs  *httptest.Server
}

// startXfer starts a server for env; stop it with stop.
func startXfer(t *testing.T, env map[string]string) *xferServer {
	t.Helper()
	cfg, err := config.Load(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Apps[0].RateLimits = config.RateLimits{}
	srv, err := server.New(t.Context(), cfg, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &xferServer{srv: srv, hs: httptest.NewServer(srv.Handler())}
}

// stop shuts the server down and closes its store.
func (s *xferServer) stop(t *testing.T) {
	t.Helper()
	s.hs.Close()
	if err := s.srv.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// call posts body to command as the admin and returns the answer's fields; it fails t
// unless the answer is OK.
func (s *xferServer) call(t *testing.T, command string, body any) map[string]any {
	t.Helper()
	data, _ := json.Marshal(body)
	q := url.Values{"sdkappid": {devSDKAppID}, "identifier": {devAdmin}, "contenttype": {"json"}, "random": {"1"},
		"usersig": {usersig.Mint(1400000000, devAdmin, xferKey, 3600, time.Now())}}
	resp, err := s.hs.Client().Post(s.hs.URL+"/v4/"+command+"?"+q.Encode(), "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	if out["ErrorCode"] != float64(0) {
		t.Fatalf("%s %s: got %v, want OK", command, data, out)
	}
	delete(out, "ActionStatus")
	delete(out, "ErrorInfo")
	delete(out, "ErrorCode")
	return out
}

// member is a MemberList entry of a request.
func member(account string, extra ...any) map[string]any {
	m := map[string]any{"Member_Account": account}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

// populate makes a bit of everything through the REST API: accounts with a profile,
// groups of four types (custom and minted IDs, imported with a past CreateTime),
// admins, name cards, custom data, mutes, unread counts, a member who left and came
// back, changed base info, and a destroyed group.
func populate(t *testing.T, s *xferServer) {
	t.Helper()
	g := "group_open_http_svc/"
	s.call(t, "im_open_login_svc/account_import", map[string]any{"UserID": "alice", "Nick": "Alice ✓", "FaceUrl": "https://f/a.png"})
	s.call(t, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"bob", "carol", "dave", "erin", "frank"}})
	s.call(t, g+"create_group", map[string]any{
		"Type": "Public", "GroupId": "team", "Name": "team", "Owner_Account": "alice", "Introduction": "intro",
		"Notification": "notice", "AppDefinedData": []map[string]string{{"Key": "Topic", "Value": "go"}},
		"MemberList": []map[string]any{
			member("bob", "Role", "Admin", "AppMemberDefinedData", []map[string]string{{"Key": "Level", "Value": "3"}}),
			member("carol"),
		},
	})
	s.call(t, g+"create_group", map[string]any{"Type": "Private", "Name": "minted", "Owner_Account": "bob", "MemberList": []map[string]any{member("dave")}})
	s.call(t, g+"create_group", map[string]any{"Type": "Community", "GroupId": "@TGS#_community", "Name": "c", "Owner_Account": "carol"})
	s.call(t, g+"create_group", map[string]any{"Type": "AVChatRoom", "GroupId": "live", "Name": "live", "Owner_Account": "alice"})
	s.call(t, g+"create_group", map[string]any{"Type": "Public", "GroupId": "tmp", "Name": "tmp"})
	s.call(t, g+"destroy_group", map[string]any{"GroupId": "tmp"})
	s.call(t, g+"import_group", map[string]any{"Type": "Public", "GroupId": "old", "Name": "old", "Owner_Account": "erin", "CreateTime": 1500000000})
	s.call(t, g+"import_group_member", map[string]any{"GroupId": "old", "MemberList": []map[string]any{
		member("frank", "JoinTime", 1500000100, "UnreadMsgNum", 7, "Role", "Admin"),
	}})
	s.call(t, g+"add_group_member", map[string]any{"GroupId": "team", "MemberList": []map[string]any{member("dave"), member("erin")}})
	s.call(t, g+"modify_group_member_info", map[string]any{"GroupId": "team", "Member_Account": "carol", "NameCard": "Cee",
		"MsgFlag": "AcceptNotNotify", "MuteTime": 3600, "AppMemberDefinedData": []map[string]string{{"Key": "Level", "Value": "9"}}})
	s.call(t, g+"forbid_send_msg", map[string]any{"GroupId": "team", "Members_Account": []string{"dave"}, "MuteTime": 600})
	s.call(t, g+"set_unread_msg_num", map[string]any{"GroupId": "team", "Member_Account": "erin", "UnreadMsgNum": 5})
	s.call(t, g+"modify_group_base_info", map[string]any{"GroupId": "team", "Name": "Team!", "MuteAllMember": "On"})
	s.call(t, g+"delete_group_member", map[string]any{"GroupId": "team", "MemberToDel_Account": []string{"bob"}})
	s.call(t, g+"add_group_member", map[string]any{"GroupId": "team", "MemberList": []map[string]any{member("bob")}})
}

// snapshot reads the app through the REST API: the group list in its order, every group
// with its members, every group's mutes, every account's check and joined groups.
func snapshot(t *testing.T, s *xferServer) map[string]any {
	t.Helper()
	g := "group_open_http_svc/"
	out := map[string]any{}
	list := s.call(t, g+"get_appid_group_list", map[string]any{"Limit": 1000})
	out["get_appid_group_list"] = list
	var ids []string
	for _, e := range list["GroupIdList"].([]any) {
		ids = append(ids, e.(map[string]any)["GroupId"].(string))
	}
	out["get_group_info"] = s.call(t, g+"get_group_info", map[string]any{"GroupIdList": ids})
	for _, id := range ids {
		out["get_group_muted_account "+id] = s.call(t, g+"get_group_muted_account", map[string]any{"GroupId": id})
	}
	accounts := []string{"alice", "bob", "carol", "dave", "erin", "frank", "nobody"}
	var check []map[string]string
	for _, a := range accounts {
		check = append(check, map[string]string{"UserID": a})
		out["get_joined_group_list "+a] = s.call(t, g+"get_joined_group_list", map[string]any{
			"Member_Account": a, "WithHugeGroups": 1, "ResponseFilter": map[string]any{
				"GroupBaseInfoFilter": []string{"Type", "Name", "CreateTime"}, "SelfInfoFilter": []string{"Role", "JoinTime", "UnreadMsgNum", "MsgFlag"}}})
	}
	out["account_check"] = s.call(t, "im_open_login_svc/account_check", map[string]any{"CheckItem": check})
	return out
}

// wantSame fails t if the snapshot got differs from want.
func wantSame(t *testing.T, name string, want, got map[string]any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s: the API answers differently after export and import (-source +imported):\n%s", name, d)
	}
}

// readExport reads a document timd export wrote.
func readExport(t *testing.T, path string) *transfer.Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := transfer.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestExportImport exports an app made through the API from SQLite and imports it into
// another SQLite store and, when TIMD_TEST_POSTGRES_DSN is set, into PostgreSQL: the API
// answers the same on each, and an export of the copy is the same document.
func TestExportImport(t *testing.T) {
	srcEnv := xferEnv(filepath.Join(t.TempDir(), "src"), "")
	src := startXfer(t, srcEnv)
	populate(t, src)
	want := snapshot(t, src)
	src.stop(t)

	file := filepath.Join(t.TempDir(), "app.json")
	if _, err := runTimd(t, srcEnv, "export", "-o", file); err != nil {
		t.Fatalf("timd export: %v", err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v, mode %v; want mode 0600", err, fi.Mode())
	}
	doc := readExport(t, file)

	targets := []struct {
		name string
		env  func(t *testing.T) map[string]string
	}{
		{"sqlite", func(t *testing.T) map[string]string { return xferEnv(filepath.Join(t.TempDir(), "dst"), "") }},
		{"postgres", func(t *testing.T) map[string]string { return xferEnv(t.TempDir(), xferSchema(t)) }},
	}
	for _, tt := range targets {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env(t)
			out, err := runTimd(t, env, "import", file)
			if err != nil {
				t.Fatalf("timd import: %v", err)
			}
			if !strings.Contains(out, doc.Summary().String()) {
				t.Errorf("timd import printed %q, want the summary %q", out, doc.Summary())
			}
			if dsn := env["TIMD_POSTGRES_DSN"]; dsn != "" {
				wantAnalyzed(t, dsn)
			}
			dst := startXfer(t, env)
			wantSame(t, tt.name, want, snapshot(t, dst))
			dst.stop(t)

			again := filepath.Join(t.TempDir(), "again.json")
			if _, err := runTimd(t, env, "export", "-o", again); err != nil {
				t.Fatalf("timd export of the copy: %v", err)
			}
			if d := cmp.Diff(doc, readExport(t, again), cmpopts.IgnoreFields(transfer.Document{}, "Exported")); d != "" {
				t.Errorf("export of the copy (-original +copy):\n%s", d)
			}
		})
	}
}

// wantAnalyzed checks that PostgreSQL has statistics of every table of the schema dsn
// selects: timd import analyzes what it loaded.
func wantAnalyzed(t *testing.T, dsn string) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var tables []string
	rows, err := conn.Query(t.Context(), `SELECT c.relname FROM pg_class c
		JOIN pg_namespace s ON s.oid = c.relnamespace
		WHERE s.nspname = current_schema() AND c.relkind = 'r' AND c.reltuples < 0`)
	if err == nil {
		tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) > 0 {
		t.Errorf("after timd import, PostgreSQL has no statistics of %v", tables)
	}
}

// xferSchema returns the DSN of a fresh PostgreSQL schema, or skips t.
func xferSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("TIMD_TEST_POSTGRES_DSN")
	if base == "" {
		t.Skip("TIMD_TEST_POSTGRES_DSN is not set: PostgreSQL lane skipped (.ci/run sets it)")
	}
	dsn, drop, err := postgres.NewTestSchema(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	return dsn
}

// TestImportForce imports into an app that has data: refused without -force, replaced
// with it.
func TestImportForce(t *testing.T) {
	env := xferEnv(filepath.Join(t.TempDir(), "data"), "")
	s := startXfer(t, env)
	s.call(t, "im_open_login_svc/account_import", map[string]any{"UserID": "alice"})
	s.stop(t)
	file := filepath.Join(t.TempDir(), "app.json")
	if _, err := runTimd(t, env, "export", "-o", file); err != nil {
		t.Fatal(err)
	}

	_, err := runTimd(t, env, "import", file)
	if err == nil || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("timd import into an app with data: got %v, want an error naming -force", err)
	}
	if _, err := runTimd(t, env, "import", "-force", file); err != nil {
		t.Fatalf("timd import -force: %v", err)
	}
	s = startXfer(t, env)
	defer s.stop(t)
	got := s.call(t, "im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "alice"}}})
	if !strings.Contains(fmt.Sprint(got), "Imported") {
		t.Errorf("account after import -force: got %v, want Imported", got)
	}
}

// TestExportErrors checks the export of a data directory with no database, and the
// output on stdout without -o.
func TestExportErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	if _, err := runTimd(t, xferEnv(dir, ""), "export"); err == nil {
		t.Errorf("timd export of %s without a database: got nil error, want one", dir)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("timd export created %s, want it left alone", dir)
	}

	env := xferEnv(filepath.Join(t.TempDir(), "data"), "")
	startXfer(t, env).stop(t)
	out, err := runTimd(t, env, "export")
	if err != nil {
		t.Fatal(err)
	}
	d, err := transfer.Read(strings.NewReader(out))
	if err != nil || d.SDKAppID != 1400000000 {
		t.Errorf("timd export to stdout: got %v, %v; want a document of app 1400000000", d, err)
	}
	if _, err := runTimd(t, env, "import", filepath.Join(dir, "missing.json")); err == nil {
		t.Errorf("timd import of a missing file: got nil error, want one")
	}
}
