package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

// The group-level commands under test, by their path below /v4/.
const (
	cmdGroupInfo  = "group_open_http_svc/get_group_info"
	cmdModifyBase = "group_open_http_svc/modify_group_base_info"
)

// baseFields are the base fields of a group in get_group_info (Tencent's docs, see
// docs/compatibility.md Sources), with ShutUpAllMember beside MuteAllMember (docs/compatibility.md §3).
var baseFields = []string{
	"Type", "Name", "Introduction", "Notification", "FaceUrl", "CreateTime", "Owner_Account", "InfoSeq",
	"LastInfoTime", "LastMsgTime", "NextMsgSeq", "MemberNum", "MaxMemberNum", "ApplyJoinOption", "MuteAllMember",
	"ShutUpAllMember",
}

// entryFields are the fields of every get_group_info entry, whatever the filter.
var entryFields = []string{"GroupId", "ErrorCode", "ErrorInfo"}

// groupInfos returns the GroupInfo array of a get_group_info answer.
func groupInfos(tb testing.TB, r *timtest.Response) []map[string]any {
	tb.Helper()
	raw, ok := r.Fields["GroupInfo"].([]any)
	if !ok {
		tb.Fatalf("answer has no GroupInfo array: %s", r.Raw)
	}
	out := make([]map[string]any, len(raw))
	for i, g := range raw {
		if out[i], ok = g.(map[string]any); !ok {
			tb.Fatalf("GroupInfo[%d] is not an object: %s", i, r.Raw)
		}
	}
	return out
}

// getGroupInfo posts a get_group_info of ids with extra fields and returns its entries.
func getGroupInfo(tb testing.TB, s *timtest.Server, ids []string, fields map[string]any) []map[string]any {
	tb.Helper()
	body := map[string]any{"GroupIdList": ids}
	for k, v := range fields {
		body[k] = v
	}
	infos := groupInfos(tb, mustCode(tb, s, cmdGroupInfo, body, codeOK))
	if len(infos) != len(ids) {
		tb.Fatalf("get_group_info of %d groups answered %d entries", len(ids), len(infos))
	}
	return infos
}

// mustGroupInfo returns the get_group_info entry of one group read with no filter,
// failing the test unless the entry's ErrorCode is 0.
func mustGroupInfo(tb testing.TB, s *timtest.Server, id string) map[string]any {
	tb.Helper()
	g := getGroupInfo(tb, s, []string{id}, nil)[0]
	if code := num(tb, g, "ErrorCode"); code != codeOK {
		tb.Fatalf("get_group_info of %s: entry ErrorCode %d (%v), want 0", id, code, g["ErrorInfo"])
	}
	return g
}

// groupData returns the AppDefinedData of a group entry as a map (nil when absent).
func groupData(tb testing.TB, g map[string]any) map[string]string {
	tb.Helper()
	if _, ok := g["AppDefinedData"]; !ok {
		return nil
	}
	return customData(tb, member{"AppMemberDefinedData": g["AppDefinedData"]})
}

// entryMembers returns the MemberList of a group entry.
func entryMembers(tb testing.TB, g map[string]any) []member {
	tb.Helper()
	raw, ok := g["MemberList"].([]any)
	if !ok {
		tb.Fatalf("group entry has no MemberList array: %v", g)
	}
	out := make([]member, len(raw))
	for i, m := range raw {
		out[i], _ = m.(map[string]any)
	}
	return out
}

// without returns a copy of m without the named keys.
func without(m map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// infoFixture makes a Public group with owner, bob (Admin, name card, custom data) and
// carol, a name, texts and the group custom field Color.
func infoFixture(t *testing.T, s *timtest.Server) string {
	t.Helper()
	r := createGroup(t, s, "Public", map[string]any{
		"Owner_Account": "owner", "Introduction": "intro", "Notification": "notice", "FaceUrl": "http://face",
		"AppDefinedData": kvs("Color", "red"),
		"MemberList": []map[string]any{
			{"Member_Account": "bob", "Role": "Admin", "AppMemberDefinedData": kvs("Level", "9")},
			{"Member_Account": "carol"},
		},
	}, codeOK)
	g, _ := r.Fields["GroupId"].(string)
	mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"NameCard": "Bobby"}), codeOK)
	return g
}

// newInfoServer starts a server with the group fields Color and Size, the member field
// Level, and the accounts owner, bob, carol and dave imported.
func newInfoServer(t *testing.T) *timtest.Server {
	t.Helper()
	s := newServer(t, timtest.Options{GroupFields: []string{"Color", "Size"}, MemberFields: []string{"Level"}})
	s.MustImportAccounts(t, "owner", "bob", "carol", "dave")
	return s
}

