package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

// A fixture of accounts and groups, and snapshots of an app's whole state read back
// through the API, for the bad-input and isolation tests.

// appAdmin calls the REST API as the admin of one app of a server.
type appAdmin struct {
	s *timtest.Server
	// query is the admin's signed query, valid for a day: minting a UserSig for every
	// call would cost these tests more than the calls themselves.
	query string
}

// firstAdmin is the admin of the server's first app.
func firstAdmin(s *timtest.Server) appAdmin { return appAdmin{s: s, query: s.Query(s.Admin())} }

// secondAdmin is the admin of secondApp (see withSecondApp).
func secondAdmin(s *timtest.Server) appAdmin { return appAdmin{s: s, query: secondAppQuery(s)} }

// post posts body, sent exactly as given, to command ("service/command").
func (a appAdmin) post(tb testing.TB, command, body string) *reply {
	tb.Helper()
	return MustPost(tb, a.s, "/v4/"+command+"?"+a.query, body)
}

// mustOK posts body, marshalled, and fails the test unless the answer is OK.
func (a appAdmin) mustOK(tb testing.TB, command string, body any) *reply {
	tb.Helper()
	r := a.post(tb, command, mustJSON(tb, body))
	if r.Env.ErrorCode != 0 {
		tb.Fatalf("%s %s: ErrorCode %d (%s), want 0", command, mustJSON(tb, body), r.Env.ErrorCode, r.Env.ErrorInfo)
	}
	return r
}

// Custom fields the fixture's apps define.
var (
	fixtureMemberFields  = []string{"F1", "F2"}
	fixtureGroupFields   = []string{"G1"}
	fixtureProfileFields = []string{"Test"}
)

// profileTags are every profile tag of the fixture's apps, read by a snapshot.
var profileTags = []string{
	"Tag_Profile_IM_Nick", "Tag_Profile_IM_Gender", "Tag_Profile_IM_BirthDay", "Tag_Profile_IM_Location",
	"Tag_Profile_IM_SelfSignature", "Tag_Profile_IM_AllowType", "Tag_Profile_IM_Language", "Tag_Profile_IM_Image",
	"Tag_Profile_IM_AdminForbidType", "Tag_Profile_IM_Level", "Tag_Profile_IM_Role", "Tag_Profile_Custom_Test",
}

// withFixtureFields is an Options.Configure part that defines the fixture's custom fields
// for every app configured so far.
func withFixtureFields(c *config.Config) {
	for i := range c.Apps {
		c.Apps[i].MemberFields, c.Apps[i].GroupFields = fixtureMemberFields, fixtureGroupFields
		c.Apps[i].ProfileFields = fixtureProfileFields
	}
}

// fixtureAccounts are the accounts seedFixture imports.
var fixtureAccounts = []string{"owner", "m1", "m2", "m3", "free"}

// snapshotAccounts are the accounts a snapshot checks: the fixture's, and every other
// account the requests of these tests may import.
var snapshotAccounts = append(append([]string{}, fixtureAccounts...), "newacct", "newa", "newb", "nobody")

