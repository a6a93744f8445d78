package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/transfer"
	"github.com/timdhq/timd/timtest"
)

// fixtures is a seed with every kind of entry: accounts with profiles, a group of each
// type with a custom ID, members with roles, name cards, message flags and custom data,
// group custom data, mutes and a muted group.
const fixtures = `{
  "format": "timd-export/1",
  "accounts": [
    {"user_id": "alice", "nick": "Alice", "face_url": "https://example.com/a.png"},
    {"user_id": "bob"}, {"user_id": "carol"}, {"user_id": "dave"}
  ],
  "groups": [
    {"id": "team", "type": "Public", "name": "Team", "owner": "alice", "introduction": "hi",
     "app_data": {"Topic": "go"}, "create_time": 1700000000,
     "members": [
       {"account": "alice", "role": "Owner"},
       {"account": "bob", "role": "Admin", "name_card": "Bobby", "app_data": {"Level": "3"}},
       {"account": "carol", "join_time": 1700000500, "msg_flag": "AcceptNotNotify"},
       {"account": "dave"}
     ],
     "mutes": [{"account": "dave", "until": 4294967295}, {"account": "carol", "until": 1}],
     "messages": [
       {"from": "bob", "msg_body": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hello"}}]},
       {"from": "dave", "random": 77, "msg_body": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "before my mute"}}]}
     ]},
    {"id": "private", "type": "Private", "name": "P", "owner": "alice", "members": [{"account": "alice", "role": "Owner"}, {"account": "bob"}]},
    {"id": "room", "type": "ChatRoom", "name": "R", "owner": "bob", "mute_all_member": true, "members": [{"account": "bob", "role": "Owner"}, {"account": "carol"}],
     "messages": [{"from": "carol", "msg_body": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "before the mute of all"}}]}]},
    {"id": "live", "type": "AVChatRoom", "name": "L", "owner": "alice"},
    {"id": "@TGS#_city", "type": "Community", "name": "C", "owner": "alice", "members": [{"account": "alice", "role": "Owner"}, {"account": "carol", "role": "Admin"}]}
  ]
}`

// writeSeed writes a seed file and returns its path.
func writeSeed(tb testing.TB, text string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "fixtures.json")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// seedConfig is the configuration of the seed tests on data directory dir.
func seedConfig(dir, seed string) config.Config {
	cfg := config.Default()
	cfg.DataDir, cfg.Seed = dir, seed
	cfg.Apps[0].SecretKey = "0123456789abcdef0123456789abcdef"
	cfg.Apps[0].MemberFields, cfg.Apps[0].GroupFields = []string{"Level"}, []string{"Topic"}
	return cfg
}

// startSeeded starts a server on dir with seed and stops it when the test ends.
func startSeeded(tb testing.TB, dir, seed string) (*server.Server, error) {
	tb.Helper()
	srv, err := server.New(context.Background(), seedConfig(dir, seed), server.Options{})
	if err == nil {
		tb.Cleanup(func() { srv.Shutdown(context.Background()) })
	}
	return srv, err
}