// TestGetGroupInfo checks get_group_info without a filter and its per-group errors
// (Tencent's docs, see docs/compatibility.md Sources, docs/compatibility.md §4 and §6).
func TestGetGroupInfo(t *testing.T) {
	s := newInfoServer(t)
	lo := s.Now().Unix()
	g := infoFixture(t, s)
	hi := s.Now().Unix()

	t.Run("every field without a filter", func(t *testing.T) {
		info := mustGroupInfo(t, s, g)
		want := sorted(append(append(append([]string{}, entryFields...), baseFields...), "AppDefinedData", "MemberList")...)
		if diff := cmp.Diff(want, fieldNames(info)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		strs := map[string]string{
			"GroupId": g, "ErrorInfo": "", "Type": "Public", "Name": "g", "Introduction": "intro", "Notification": "notice",
			"FaceUrl": "http://face", "Owner_Account": "owner", "ApplyJoinOption": "NeedPermission", "MuteAllMember": "Off",
		}
		for f, v := range strs {
			if info[f] != v {
				t.Errorf("%s: got %#v, want %q", f, info[f], v)
			}
		}
		nums := map[string]int64{"ErrorCode": 0, "InfoSeq": 1, "LastMsgTime": 0, "NextMsgSeq": 1, "MemberNum": 3, "MaxMemberNum": 2000}
		for f, v := range nums {
			if got := num(t, info, f); got != v {
				t.Errorf("%s: got %d, want %d", f, got, v)
			}
		}
		if c := num(t, info, "CreateTime"); c < lo || c > hi {
			t.Errorf("CreateTime: got %d, want from %d to %d", c, lo, hi)
		}
		if l := num(t, info, "LastInfoTime"); l != num(t, info, "CreateTime") {
			t.Errorf("LastInfoTime of a new group: got %d, want its CreateTime %d", l, num(t, info, "CreateTime"))
		}
		if diff := cmp.Diff(map[string]string{"Color": "red"}, groupData(t, info)); diff != "" {
			t.Errorf("AppDefinedData (-want +got):\n%s", diff)
		}
		ms := entryMembers(t, info)
		if got := accounts(ms); strings.Join(got, ",") != "owner,bob,carol" {
			t.Fatalf("MemberList: got %v, want owner, bob, carol", got)
		}
		for _, m := range ms {
			want := sorted(allMemberFields...)
			if m["Member_Account"] == "bob" {
				want = sorted(append(allMemberFields, "AppMemberDefinedData")...)
			}
			if diff := cmp.Diff(want, fieldNames(m)); diff != "" {
				t.Errorf("fields of member %s (-want +got):\n%s", m["Member_Account"], diff)
			}
		}
		if diff := cmp.Diff(mustMember(t, s, g, "bob"), ms[1]); diff != "" {
			t.Errorf("bob in get_group_info differs from get_group_member_info (-member info +group info):\n%s", diff)
		}
	})
	t.Run("no custom data", func(t *testing.T) {
		id := s.MustCreateGroup(t, "Private", "owner")
		info := mustGroupInfo(t, s, id)
		if data, ok := info["AppDefinedData"].([]any); !ok || len(data) != 0 {
			t.Errorf("AppDefinedData of a group without custom data: got %#v, want []", info["AppDefinedData"])
		}
	})
	t.Run("InviteJoinOption only when set", func(t *testing.T) {
		r := createGroup(t, s, "Public", map[string]any{"InviteJoinOption": "DisableInvite"}, codeOK)
		id, _ := r.Fields["GroupId"].(string)
		if got := mustGroupInfo(t, s, id)["InviteJoinOption"]; got != "DisableInvite" {
			t.Errorf("InviteJoinOption: got %#v, want DisableInvite", got)
		}
		if _, ok := mustGroupInfo(t, s, g)["InviteJoinOption"]; ok {
			t.Errorf("a group that never set InviteJoinOption answers one")
		}
	})
	t.Run("every type", func(t *testing.T) {
		for typ, want := range map[string]string{"Private": "Private", "Work": "Private", "Public": "Public", "ChatRoom": "ChatRoom", "Meeting": "ChatRoom", "Community": "Community"} {
			id := s.MustCreateGroup(t, typ, "owner", "bob")
			info := mustGroupInfo(t, s, id)
			if info["Type"] != want || num(t, info, "MemberNum") != 2 || len(entryMembers(t, info)) != 2 {
				t.Errorf("%s group: got Type %v, MemberNum %v, %d members; want %s, 2, 2", typ, info["Type"], info["MemberNum"], len(entryMembers(t, info)), want)
			}
		}
	})
	t.Run("AVChatRoom has no MemberList", func(t *testing.T) {
		av := s.MustCreateGroup(t, "AVChatRoom", "owner")
		info := mustGroupInfo(t, s, av)
		if _, ok := info["MemberList"]; ok {
			t.Errorf("AVChatRoom entry has a MemberList: %v", info)
		}
		if info["Type"] != "AVChatRoom" || info["Owner_Account"] != "owner" {
			t.Errorf("AVChatRoom entry: got %v", info)
		}
		filtered := getGroupInfo(t, s, []string{av}, map[string]any{"ResponseFilter": map[string]any{"MemberInfoFilter": []string{"Role"}}})[0]
		if _, ok := filtered["MemberList"]; ok {
			t.Errorf("AVChatRoom entry with a MemberInfoFilter has a MemberList: %v", filtered)
		}
	})
	t.Run("expired mute reads 0", func(t *testing.T) {
		id := s.MustCreateGroup(t, "Public", "owner", "carol")
		mustCode(t, s, cmdModify, modify(id, "carol", map[string]any{"MuteTime": 60}), codeOK)
		if mu := num(t, entryMembers(t, mustGroupInfo(t, s, id))[1], "MuteUntil"); mu == 0 {
			t.Fatalf("carol's MuteUntil: got 0, want her mute end")
		}
		s.Advance(2 * time.Minute)
		carol := entryMembers(t, mustGroupInfo(t, s, id))[1]
		if mu, su := num(t, carol, "MuteUntil"), num(t, carol, "ShutUpUntil"); mu != 0 || su != 0 {
			t.Errorf("carol after her mute ended: got MuteUntil %d ShutUpUntil %d, want 0 and 0", mu, su)
		}
	})
}

// TestGetGroupInfoErrors checks the GroupIdList limits and the per-group ErrorCode and
// ErrorInfo: a bad group fails on its own entry, the others are still answered.
func TestGetGroupInfoErrors(t *testing.T) {
	s := newInfoServer(t)
	g := s.MustCreateGroup(t, "Public", "owner", "bob")
	gone := s.MustCreateGroup(t, "Public", "owner")
	mustCode(t, s, cmdDestroy, map[string]any{"GroupId": gone}, codeOK)

	t.Run("each group on its own", func(t *testing.T) {
		ids := []string{g, "", unknown, gone, strings.Repeat("g", 49), "bad\x01id", "no-such-group", g}
		want := []int64{codeOK, codeBadGroupID, codeNoGroup, codeNoGroup, codeBadGroupID, codeBadGroupID, codeNoGroup, codeOK}
		infos := getGroupInfo(t, s, ids, nil)
		for i, info := range infos {
			if info["GroupId"] != ids[i] {
				t.Errorf("entry %d: GroupId %#v, want %q", i, info["GroupId"], ids[i])
			}
			if code := num(t, info, "ErrorCode"); code != want[i] {
				t.Errorf("entry %d (%q): ErrorCode %d, want %d", i, ids[i], code, want[i])
			}
			if want[i] == codeOK {
				if info["ErrorInfo"] != "" || info["Name"] != "timtest group" || len(entryMembers(t, info)) != 2 {
					t.Errorf("entry %d: got %v, want the group with its two members", i, info)
				}
				continue
			}
			if e, _ := info["ErrorInfo"].(string); e == "" {
				t.Errorf("entry %d (%q): empty ErrorInfo", i, ids[i])
			}
			if diff := cmp.Diff(sorted(entryFields...), fieldNames(info)); diff != "" {
				t.Errorf("fields of failed entry %d (-want +got):\n%s", i, diff)
			}
		}
	})
	t.Run("50 groups", func(t *testing.T) {
		ids := make([]string, 50)
		for i := range ids {
			ids[i] = g
		}
		for _, info := range getGroupInfo(t, s, ids, nil) {
			if num(t, info, "ErrorCode") != codeOK {
				t.Fatalf("entry: got %v, want the group", info)
			}
		}
	})
	t.Run("51 groups", func(t *testing.T) {
		ids := make([]string, 51)
		for i := range ids {
			ids[i] = g
		}
		r := mustCode(t, s, cmdGroupInfo, map[string]any{"GroupIdList": ids}, codeOverLimit)
		hasInfo(t, r, "51", "50")
	})
	t.Run("no groups", func(t *testing.T) {
		mustCode(t, s, cmdGroupInfo, map[string]any{"GroupIdList": []string{}}, codeInvalid)
		mustCode(t, s, cmdGroupInfo, map[string]any{}, codeInvalid)
		mustCode(t, s, cmdGroupInfo, map[string]any{"GroupIdList": nil}, codeInvalid)
	})
	t.Run("wrong JSON types", func(t *testing.T) {
		mustCode(t, s, cmdGroupInfo, map[string]any{"GroupIdList": g}, codeBadJSON)
		mustCode(t, s, cmdGroupInfo, map[string]any{"GroupIdList": []string{g}, "ResponseFilter": []string{"Name"}}, codeBadJSON)
	})
}

// TestGetGroupInfoTooLarge checks that get_group_info, like get_group_member_info,
// answers 10018 rather than an answer over the app's response limit, and that the same
// group read without its member list is answered.
func TestGetGroupInfoTooLarge(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Limits.ResponseMax = 4096 }})
	all := names("big", 40)
	s.MustImportAccounts(t, all...)
	g := s.MustCreateGroup(t, "Community", all[0], all[1:]...)
	mustCode(t, s, cmdGroupInfo, map[string]any{"GroupIdList": []string{g}}, codeTooLarge)
	info := getGroupInfo(t, s, []string{g}, map[string]any{"ResponseFilter": map[string]any{"GroupBaseInfoFilter": []string{"MemberNum"}}})[0]
	if num(t, info, "MemberNum") != 40 {
		t.Errorf("MemberNum: got %v, want 40", info["MemberNum"])
	}
}