// seedFixture fills the app of a with:
//
//	accounts  owner, m1 (profile Level 3, Test "t"), m2, m3, free (free is in no group)
//	pub       Public, imported with CreateTime a day ago; owner; m1 (F1=a, UnreadMsgNum 2),
//	          m2, m3 (Admin, muted forever); G1=g; attribute a1=v1; counter like=5
//	priv      Private; owner, m1
//	@TGS#_comm Community with SupportTopic; owner, m1; attribute c1=v; topic
//	          @TGS#_comm@TOPIC#_t1 holding m1's text (seq 1)
//	av        AVChatRoom; owner; free muted for an hour, m2 banned for an hour
//	victim    Public; owner, m2; m2's text asking for read receipts (seq 1)
func seedFixture(tb testing.TB, a appAdmin) {
	tb.Helper()
	const svc = "group_open_http_svc/"
	a.mustOK(tb, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": fixtureAccounts})
	a.mustOK(tb, "profile/portrait_set", map[string]any{"From_Account": "m1", "ProfileItem": []any{
		map[string]any{"Tag": "Tag_Profile_IM_Level", "Value": 3}, map[string]any{"Tag": "Tag_Profile_Custom_Test", "Value": "t"}}})
	a.mustOK(tb, svc+"import_group", map[string]any{
		"GroupId": "pub", "Type": "Public", "Name": "pub", "Owner_Account": "owner",
		"CreateTime": a.s.Now().Unix() - 86400, "AppDefinedData": []any{map[string]string{"Key": "G1", "Value": "g"}},
		"MemberList": []any{
			map[string]any{"Member_Account": "m1", "AppMemberDefinedData": []any{map[string]string{"Key": "F1", "Value": "a"}}},
			map[string]any{"Member_Account": "m2"},
			map[string]any{"Member_Account": "m3", "Role": "Admin"},
		},
	})
	a.mustOK(tb, svc+"forbid_send_msg", map[string]any{"GroupId": "pub", "Members_Account": []string{"m3"}, "MuteTime": 4294967295})
	a.mustOK(tb, svc+"send_group_msg", map[string]any{"GroupId": "pub", "From_Account": "m2", "Random": 1,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]string{"Text": "fixture"}}}})
	a.mustOK(tb, svc+"set_unread_msg_num", map[string]any{"GroupId": "pub", "Member_Account": "m1", "UnreadMsgNum": 2})
	for _, g := range []struct{ id, typ, member string }{
		{"priv", "Private", "m1"}, {"@TGS#_comm", "Community", "m1"}, {"av", "AVChatRoom", ""}, {"victim", "Public", "m2"},
	} {
		body := map[string]any{"GroupId": g.id, "Type": g.typ, "Name": g.id, "Owner_Account": "owner"}
		if g.typ == "Community" {
			body["SupportTopic"] = 1
		}
		if g.member != "" {
			body["MemberList"] = []any{map[string]string{"Member_Account": g.member}}
		}
		a.mustOK(tb, svc+"create_group", body)
	}
	a.mustOK(tb, "million_group_open_http_svc/create_topic", map[string]any{"GroupId": "@TGS#_comm", "TopicId": fixtureTopic, "TopicName": "t1"})
	a.mustOK(tb, svc+"send_group_msg", map[string]any{"GroupId": "@TGS#_comm", "TopicId": fixtureTopic, "From_Account": "m1", "Random": 1,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]string{"Text": "topic"}}}})
	a.mustOK(tb, svc+"forbid_send_msg", map[string]any{"GroupId": "av", "Members_Account": []string{"free"}, "MuteTime": 3600})
	for g, kv := range map[string][2]string{"pub": {"a1", "v1"}, "@TGS#_comm": {"c1", "v"}} {
		a.mustOK(tb, svc+"set_group_attr", map[string]any{"GroupId": g, "GroupAttr": []any{map[string]string{"key": kv[0], "value": kv[1]}}})
	}
	a.mustOK(tb, svc+"send_group_msg", map[string]any{"GroupId": "victim", "From_Account": "m2", "Random": 1, "NeedReadReceipt": 1,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]string{"Text": "read me"}}}})
	a.mustOK(tb, svc+"ban_group_member", map[string]any{"GroupId": "av", "Members_Account": []string{"m2"}, "Duration": 3600, "Description": "fixture"})
	a.mustOK(tb, svc+"update_group_counter", map[string]any{"GroupId": "pub", "GroupCounter": []any{map[string]any{"Key": "like", "Value": 5}}})
}

// fixtureTopic is the topic of the fixture's Community.
const fixtureTopic = "@TGS#_comm@TOPIC#_t1"

// snapshot is an app's state as its admin reads it back: the answers of
// get_appid_group_list; account_check and portrait_get (every tag) of snapshotAccounts;
// get_group_info of every group, with members (their roles, name cards, flags, custom
// data and mutes), its get_group_attr and (but for a Community) its get_group_counter; the
// get_topic of every Community that holds topics, with each topic's history; the read
// receipt counts of the messages of every other group but an AVChatRoom; the
// get_group_muted_account and get_group_ban_member of every AVChatRoom, whose mutes and
// bans may name non-members; and get_joined_group_list of every member, with every
// SelfInfo field (UnreadMsgNum shows only there).
type snapshot = map[string]any