// exported returns the app's data as `timd export` would write it, without the time of
// the export.
func exported(tb testing.TB, srv *server.Server) *transfer.Document {
	tb.Helper()
	d, err := transfer.Export(context.Background(), srv.Store(), 1400000000, transfer.ExportOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	d.Exported = 0
	return d
}

func TestSeedLoad(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Seed: writeSeed(t, fixtures), MemberFields: []string{"Level"}, GroupFields: []string{"Topic"}})
	var info struct {
		GroupInfo []struct {
			GroupId, Type, Name, Owner_Account, Introduction, MuteAllMember string
			ErrorCode, CreateTime                                           int
			AppDefinedData                                                  []struct{ Key, Value string }
			MemberList                                                      []struct {
				Member_Account, Role, NameCard, MsgFlag string
				JoinTime, MuteUntil                     int64
				AppMemberDefinedData                    []struct{ Key, Value string }
			}
		}
	}
	r := s.MustOK(t, cmdInfo, `{"GroupIdList":["team","private","room","live","@TGS#_city"]}`)
	if err := r.Decode(&info); err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, g := range info.GroupInfo {
		if g.ErrorCode != 0 {
			t.Fatalf("group %s: ErrorCode %d, want it seeded", g.GroupId, g.ErrorCode)
		}
		types[g.GroupId] = g.Type
	}
	want := map[string]string{"team": "Public", "private": "Private", "room": "ChatRoom", "live": "AVChatRoom", "@TGS#_city": "Community"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("group types (-want +got):\n%s", diff)
	}
	team := info.GroupInfo[0]
	if team.Owner_Account != "alice" || team.Introduction != "hi" || team.CreateTime != 1700000000 ||
		len(team.AppDefinedData) != 1 || team.AppDefinedData[0].Value != "go" {
		t.Errorf("team: got %+v, want owner alice, introduction hi, CreateTime 1700000000, Topic go", team)
	}
	type member struct {
		Role, NameCard, MsgFlag, Level string
		Join                           int64
		Muted                          bool
	}
	got := map[string]member{}
	for _, m := range team.MemberList {
		mm := member{Role: m.Role, NameCard: m.NameCard, MsgFlag: m.MsgFlag, Join: m.JoinTime, Muted: m.MuteUntil > 0}
		for _, kv := range m.AppMemberDefinedData {
			mm.Level = kv.Value
		}
		got[m.Member_Account] = mm
	}
	wantMembers := map[string]member{
		"alice": {Role: "Owner", MsgFlag: "AcceptAndNotify", Join: 1700000000},
		"bob":   {Role: "Admin", NameCard: "Bobby", MsgFlag: "AcceptAndNotify", Level: "3", Join: 1700000000},
		"carol": {Role: "Member", MsgFlag: "AcceptNotNotify", Join: 1700000500},
		"dave":  {Role: "Member", MsgFlag: "AcceptAndNotify", Join: 1700000000, Muted: true},
	}
	if diff := cmp.Diff(wantMembers, got); diff != "" {
		t.Errorf("team's members (-want +got):\n%s", diff)
	}
	if info.GroupInfo[2].MuteAllMember != "On" {
		t.Errorf("room MuteAllMember: got %q, want On", info.GroupInfo[2].MuteAllMember)
	}
	var profile struct {
		UserProfileItem []struct {
			ProfileItem []struct{ Tag, Value string }
		}
	}
	r = s.MustOK(t, "profile/portrait_get", `{"To_Account":["alice"],"TagList":["Tag_Profile_IM_Nick","Tag_Profile_IM_Image"]}`)
	if err := r.Decode(&profile); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r.Raw), `"Alice"`) || !strings.Contains(string(r.Raw), "https://example.com/a.png") {
		t.Errorf("alice's profile: got %s, want nick Alice and her image", r.Raw)
	}
	// The messages, in order, the tips of the group's creation among them.
	var hist struct {
		RspMsgList []struct {
			From_Account string
			MsgRandom    int64
			MsgBody      []struct{ MsgContent struct{ Text string } }
		}
	}
	if err := s.MustOK(t, cmdHist, `{"GroupId":"team","ReqMsgNumber":20}`).Decode(&hist); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range hist.RspMsgList {
		if m.From_Account == "bob" || m.From_Account == "dave" {
			texts = append(texts, fmt.Sprintf("%s %d %s", m.From_Account, m.MsgRandom, m.MsgBody[0].MsgContent.Text))
		}
	}
	if want := []string{"dave 77 before my mute", "bob 1 hello"}; !cmp.Equal(texts, want) {
		t.Errorf("team's messages, newest first: got %q, want %q", texts, want)
	}
	// Reset drops what the test changed and loads the seed again.
	s.MustOK(t, cmdDestroy, `{"GroupId":"team"}`)
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if !groupExists(t, s, "team") {
		t.Error("team after Reset: want it seeded again")
	}
}

// TestSeedIdempotent restarts a server on the same data with the same seed: nothing
// changes, and what a test changed after the seed stays as it is.
func TestSeedIdempotent(t *testing.T) {
	dir, seed := t.TempDir(), writeSeed(t, fixtures)
	srv, err := startSeeded(t, dir, seed)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := srv.AdminCaller(1400000000)
	card := "changed"
	if err := srv.Groups().ModifyMember(context.Background(), c, group.ModifyMemberRequest{GroupID: "team", Account: "bob", NameCard: &card}); err != nil {
		t.Fatal(err)
	}
	before := exported(t, srv)
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv, err = startSeeded(t, dir, seed)
	if err != nil {
		t.Fatalf("restart with the same seed: %v", err)
	}
	if diff := cmp.Diff(before, exported(t, srv)); diff != "" {
		t.Errorf("data after a restart with the same seed (-before +after):\n%s", diff)
	}
}

// TestSeedFromExport seeds a fresh server with what `timd export` wrote of a seeded one:
// the two hold the same data, but for the store's own counters and times.
func TestSeedFromExport(t *testing.T) {
	first, err := startSeeded(t, t.TempDir(), writeSeed(t, fixtures))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := transfer.Write(&buf, exported(t, first)); err != nil {
		t.Fatal(err)
	}
	second, err := startSeeded(t, t.TempDir(), writeSeed(t, buf.String()))
	if err != nil {
		t.Fatalf("seed from an export: %v", err)
	}
	ignore := cmp.Options{
		cmpopts.IgnoreFields(transfer.Account{}, "Created"),
		cmpopts.IgnoreFields(transfer.Group{}, "InfoSeq", "LastInfoTime", "LastMsgTime", "NextMsgSeq"),
		cmpopts.IgnoreFields(transfer.Member{}, "MsgSeq", "LastSendMsgTime"),
	}
	// An AVChatRoom cannot be imported: it is created now, whatever its create_time.
	a, b := withoutAVTimes(exported(t, first)), withoutAVTimes(exported(t, second))
	if diff := cmp.Diff(a, b, ignore); diff != "" {
		t.Errorf("seeded from the export (-first +second):\n%s", diff)
	}
}