// TestGetGroupInfoFilters checks ResponseFilter: GroupBaseInfoFilter answers exactly the
// base fields named, AppDefinedData and MemberList come only with their filters.
func TestGetGroupInfoFilters(t *testing.T) {
	s := newInfoServer(t)
	g := infoFixture(t, s)
	mustCode(t, s, cmdModifyBase, map[string]any{"GroupId": g, "AppDefinedData": kvs("Size", "L")}, codeOK)
	full := mustGroupInfo(t, s, g)
	get := func(t *testing.T, filter map[string]any) map[string]any {
		t.Helper()
		return getGroupInfo(t, s, []string{g}, map[string]any{"ResponseFilter": filter})[0]
	}

	for _, f := range append(append([]string{}, baseFields...), "InviteJoinOption") {
		t.Run("GroupBaseInfoFilter/"+f, func(t *testing.T) {
			info := get(t, map[string]any{"GroupBaseInfoFilter": []string{f}})
			want := sorted(append(append([]string{}, entryFields...), f)...)
			if f == "InviteJoinOption" {
				want = sorted(entryFields...) // the fixture never set it
			}
			if diff := cmp.Diff(want, fieldNames(info)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if info[f] != full[f] {
				t.Errorf("%s: got %#v, want %#v as without a filter", f, info[f], full[f])
			}
		})
	}
	t.Run("GroupBaseInfoFilter/several", func(t *testing.T) {
		info := get(t, map[string]any{"GroupBaseInfoFilter": []string{"Name", "MemberNum", "Owner_Account", "NoSuchField"}})
		if diff := cmp.Diff(sorted(append(append([]string{}, entryFields...), "Name", "MemberNum", "Owner_Account")...), fieldNames(info)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
	})
	t.Run("GroupBaseInfoFilter/old name ShutUpAllMember", func(t *testing.T) {
		info := get(t, map[string]any{"GroupBaseInfoFilter": []string{"ShutUpAllMember"}})
		if diff := cmp.Diff(sorted(append(append([]string{}, entryFields...), "ShutUpAllMember")...), fieldNames(info)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		if info["ShutUpAllMember"] != "Off" {
			t.Errorf("ShutUpAllMember: got %#v, want Off", info["ShutUpAllMember"])
		}
	})
	t.Run("GroupBaseInfoFilter/empty", func(t *testing.T) {
		info := get(t, map[string]any{"GroupBaseInfoFilter": []string{}})
		if diff := cmp.Diff(sorted(entryFields...), fieldNames(info)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
	})
	t.Run("a filter without GroupBaseInfoFilter keeps every base field", func(t *testing.T) {
		info := get(t, map[string]any{"AppDefinedDataFilter_Group": []string{"Size"}})
		want := sorted(append(append(append([]string{}, entryFields...), baseFields...), "AppDefinedData")...)
		if diff := cmp.Diff(want, fieldNames(info)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
	})
	t.Run("AppDefinedDataFilter_Group", func(t *testing.T) {
		info := get(t, map[string]any{"GroupBaseInfoFilter": []string{"Name"}, "AppDefinedDataFilter_Group": []string{"Size"}})
		if diff := cmp.Diff(map[string]string{"Size": "L"}, groupData(t, info)); diff != "" {
			t.Errorf("AppDefinedData (-want +got):\n%s", diff)
		}
		both := get(t, map[string]any{"AppDefinedDataFilter_Group": []string{"Size", "Color"}})
		if diff := cmp.Diff(map[string]string{"Size": "L", "Color": "red"}, groupData(t, both)); diff != "" {
			t.Errorf("AppDefinedData (-want +got):\n%s", diff)
		}
		if _, ok := both["MemberList"]; ok {
			t.Errorf("a filter without member filters answered a MemberList")
		}
	})
	t.Run("MemberInfoFilter", func(t *testing.T) {
		info := get(t, map[string]any{"GroupBaseInfoFilter": []string{"Type"}, "MemberInfoFilter": []string{"Role", "NameCard"}})
		if diff := cmp.Diff(sorted(append(append([]string{}, entryFields...), "Type", "MemberList")...), fieldNames(info)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		ms := entryMembers(t, info)
		if got := accounts(ms); strings.Join(got, ",") != "owner,bob,carol" {
			t.Fatalf("MemberList: got %v, want owner, bob, carol", got)
		}
		for _, m := range ms {
			if diff := cmp.Diff(sorted("Member_Account", "Role", "NameCard"), fieldNames(m)); diff != "" {
				t.Errorf("fields of %s (-want +got):\n%s", m["Member_Account"], diff)
			}
		}
		if ms[1]["Role"] != "Admin" || ms[1]["NameCard"] != "Bobby" {
			t.Errorf("bob: got %v, want Admin, Bobby", ms[1])
		}
		old := entryMembers(t, get(t, map[string]any{"MemberInfoFilter": []string{"ShutUpUntil"}}))
		if diff := cmp.Diff(sorted("Member_Account", "ShutUpUntil"), fieldNames(old[0])); diff != "" {
			t.Errorf("old name ShutUpUntil: fields (-want +got):\n%s", diff)
		}
	})
	t.Run("AppDefinedDataFilter_GroupMember", func(t *testing.T) {
		ms := entryMembers(t, get(t, map[string]any{"AppDefinedDataFilter_GroupMember": []string{"Level"}}))
		if diff := cmp.Diff(sorted("Member_Account", "AppMemberDefinedData"), fieldNames(ms[1])); diff != "" {
			t.Errorf("bob's fields (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]string{"Level": "9"}, customData(t, ms[1])); diff != "" {
			t.Errorf("bob's custom data (-want +got):\n%s", diff)
		}
		with := entryMembers(t, get(t, map[string]any{"MemberInfoFilter": []string{"Role"}, "AppDefinedDataFilter_GroupMember": []string{"Level"}}))
		if diff := cmp.Diff(sorted("Member_Account", "Role", "AppMemberDefinedData"), fieldNames(with[1])); diff != "" {
			t.Errorf("bob's fields with MemberInfoFilter (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(sorted("Member_Account", "Role"), fieldNames(with[2])); diff != "" {
			t.Errorf("carol's fields, no custom data (-want +got):\n%s", diff)
		}
	})
	t.Run("null filters act as absent", func(t *testing.T) {
		if diff := cmp.Diff(full, getGroupInfo(t, s, []string{g}, map[string]any{"ResponseFilter": nil})[0]); diff != "" {
			t.Errorf("ResponseFilter null (-absent +null):\n%s", diff)
		}
		nulls := map[string]any{"GroupBaseInfoFilter": nil, "AppDefinedDataFilter_Group": []string{"Color", "Size"}, "MemberInfoFilter": nil, "AppDefinedDataFilter_GroupMember": nil}
		if diff := cmp.Diff(without(full, "MemberList"), get(t, nulls)); diff != "" {
			t.Errorf("null filters (-want +got):\n%s", diff)
		}
	})
	t.Run("failed entries ignore the filter", func(t *testing.T) {
		info := getGroupInfo(t, s, []string{unknown}, map[string]any{"ResponseFilter": map[string]any{"GroupBaseInfoFilter": []string{"Name"}, "MemberInfoFilter": []string{"Role"}}})[0]
		if diff := cmp.Diff(sorted(entryFields...), fieldNames(info)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
	})
}

// modifyBase posts a modify_group_base_info of group g with fields and wants code.
func modifyBase(t *testing.T, s *timtest.Server, g string, fields map[string]any, want int) *timtest.Response {
	t.Helper()
	body := map[string]any{"GroupId": g}
	for k, v := range fields {
		body[k] = v
	}
	return mustCode(t, s, cmdModifyBase, body, want)
}

// TestModifyGroupBaseInfo checks each field of modify_group_base_info and that a change
// shows in get_group_info with InfoSeq and LastInfoTime advanced (Tencent's docs, see docs/compatibility.md Sources).
func TestModifyGroupBaseInfo(t *testing.T) {
	s := newInfoServer(t)
	for _, tc := range []struct {
		name   string
		fields map[string]any
		want   map[string]any // fields of get_group_info after the change
	}{
		{"Name", map[string]any{"Name": "renamed"}, map[string]any{"Name": "renamed"}},
		{"Name 100 bytes", map[string]any{"Name": strings.Repeat("n", 100)}, map[string]any{"Name": strings.Repeat("n", 100)}},
		{"Name Chinese", map[string]any{"Name": "群聊"}, map[string]any{"Name": "群聊"}},
		{"Introduction", map[string]any{"Introduction": "new intro"}, map[string]any{"Introduction": "new intro"}},
		{"Introduction 400 bytes", map[string]any{"Introduction": strings.Repeat("i", 400)}, map[string]any{"Introduction": strings.Repeat("i", 400)}},
		{"Introduction emptied", map[string]any{"Introduction": ""}, map[string]any{"Introduction": ""}},
		{"Notification", map[string]any{"Notification": "new notice"}, map[string]any{"Notification": "new notice"}},
		{"Notification 400 bytes", map[string]any{"Notification": strings.Repeat("o", 400)}, map[string]any{"Notification": strings.Repeat("o", 400)}},
		{"FaceUrl", map[string]any{"FaceUrl": "http://new.face"}, map[string]any{"FaceUrl": "http://new.face"}},
		{"FaceUrl 500 bytes", map[string]any{"FaceUrl": strings.Repeat("f", 500)}, map[string]any{"FaceUrl": strings.Repeat("f", 500)}},
		{"MaxMemberNum", map[string]any{"MaxMemberNum": 500}, map[string]any{"MaxMemberNum": int64(500)}},
		{"MaxMemberNum at the member count", map[string]any{"MaxMemberNum": 3}, map[string]any{"MaxMemberNum": int64(3)}},
		{"ApplyJoinOption FreeAccess", map[string]any{"ApplyJoinOption": "FreeAccess"}, map[string]any{"ApplyJoinOption": "FreeAccess"}},
		{"ApplyJoinOption DisableApply", map[string]any{"ApplyJoinOption": "DisableApply"}, map[string]any{"ApplyJoinOption": "DisableApply"}},
		{"InviteJoinOption FreeAccess", map[string]any{"InviteJoinOption": "FreeAccess"}, map[string]any{"InviteJoinOption": "FreeAccess"}},
		{"InviteJoinOption NeedPermission", map[string]any{"InviteJoinOption": "NeedPermission"}, map[string]any{"InviteJoinOption": "NeedPermission"}},
		{"InviteJoinOption DisableInvite", map[string]any{"InviteJoinOption": "DisableInvite"}, map[string]any{"InviteJoinOption": "DisableInvite"}},
		{"MuteAllMember On", map[string]any{"MuteAllMember": "On"}, map[string]any{"MuteAllMember": "On"}},
		{"old name ShutUpAllMember On", map[string]any{"ShutUpAllMember": "On"}, map[string]any{"MuteAllMember": "On"}},
		{"MuteAllMember wins over ShutUpAllMember", map[string]any{"MuteAllMember": "On", "ShutUpAllMember": "Off"}, map[string]any{"MuteAllMember": "On"}},
		{"AppDefinedData", map[string]any{"AppDefinedData": kvs("Size", "XL")}, map[string]any{"AppDefinedData": map[string]string{"Color": "red", "Size": "XL"}}},
		{"AppDefinedData empty Value deletes", map[string]any{"AppDefinedData": kvs("Color", "")}, map[string]any{"AppDefinedData": map[string]string{}}},
		{"AppDefinedData set and delete", map[string]any{"AppDefinedData": kvs("Color", "", "Size", "S")}, map[string]any{"AppDefinedData": map[string]string{"Size": "S"}}},
		{"AppDefinedData 512 bytes", map[string]any{"AppDefinedData": kvs("Color", strings.Repeat("c", 512))}, map[string]any{"AppDefinedData": map[string]string{"Color": strings.Repeat("c", 512)}}},
		{"every field at once", map[string]any{
			"Name": "all", "Introduction": "i", "Notification": "n", "FaceUrl": "f", "MaxMemberNum": 10,
			"ApplyJoinOption": "FreeAccess", "InviteJoinOption": "DisableInvite", "MuteAllMember": "On", "AppDefinedData": kvs("Size", "M"),
		}, map[string]any{
			"Name": "all", "Introduction": "i", "Notification": "n", "FaceUrl": "f", "MaxMemberNum": int64(10),
			"ApplyJoinOption": "FreeAccess", "InviteJoinOption": "DisableInvite", "MuteAllMember": "On",
			"AppDefinedData": map[string]string{"Color": "red", "Size": "M"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := infoFixture(t, s)
			before := mustGroupInfo(t, s, g)
			s.Advance(time.Hour)
			lo := s.Now().Unix()
			modifyBase(t, s, g, tc.fields, codeOK)
			hi := s.Now().Unix()
			after := mustGroupInfo(t, s, g)
			if got := num(t, after, "InfoSeq"); got != num(t, before, "InfoSeq")+1 {
				t.Errorf("InfoSeq: got %d, want %d", got, num(t, before, "InfoSeq")+1)
			}
			if got := num(t, after, "LastInfoTime"); got < lo || got > hi {
				t.Errorf("LastInfoTime: got %d, want from %d to %d", got, lo, hi)
			}
			// A change of the texts writes a tip, which takes a MsgSeq (docs/compatibility.md §8).
			want := without(before, "InfoSeq", "LastInfoTime", "NextMsgSeq", "LastMsgTime")
			for f, v := range tc.want {
				switch v := v.(type) {
				case int64:
					if got := num(t, after, f); got != v {
						t.Errorf("%s: got %d, want %d", f, got, v)
					}
				case map[string]string:
					if diff := cmp.Diff(v, groupData(t, after)); diff != "" {
						t.Errorf("AppDefinedData (-want +got):\n%s", diff)
					}
				default:
					if after[f] != v {
						t.Errorf("%s: got %#v, want %#v", f, after[f], v)
					}
				}
				delete(want, f)
			}
			changed := keys(tc.want)
			if v, ok := tc.want["MuteAllMember"]; ok {
				// The old name answers the same (docs/compatibility.md §3).
				if after["ShutUpAllMember"] != v {
					t.Errorf("ShutUpAllMember: got %#v, want %#v as MuteAllMember", after["ShutUpAllMember"], v)
				}
				delete(want, "ShutUpAllMember")
				changed = append(changed, "ShutUpAllMember")
			}
			if diff := cmp.Diff(want, without(after, append([]string{"InfoSeq", "LastInfoTime", "NextMsgSeq", "LastMsgTime"}, changed...)...)); diff != "" {
				t.Errorf("other fields changed (-before +after):\n%s", diff)
			}
		})
	}
	t.Run("MuteAllMember Off again", func(t *testing.T) {
		g := infoFixture(t, s)
		modifyBase(t, s, g, map[string]any{"MuteAllMember": "On"}, codeOK)
		modifyBase(t, s, g, map[string]any{"ShutUpAllMember": "Off"}, codeOK)
		if got := mustGroupInfo(t, s, g)["MuteAllMember"]; got != "Off" {
			t.Errorf("MuteAllMember: got %#v, want Off", got)
		}
	})
	t.Run("InfoSeq counts every change", func(t *testing.T) {
		g := infoFixture(t, s)
		for i := range 5 {
			modifyBase(t, s, g, map[string]any{"Notification": strings.Repeat("x", i)}, codeOK)
		}
		if got := num(t, mustGroupInfo(t, s, g), "InfoSeq"); got != 6 {
			t.Errorf("InfoSeq after 5 changes: got %d, want 6", got)
		}
	})
	t.Run("no field changes nothing", func(t *testing.T) {
		g := infoFixture(t, s)
		before := mustGroupInfo(t, s, g)
		s.Advance(time.Minute)
		modifyBase(t, s, g, nil, codeOK)
		modifyBase(t, s, g, map[string]any{"AppDefinedData": []any{}, "Name": nil, "ShutUpUntil": 5}, codeOK)
		if diff := cmp.Diff(before, mustGroupInfo(t, s, g)); diff != "" {
			t.Errorf("the group changed (-before +after):\n%s", diff)
		}
	})
	t.Run("empty join options change nothing", func(t *testing.T) {
		r := createGroup(t, s, "Public", map[string]any{"ApplyJoinOption": "FreeAccess", "InviteJoinOption": "DisableInvite"}, codeOK)
		g, _ := r.Fields["GroupId"].(string)
		before := mustGroupInfo(t, s, g)
		modifyBase(t, s, g, map[string]any{"ApplyJoinOption": "", "InviteJoinOption": ""}, codeOK)
		if diff := cmp.Diff(before, mustGroupInfo(t, s, g)); diff != "" {
			t.Errorf("the group changed (-before +after):\n%s", diff)
		}
		modifyBase(t, s, g, map[string]any{"ApplyJoinOption": "", "InviteJoinOption": "NeedPermission"}, codeOK)
		if after := mustGroupInfo(t, s, g); after["ApplyJoinOption"] != "FreeAccess" || after["InviteJoinOption"] != "NeedPermission" {
			t.Errorf("options: got %v and %v, want FreeAccess kept and NeedPermission", after["ApplyJoinOption"], after["InviteJoinOption"])
		}
	})
	t.Run("every type", func(t *testing.T) {
		for _, typ := range []string{"Private", "Public", "ChatRoom", "AVChatRoom", "Community"} {
			g := s.MustCreateGroup(t, typ, "owner")
			modifyBase(t, s, g, map[string]any{"Name": typ + " renamed", "MuteAllMember": "On"}, codeOK)
			if info := mustGroupInfo(t, s, g); info["Name"] != typ+" renamed" || info["MuteAllMember"] != "On" {
				t.Errorf("%s group after the change: got %v", typ, info)
			}
		}
	})
}

// TestModifyGroupBaseInfoChecks checks the limits and values modify_group_base_info
// refuses; a refused call changes nothing, not even the fields that were valid.
func TestModifyGroupBaseInfoChecks(t *testing.T) {
	s := newInfoServer(t)
	g := infoFixture(t, s)
	gone := s.MustCreateGroup(t, "Public", "owner")
	mustCode(t, s, cmdDestroy, map[string]any{"GroupId": gone}, codeOK)
	av := s.MustCreateGroup(t, "AVChatRoom", "owner")
	for _, tc := range []struct {
		name   string
		group  string
		fields map[string]any
		want   int
		info   []string
	}{
		{"Name 101 bytes", g, map[string]any{"Name": strings.Repeat("n", 101)}, codeInvalid, []string{"Name", "101", "100"}},
		{"Name 34 Chinese characters", g, map[string]any{"Name": strings.Repeat("群", 34)}, codeInvalid, []string{"Name", "102", "100"}},
		{"Name empty", g, map[string]any{"Name": ""}, codeInvalid, []string{"Name"}},
		{"Name with NUL", g, map[string]any{"Name": "a\x00b"}, codeInvalid, []string{"Name"}},
		{"Introduction 401 bytes", g, map[string]any{"Introduction": strings.Repeat("i", 401)}, codeInvalid, []string{"Introduction", "401", "400"}},
		{"Notification 401 bytes", g, map[string]any{"Notification": strings.Repeat("o", 401)}, codeInvalid, []string{"Notification", "401", "400"}},
		{"FaceUrl 501 bytes", g, map[string]any{"FaceUrl": strings.Repeat("f", 501)}, codeInvalid, []string{"FaceUrl", "501", "500"}},
		{"MaxMemberNum below the member count", g, map[string]any{"MaxMemberNum": 2}, codeInvalid, []string{"MaxMemberNum"}},
		{"MaxMemberNum 0", g, map[string]any{"MaxMemberNum": 0}, codeInvalid, []string{"MaxMemberNum"}},
		{"MaxMemberNum negative", g, map[string]any{"MaxMemberNum": -5}, codeInvalid, []string{"MaxMemberNum"}},
		{"MaxMemberNum of an AVChatRoom", av, map[string]any{"MaxMemberNum": 100}, codeNotAllowed, nil},
		{"ApplyJoinOption unknown", g, map[string]any{"ApplyJoinOption": "Anyone"}, codeInvalid, []string{"ApplyJoinOption"}},
		{"ApplyJoinOption DisableInvite", g, map[string]any{"ApplyJoinOption": "DisableInvite"}, codeInvalid, []string{"ApplyJoinOption"}},
		{"InviteJoinOption DisableApply", g, map[string]any{"InviteJoinOption": "DisableApply"}, codeInvalid, []string{"InviteJoinOption"}},
		{"MuteAllMember lower case", g, map[string]any{"MuteAllMember": "on"}, codeInvalid, []string{"MuteAllMember"}},
		{"MuteAllMember empty", g, map[string]any{"MuteAllMember": ""}, codeInvalid, []string{"MuteAllMember"}},
		{"ShutUpAllMember unknown", g, map[string]any{"ShutUpAllMember": "Yes"}, codeInvalid, []string{"MuteAllMember"}},
		{"MuteAllMember boolean", g, map[string]any{"MuteAllMember": true}, codeBadJSON, nil},
		{"MaxMemberNum string", g, map[string]any{"MaxMemberNum": "10"}, codeBadJSON, nil},
		{"AppDefinedData undeclared key", g, map[string]any{"AppDefinedData": kvs("Shape", "round")}, codeInvalid, []string{"Shape"}},
		{"AppDefinedData undeclared key to delete", g, map[string]any{"AppDefinedData": kvs("Shape", "")}, codeInvalid, []string{"Shape"}},
		{"AppDefinedData key in another case", g, map[string]any{"AppDefinedData": kvs("color", "blue")}, codeInvalid, nil},
		{"AppDefinedData value 513 bytes", g, map[string]any{"AppDefinedData": kvs("Color", strings.Repeat("c", 513))}, codeInvalid, []string{"513", "512"}},
		{"AppDefinedData key repeated", g, map[string]any{"AppDefinedData": kvs("Color", "a", "Color", "b")}, codeInvalid, nil},
		{"valid fields with a bad MaxMemberNum", g, map[string]any{"Name": "changed", "Introduction": "changed", "AppDefinedData": kvs("Color", ""), "MuteAllMember": "On", "MaxMemberNum": 1}, codeInvalid, []string{"MaxMemberNum"}},
		{"valid fields with a bad MuteAllMember", g, map[string]any{"Name": "changed", "MaxMemberNum": 50, "ApplyJoinOption": "FreeAccess", "MuteAllMember": "Maybe"}, codeInvalid, nil},
		{"valid fields with a bad custom key", g, map[string]any{"Name": "changed", "MuteAllMember": "On", "AppDefinedData": kvs("Size", "S", "Shape", "x")}, codeInvalid, nil},
		{"valid fields of an AVChatRoom with MaxMemberNum", av, map[string]any{"Name": "changed", "MaxMemberNum": 100}, codeNotAllowed, nil},
		{"GroupId empty", "", map[string]any{"Name": "x"}, codeBadGroupID, nil},
		{"GroupId too long", strings.Repeat("g", 49), map[string]any{"Name": "x"}, codeBadGroupID, nil},
		{"unknown group", unknown, map[string]any{"Name": "x"}, codeNoGroup, nil},
		{"destroyed group", gone, map[string]any{"Name": "x"}, codeNoGroup, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := getGroupInfo(t, s, []string{g, av}, nil)
			r := modifyBase(t, s, tc.group, tc.fields, tc.want)
			hasInfo(t, r, tc.info...)
			if diff := cmp.Diff(before, getGroupInfo(t, s, []string{g, av}, nil)); diff != "" {
				t.Errorf("a refused call changed the groups (-before +after):\n%s", diff)
			}
		})
	}
}

// keys returns the keys of m.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestGoldenGroupInfo checks get_group_info and modify_group_base_info answers on
// groups imported with fixed times, so that every field of the answer is stable.
func TestGoldenGroupInfo(t *testing.T) {
	s := newGoldenServer(t)
	awayFromFixedTimes(s)
	golden(t, s, cmdImportGroup, "public_sample", nil)
	mustCode(t, s, cmdModify, modify("MyImportedGroup", "peter", map[string]any{
		"NameCard": "Pete", "MsgFlag": "AcceptNotNotify", "AppMemberDefinedData": kvs("MemberDefined2", "PeterData2"),
	}), codeOK)
	createGroup(t, s, "AVChatRoom", map[string]any{"GroupId": "MyLiveRoom", "Owner_Account": "leckie", "Introduction": "live"}, codeOK)
	t.Run("all", func(t *testing.T) { golden(t, s, cmdGroupInfo, "all", nil) })
	t.Run("filter", func(t *testing.T) { golden(t, s, cmdGroupInfo, "filter", nil) })
	t.Run("modify", func(t *testing.T) {
		golden(t, s, cmdModifyBase, "sample", nil)
		info := mustGroupInfo(t, s, "MyImportedGroup")
		for f, v := range map[string]string{
			"Name": "NewName", "Introduction": "NewIntroduction", "Notification": "NewNotification",
			"FaceUrl": "http://this.is.new.face.url", "ApplyJoinOption": "NeedPermission", "MuteAllMember": "On",
		} {
			if info[f] != v {
				t.Errorf("%s: got %#v, want %q", f, info[f], v)
			}
		}
		if num(t, info, "MaxMemberNum") != 500 || num(t, info, "InfoSeq") != 2 {
			t.Errorf("MaxMemberNum %v InfoSeq %v, want 500 and 2", info["MaxMemberNum"], info["InfoSeq"])
		}
		if diff := cmp.Diff(map[string]string{"GroupTestData1": "NewData"}, groupData(t, info)); diff != "" {
			t.Errorf("AppDefinedData (-want +got):\n%s", diff)
		}
		golden(t, s, cmdModifyBase, "shutupallmember", nil)
		if got := mustGroupInfo(t, s, "MyImportedGroup")["MuteAllMember"]; got != "Off" {
			t.Errorf("MuteAllMember after ShutUpAllMember Off: got %#v", got)
		}
		golden(t, s, cmdModifyBase, "bad_key", nil)
	})
}