// takeSnapshot reads the state of a's app.
func takeSnapshot(tb testing.TB, a appAdmin) snapshot {
	tb.Helper()
	snap := snapshot{}
	read := func(key, command string, body any) map[string]any {
		tb.Helper()
		v := decodeAnswer(tb, a.mustOK(tb, command, body).Raw)
		snap[key] = v
		return v
	}
	read("accounts", "im_open_login_svc/account_check", map[string]any{"CheckItem": items(snapshotAccounts...)})
	read("profiles", "profile/portrait_get", map[string]any{"To_Account": snapshotAccounts, "TagList": profileTags})
	var groups []string
	for _, g := range list(read("groups", "group_open_http_svc/get_appid_group_list", map[string]any{})["GroupIdList"]) {
		groups = append(groups, g.(map[string]any)["GroupId"].(string))
	}
	if len(groups) > 50 {
		tb.Fatalf("snapshot: %d groups, more than one get_group_info reads", len(groups))
	}
	if len(groups) == 0 {
		return snap
	}
	members := map[string]bool{}
	for i, g := range list(read("info", "group_open_http_svc/get_group_info", map[string]any{"GroupIdList": groups})["GroupInfo"]) {
		info := g.(map[string]any)
		for _, m := range list(info["MemberList"]) {
			members[m.(map[string]any)["Member_Account"].(string)] = true
		}
		read(fmt.Sprintf("attrs %d", i), "group_open_attr_http_svc/get_group_attr", map[string]any{"GroupId": groups[i]})
		if info["Type"] != "Community" {
			read(fmt.Sprintf("counters %d", i), "group_open_http_svc/get_group_counter", map[string]any{"GroupId": groups[i]})
		}
		if info["Type"] == "AVChatRoom" {
			// Keyed by position: a minted ID differs from one run to the next.
			read(fmt.Sprintf("muted %d", i), "group_open_http_svc/get_group_muted_account", map[string]any{"GroupId": groups[i]})
			read(fmt.Sprintf("banned %d", i), "group_open_http_svc/get_group_ban_member", map[string]any{"GroupId": groups[i]})
		} else {
			outline := historyOutline(tb, a, groups[i], "")
			snap[fmt.Sprintf("history %d", i)] = outline
			if info["Type"] != "Community" && len(outline) > 0 {
				var seqs []any
				for _, m := range outline {
					seqs = append(seqs, map[string]any{"MsgSeq": m.([]any)[0]})
				}
				read(fmt.Sprintf("receipts %d", i), "group_open_http_svc/get_group_msg_receipt", map[string]any{"GroupId": groups[i], "MsgSeqList": seqs})
			}
		}
		if info["SupportTopic"] == json.Number("1") {
			topics := read(fmt.Sprintf("topics %d", i), "million_group_open_http_svc/get_topic", map[string]any{"GroupId": groups[i], "From_Account": "owner"})
			for j, tp := range list(topics["TopicAndSelfInfo"]) {
				id := tp.(map[string]any)["TopicInfo"].(map[string]any)["TopicId"].(string)
				snap[fmt.Sprintf("topic history %d %d", i, j)] = historyOutline(tb, a, groups[i], id)
			}
		}
	}
	selfFields := []string{"Role", "JoinTime", "MsgFlag", "MsgSeq", "UnreadMsgNum", "NameCard", "MuteUntil"}
	for _, id := range slices.Sorted(maps.Keys(members)) {
		read("joined "+id, "group_open_http_svc/get_joined_group_list", map[string]any{
			"Member_Account": id, "WithHugeGroups": 1,
			"ResponseFilter": map[string]any{"GroupBaseInfoFilter": []string{}, "SelfInfoFilter": selfFields},
		})
	}
	return snap
}