// withoutAVTimes zeroes the creation and join times of d's AVChatRooms.
func withoutAVTimes(d *transfer.Document) *transfer.Document {
	for i := range d.Groups {
		if g := &d.Groups[i]; g.Type == "AVChatRoom" {
			g.CreateTime = 0
			for j := range g.Members {
				g.Members[j].JoinTime = 0
			}
		}
	}
	return d
}

func TestSeedBroken(t *testing.T) {
	tests := []struct {
		name, seed string
		want       []string // parts of the error
	}{
		{"name card over the limit",
			`{"format":"timd-export/1","accounts":[{"user_id":"a"},{"user_id":"b"}],"groups":[{"id":"g1","type":"Public","name":"G","owner":"a","members":[{"account":"b","name_card":"` + strings.Repeat("x", 51) + `"}]}]}`,
			[]string{"fixtures.json", `groups[0] "g1"`, `member "b"`, "ErrorCode 10004", "NameCard"}},
		{"member never imported",
			`{"format":"timd-export/1","accounts":[{"user_id":"a"}],"groups":[{"id":"g1","type":"Public","name":"G","owner":"a","members":[{"account":"a","role":"Owner"},{"account":"ghost","join_time":1700000000}],"create_time":1600000000}]}`,
			[]string{`groups[0] "g1"`, `member "ghost"`, "not added"}},
		{"malformed account",
			`{"format":"timd-export/1","accounts":[{"user_id":"ok"},{"user_id":"` + strings.Repeat("a", 40) + `"}]}`,
			[]string{`accounts[1]`, "ErrorCode"}},
		{"unknown group type",
			`{"format":"timd-export/1","groups":[{"id":"g","type":"Huge","name":"G"}]}`,
			[]string{`groups[0] "g"`, "ErrorCode 10004", "Huge"}},
		{"two owners",
			`{"format":"timd-export/1","accounts":[{"user_id":"a"},{"user_id":"b"}],"groups":[{"id":"g","type":"Public","name":"G","owner":"a","members":[{"account":"b","role":"Owner"}]}]}`,
			[]string{`groups[0] "g"`, `member "b": role Owner, but the group's owner is "a"`}},
		{"message from an account never imported",
			`{"format":"timd-export/1","accounts":[{"user_id":"a"}],"groups":[{"id":"g","type":"Public","name":"G","owner":"a","messages":[{"from":"b","msg_body":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}]}]}`,
			[]string{`groups[0] "g"`, "messages[0]", "ErrorCode 10004", `"b" has not been imported`}},
		{"message without a body",
			`{"format":"timd-export/1","accounts":[{"user_id":"a"}],"groups":[{"id":"g","type":"Public","name":"G","owner":"a","messages":[{"from":"a"}]}]}`,
			[]string{`groups[0] "g"`, "messages[0]", "ErrorCode"}},
		{"another format", `{"format":"other"}`, []string{`format "other"`, "timd-export/1"}},
		{"unknown key", `{"format":"timd-export/1","acounts":[]}`, []string{`unknown field "acounts"`}},
		{"app not served", `{"format":"timd-export/1","sdkappid":7}`, []string{"sdkappid 7 is not an app of this server"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := startSeeded(t, t.TempDir(), writeSeed(t, tt.seed))
			if err == nil {
				t.Fatal("server.New: got no error, want the broken fixture named")
			}
			for _, part := range tt.want {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q lacks %q", err, part)
				}
			}
		})
	}
	if _, err := startSeeded(t, t.TempDir(), filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing seed file: got %v, want an error naming it", err)
	}
}

// TestDevResetToSeed resets an app to its fixtures with /dev/reset {"seed":true}.
func TestDevResetToSeed(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{
		Seed: writeSeed(t, fixtures), MemberFields: []string{"Level"}, GroupFields: []string{"Topic"},
		Configure: func(c *config.Config) { c.Dev = true },
	})
	s.MustOK(t, cmdDestroy, `{"GroupId":"team"}`)
	s.MustOK(t, cmdCreate, `{"Type":"Public","Name":"new","GroupId":"new"}`)
	wantDev(t, devDo(t, s, http.MethodPost, "/dev/reset", s.Query(s.Admin()), `{"seed":true}`), http.StatusOK, im.CodeOK)
	if !groupExists(t, s, "team") || groupExists(t, s, "new") {
		t.Error("after /dev/reset to the seed: want team back and new gone")
	}
	wantDev(t, devDo(t, s, http.MethodPost, "/dev/reset", s.Query(s.Admin()), `{}`), http.StatusOK, im.CodeOK)
	if groupExists(t, s, "team") {
		t.Error("after /dev/reset without seed: want no group")
	}
	// A server without a seed file refuses {"seed":true}.
	plain := newDevServer(t, true)
	a := devDo(t, plain, http.MethodPost, "/dev/reset", plain.Query(plain.Admin()), `{"seed":true}`)
	wantDev(t, a, http.StatusOK, im.CodeInvalidParam)
	var body struct{ ErrorInfo string }
	json.Unmarshal([]byte(a.Raw), &body)
	if !strings.Contains(body.ErrorInfo, "no seed file") {
		t.Errorf("ErrorInfo: got %q, want it to say there is no seed file", body.ErrorInfo)
	}
}