// historyOutline reads the newest messages of a group, each as its MsgSeq, sender,
// Random, state and element types: what a request's bad values could change. Element
// contents are left out, since a sender's unknown keys inside them are kept as sent.
func historyOutline(tb testing.TB, a appAdmin, group, topic string) []any {
	tb.Helper()
	v := decodeAnswer(tb, a.mustOK(tb, "group_open_http_svc/group_msg_get_simple",
		map[string]any{"GroupId": group, "TopicId": topic, "ReqMsgNumber": 20, "WithRecalledMsg": 1}).Raw)
	var out []any
	for _, m := range list(v["RspMsgList"]) {
		m := m.(map[string]any)
		var types []any
		for _, e := range list(m["MsgBody"]) {
			types = append(types, e.(map[string]any)["MsgType"])
		}
		out = append(out, []any{m["MsgSeq"], m["From_Account"], m["MsgRandom"], m["IsPlaceMsg"], m["MsgPriority"], m["CloudCustomData"], types})
	}
	return out
}

// list returns v as a JSON array, or nil.
func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// decodeAnswer decodes a JSON answer, numbers as json.Number.
func decodeAnswer(tb testing.TB, raw []byte) map[string]any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("answer is not a JSON object: %v: %s", err, raw)
	}
	return v
}

// timeKeys are the answer fields that hold a unix time.
var timeKeys = map[string]bool{
	"CreateTime": true, "JoinTime": true, "LastInfoTime": true, "LastMsgTime": true, "LastSendMsgTime": true, "MsgTime": true,
	"MuteUntil": true, "ShutUpUntil": true, "MutedUntil": true, "ShuttedUntil": true, "BannedUntil": true,
}

// mintedID matches a group or topic ID the server minted.
var mintedID = regexp.MustCompile(`^(?:@TGS#(?:[123a][A-Z2-7]{8}|_@TGS#c[A-Z2-7]{10})|.+@TOPIC#_@TOPIC#c[A-Z2-7]{10})$`)

// diffJSON describes how decoded JSON got differs from want, one line per difference.
func diffJSON(want, got any) []string {
	var out []string
	diffValue("", want, got, nil, &out)
	return out
}

// runDiff compares the outcomes of two runs on two fixtures, seeded at unix times
// wantSeed and gotSeed: times count from the seeding, give or take timeSlack, and any two
// minted group IDs are equal.
type runDiff struct{ wantSeed, gotSeed int64 }

// diffRuns is diffJSON for the outcomes of two runs.
func diffRuns(want, got any, seeds runDiff) []string {
	var out []string
	diffValue("", want, got, &seeds, &out)
	return out
}

func diffValue(path string, want, got any, loose *runDiff, out *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: got %v, want an object", path, got))
			return
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			diffValue(path+"."+k, w[k], g[k], loose, out)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, got, want))
			return
		}
		for i := range w {
			diffValue(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], loose, out)
		}
	default:
		if sameScalar(path, want, got, loose) {
			return
		}
		*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, got, want))
	}
}

// sameScalar compares two JSON scalars at path.
func sameScalar(path string, want, got any, loose *runDiff) bool {
	if want == got {
		return true
	}
	if loose == nil {
		return false
	}
	if ws, ok := want.(string); ok {
		gs, _ := got.(string)
		return mintedID.MatchString(ws) && mintedID.MatchString(gs)
	}
	wn, ok1 := want.(json.Number)
	gn, ok2 := got.(json.Number)
	if !ok1 || !ok2 || !timeKeys[lastKey(path)] {
		return false
	}
	w, err1 := wn.Int64()
	g, err2 := gn.Int64()
	d := (g - loose.gotSeed) - (w - loose.wantSeed)
	return err1 == nil && err2 == nil && w > 1e9 && g > 1e9 && d <= timeSlack && d >= -timeSlack
}

// timeSlack is how many seconds two runs' times may differ, counted from their seeding: a
// slow machine may take a few seconds to seed, while the differences that matter here (a
// MuteTime of 60, a JoinTime an hour ago) are a minute or more.
const timeSlack = 5

// lastKey returns the last object key of a path such as ".GroupInfo[0].CreateTime".
func lastKey(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '.' {
			return path[i+1:]
		}
	}
	return path
}
