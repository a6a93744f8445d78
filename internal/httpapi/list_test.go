package httpapi_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/timtest"
)

// The list commands under test, by their path below /v4/.
const (
	cmdJoined    = "group_open_http_svc/get_joined_group_list"
	cmdAppGroups = "group_open_http_svc/get_appid_group_list"
	cmdSetUnread = "group_open_http_svc/set_unread_msg_num"
)

// joinedPage is a decoded get_joined_group_list answer.
type joinedPage struct {
	Total  int64
	Groups []map[string]any
}

// ids returns the GroupId of each group of the page.
func (p joinedPage) ids() []string {
	var out []string // nil for no groups, to compare with want lists
	for _, g := range p.Groups {
		id, _ := g["GroupId"].(string)
		out = append(out, id)
	}
	return out
}

// joined posts get_joined_group_list for account with extra fields.
func joined(tb testing.TB, s *timtest.Server, account string, fields map[string]any) joinedPage {
	tb.Helper()
	body := map[string]any{"Member_Account": account}
	for k, v := range fields {
		body[k] = v
	}
	r := mustCode(tb, s, cmdJoined, body, codeOK)
	raw, ok := r.Fields["GroupIdList"].([]any)
	if !ok {
		tb.Fatalf("answer has no GroupIdList array: %s", r.Raw)
	}
	p := joinedPage{Total: num(tb, r.Fields, "TotalCount")}
	for _, g := range raw {
		m, _ := g.(map[string]any)
		p.Groups = append(p.Groups, m)
	}
	return p
}

// selfInfo returns the SelfInfo of account in group g from get_joined_group_list with
// the given SelfInfoFilter, or nil if the account's list does not have g.
func selfInfo(tb testing.TB, s *timtest.Server, account, g string, filter ...string) map[string]any {
	tb.Helper()
	p := joined(tb, s, account, map[string]any{"WithHugeGroups": 1, "ResponseFilter": map[string]any{"SelfInfoFilter": filter}})
	for _, e := range p.Groups {
		if e["GroupId"] == g {
			self, ok := e["SelfInfo"].(map[string]any)
			if !ok {
				tb.Fatalf("entry of %s has no SelfInfo object: %v", g, e)
			}
			return self
		}
	}
	return nil
}

// TestGetJoinedGroupList checks get_joined_group_list (Tencent's docs, see docs/compatibility.md Sources).
func TestGetJoinedGroupList(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "bob", "carol", "dave")
	private := s.MustCreateGroup(t, "Private", "owner", "bob")
	public := s.MustCreateGroup(t, "Public", "owner", "bob")
	s.MustCreateGroup(t, "Public", "owner", "carol") // bob is not in it
	chat := s.MustCreateGroup(t, "ChatRoom", "owner", "bob")
	live := s.MustCreateGroup(t, "AVChatRoom", "bob")
	community := s.MustCreateGroup(t, "Community", "bob", "carol")
	gone := s.MustCreateGroup(t, "Public", "owner", "bob")
	mustCode(t, s, cmdDestroy, map[string]any{"GroupId": gone}, codeOK)
	left := s.MustCreateGroup(t, "Public", "owner", "bob")
	mustCode(t, s, cmdDelete, map[string]any{"GroupId": left, "MemberToDel_Account": []string{"bob"}}, codeOK)
	all := []string{private, public, chat, community}

	t.Run("no filter: only GroupId", func(t *testing.T) {
		p := joined(t, s, "bob", nil)
		if p.Total != 4 {
			t.Errorf("TotalCount: got %d, want 4", p.Total)
		}
		if diff := cmp.Diff(all, p.ids()); diff != "" {
			t.Errorf("groups in creation order, no AVChatRoom (-want +got):\n%s", diff)
		}
		for _, g := range p.Groups {
			if diff := cmp.Diff([]string{"GroupId"}, fieldNames(g)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		}
		if q := joined(t, s, "bob", map[string]any{"ResponseFilter": nil}); !cmp.Equal(p, q) {
			t.Errorf("ResponseFilter null: got %v, want %v", q, p)
		}
	})
	t.Run("WithHugeGroups", func(t *testing.T) {
		p := joined(t, s, "bob", map[string]any{"WithHugeGroups": 1})
		if want := []string{private, public, chat, live, community}; p.Total != 5 || !cmp.Equal(want, p.ids()) {
			t.Errorf("got %d: %v, want 5: %v", p.Total, p.ids(), want)
		}
		if p := joined(t, s, "bob", map[string]any{"WithHugeGroups": 0}); p.Total != 4 {
			t.Errorf("WithHugeGroups 0: TotalCount %d, want 4", p.Total)
		}
	})
	t.Run("WithNoActiveGroups accepted", func(t *testing.T) {
		p := joined(t, s, "bob", map[string]any{"WithNoActiveGroups": 1})
		if p.Total != 4 || !cmp.Equal(all, p.ids()) {
			t.Errorf("got %d: %v, want 4: %v", p.Total, p.ids(), all)
		}
	})
	for _, tc := range []struct {
		typ   string
		huge  int
		wantG []string
	}{
		{"Public", 0, []string{public}},
		{"Private", 0, []string{private}},
		{"Work", 0, []string{private}},
		{"ChatRoom", 0, []string{chat}},
		{"Meeting", 0, []string{chat}},
		{"Community", 0, []string{community}},
		{"Community", 1, []string{community}},
		{"AVChatRoom", 1, []string{live}},
		// AVChatRoom groups come only with WithHugeGroups 1, even when asked for by type.
		{"AVChatRoom", 0, nil},
	} {
		t.Run("GroupType/"+tc.typ, func(t *testing.T) {
			p := joined(t, s, "bob", map[string]any{"GroupType": tc.typ, "WithHugeGroups": tc.huge})
			if p.Total != int64(len(tc.wantG)) || !cmp.Equal(tc.wantG, p.ids()) {
				t.Errorf("WithHugeGroups %d: got %d: %v, want %d: %v", tc.huge, p.Total, p.ids(), len(tc.wantG), tc.wantG)
			}
		})
	}
	t.Run("Limit and Offset", func(t *testing.T) {
		for _, tc := range []struct {
			limit, offset int
			want          []string
		}{
			{2, 0, all[:2]}, {2, 1, all[1:3]}, {2, 3, all[3:]}, {0, 2, all[2:]}, {10, 0, all}, {1, 4, nil}, {3, 100, nil},
		} {
			p := joined(t, s, "bob", map[string]any{"Limit": tc.limit, "Offset": tc.offset})
			if p.Total != 4 || !cmp.Equal(tc.want, p.ids()) {
				t.Errorf("Limit %d Offset %d: got %d: %v, want 4: %v", tc.limit, tc.offset, p.Total, p.ids(), tc.want)
			}
		}
		p := joined(t, s, "bob", map[string]any{"Limit": 1, "Offset": 1, "GroupType": "Public"})
		if p.Total != 1 || len(p.Groups) != 0 {
			t.Errorf("Limit 1 Offset 1 of one Public group: got %d: %v, want 1 and no group", p.Total, p.ids())
		}
	})
	t.Run("GroupBaseInfoFilter", func(t *testing.T) {
		mustCode(t, s, cmdModifyBase, map[string]any{"GroupId": public, "Name": "pub", "MuteAllMember": "On"}, codeOK)
		p := joined(t, s, "bob", map[string]any{"GroupType": "Public", "ResponseFilter": map[string]any{"GroupBaseInfoFilter": []string{"Type", "Name", "MemberNum", "MuteAllMember", "Owner_Account"}}})
		want := map[string]any{"GroupId": public, "Type": "Public", "Name": "pub", "MuteAllMember": "On", "Owner_Account": "owner"}
		got := p.Groups[0]
		if num(t, got, "MemberNum") != 2 {
			t.Errorf("MemberNum: got %v, want 2", got["MemberNum"])
		}
		if diff := cmp.Diff(want, without(got, "MemberNum")); diff != "" {
			t.Errorf("group (-want +got):\n%s", diff)
		}
		info := mustGroupInfo(t, s, public)
		every := joined(t, s, "bob", map[string]any{"GroupType": "Public", "ResponseFilter": map[string]any{"GroupBaseInfoFilter": baseFields}}).Groups[0]
		if diff := cmp.Diff(without(info, "ErrorCode", "ErrorInfo", "AppDefinedData", "MemberList"), every); diff != "" {
			t.Errorf("every base field, against get_group_info (-group info +joined):\n%s", diff)
		}
	})
	t.Run("SelfInfoFilter", func(t *testing.T) {
		mustCode(t, s, cmdModify, modify(public, "bob", map[string]any{"MsgFlag": "Discard", "NameCard": "B", "MuteTime": 600}), codeOK)
		filter := []string{"Role", "JoinTime", "MsgFlag", "UnreadMsgNum"}
		p := joined(t, s, "bob", map[string]any{"WithHugeGroups": 1, "ResponseFilter": map[string]any{"SelfInfoFilter": filter}})
		wantRole := map[string]string{private: "Member", public: "Member", chat: "Member", live: "Owner", community: "Owner"}
		for _, e := range p.Groups {
			if diff := cmp.Diff(sorted("GroupId", "SelfInfo"), fieldNames(e)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			self, _ := e["SelfInfo"].(map[string]any)
			if diff := cmp.Diff(sorted(filter...), fieldNames(self)); diff != "" {
				t.Errorf("SelfInfo fields (-want +got):\n%s", diff)
			}
			id, _ := e["GroupId"].(string)
			if self["Role"] != wantRole[id] {
				t.Errorf("Role in %s: got %v, want %s", id, self["Role"], wantRole[id])
			}
			if id != live && num(t, self, "JoinTime") != num(t, mustMember(t, s, id, "bob"), "JoinTime") {
				t.Errorf("JoinTime in %s: got %v, want as get_group_member_info", id, self["JoinTime"])
			}
		}
		self := selfInfo(t, s, "bob", public, "MsgFlag", "NameCard", "MuteUntil", "ShutUpUntil", "MsgSeq", "UnreadMsgNum")
		bob := mustMember(t, s, public, "bob")
		want := map[string]any{"MsgFlag": "Discard", "NameCard": "B", "MuteUntil": bob["MuteUntil"], "ShutUpUntil": bob["MuteUntil"], "MsgSeq": json.Number("0"), "UnreadMsgNum": json.Number("0")}
		if diff := cmp.Diff(want, self); diff != "" {
			t.Errorf("SelfInfo (-want +got):\n%s", diff)
		}
		both := joined(t, s, "bob", map[string]any{"GroupType": "Private", "ResponseFilter": map[string]any{"GroupBaseInfoFilter": []string{"Name"}, "SelfInfoFilter": []string{"Role"}}})
		if diff := cmp.Diff([]map[string]any{{"GroupId": private, "Name": "timtest group", "SelfInfo": map[string]any{"Role": "Member"}}}, both.Groups); diff != "" {
			t.Errorf("both filters (-want +got):\n%s", diff)
		}
	})
	t.Run("no groups", func(t *testing.T) {
		for _, a := range []string{"dave", "ghost"} {
			p := joined(t, s, a, map[string]any{"WithHugeGroups": 1})
			if p.Total != 0 || len(p.Groups) != 0 {
				t.Errorf("%s: got %d: %v, want none", a, p.Total, p.ids())
			}
		}
		r := mustCode(t, s, cmdJoined, map[string]any{"Member_Account": "dave"}, codeOK)
		if list, ok := r.Fields["GroupIdList"].([]any); !ok || len(list) != 0 {
			t.Errorf("GroupIdList of an account in no group: got %s, want []", r.Raw)
		}
	})
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"GroupType unknown", map[string]any{"Member_Account": "bob", "GroupType": "BChatRoom"}, codeInvalid},
		{"GroupType lower case", map[string]any{"Member_Account": "bob", "GroupType": "public"}, codeInvalid},
		{"Limit negative", map[string]any{"Member_Account": "bob", "Limit": -1}, codeInvalid},
		{"Offset negative", map[string]any{"Member_Account": "bob", "Offset": -1}, codeInvalid},
		{"Member_Account missing", map[string]any{}, codeInvalid},
		{"Member_Account 33 bytes", map[string]any{"Member_Account": strings.Repeat("a", 33)}, codeInvalid},
		{"Limit string", map[string]any{"Member_Account": "bob", "Limit": "2"}, codeBadJSON},
		{"SelfInfoFilter string", map[string]any{"Member_Account": "bob", "ResponseFilter": map[string]any{"SelfInfoFilter": "Role"}}, codeBadJSON},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) { mustCode(t, s, cmdJoined, tc.body, tc.want) })
	}
}

// appPage is a decoded get_appid_group_list answer.
type appPage struct {
	Total int64
	IDs   []string
	Next  int64
}

// appGroups posts get_appid_group_list with the given fields.
func appGroups(tb testing.TB, s *timtest.Server, fields map[string]any) appPage {
	tb.Helper()
	r := mustCode(tb, s, cmdAppGroups, fields, codeOK)
	raw, ok := r.Fields["GroupIdList"].([]any)
	if !ok {
		tb.Fatalf("answer has no GroupIdList array: %s", r.Raw)
	}
	p := appPage{Total: num(tb, r.Fields, "TotalCount"), Next: num(tb, r.Fields, "Next")}
	for _, e := range raw {
		m, _ := e.(map[string]any)
		if diff := cmp.Diff([]string{"GroupId"}, fieldNames(m)); diff != "" {
			tb.Errorf("GroupIdList entry fields (-want +got):\n%s", diff)
		}
		id, _ := m["GroupId"].(string)
		p.IDs = append(p.IDs, id)
	}
	return p
}

// allAppGroups pages through get_appid_group_list with limit and extra fields, checking
// each page, and returns every ID in the order answered.
func allAppGroups(tb testing.TB, s *timtest.Server, limit int, wantTotal int64, fields map[string]any) (ids []string, pages int) {
	tb.Helper()
	next := int64(0)
	for {
		if pages > 1000 {
			tb.Fatalf("get_appid_group_list does not end")
		}
		body := map[string]any{"Limit": limit, "Next": next}
		for k, v := range fields {
			body[k] = v
		}
		p := appGroups(tb, s, body)
		pages++
		if p.Total != wantTotal {
			tb.Errorf("page %d: TotalCount %d, want %d", pages, p.Total, wantTotal)
		}
		if len(p.IDs) > limit {
			tb.Errorf("page %d has %d groups, over Limit %d", pages, len(p.IDs), limit)
		}
		ids = append(ids, p.IDs...)
		if p.Next == 0 {
			return ids, pages
		}
		if len(p.IDs) != limit {
			tb.Errorf("page %d has %d groups and a Next, want a full page of %d", pages, len(p.IDs), limit)
		}
		next = p.Next
	}
}

// TestGetAppIDGroupList checks get_appid_group_list (Tencent's docs and its OpenAPI description, yaml
// GetAppidGroupListRequest): every group of the app, paged by Limit and Next.
func TestGetAppIDGroupList(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner")

	t.Run("no groups", func(t *testing.T) {
		if p := appGroups(t, s, map[string]any{}); p.Total != 0 || len(p.IDs) != 0 || p.Next != 0 {
			t.Errorf("got %+v, want nothing", p)
		}
	})
	types := []string{"Private", "Public", "ChatRoom", "AVChatRoom", "Community"}
	var all []string
	byType := map[string][]string{}
	for i := range 25 {
		typ := types[i%len(types)]
		g := s.MustCreateGroup(t, typ, "owner")
		all = append(all, g)
		byType[typ] = append(byType[typ], g)
	}

	t.Run("every group, one page", func(t *testing.T) {
		for _, body := range []map[string]any{{}, {"Limit": 0}, {"Limit": 10000}, {"Limit": 25}, {"Next": 0}} {
			p := appGroups(t, s, body)
			if p.Total != 25 || p.Next != 0 || !cmp.Equal(all, p.IDs) {
				t.Errorf("%v: got %d groups, Next %d, TotalCount %d; want all 25 in creation order, Next 0", body, len(p.IDs), p.Next, p.Total)
			}
		}
	})
	for _, limit := range []int{1, 4, 5, 7, 24} {
		t.Run("pages of "+strconv.Itoa(limit), func(t *testing.T) {
			got, pages := allAppGroups(t, s, limit, 25, nil)
			if diff := cmp.Diff(all, got); diff != "" {
				t.Errorf("pages together, each group once (-want +got):\n%s", diff)
			}
			if want := (25 + limit - 1) / limit; pages != want {
				t.Errorf("pages: got %d, want %d", pages, want)
			}
		})
	}
	for _, typ := range []string{"Private", "Public", "ChatRoom", "AVChatRoom", "Community", "Work", "Meeting"} {
		t.Run("GroupType/"+typ, func(t *testing.T) {
			rest := map[string]string{"Work": "Private", "Meeting": "ChatRoom"}[typ]
			if rest == "" {
				rest = typ
			}
			p := appGroups(t, s, map[string]any{"GroupType": typ})
			if p.Total != 5 || !cmp.Equal(byType[rest], p.IDs) {
				t.Errorf("got %d: %v, want 5: %v", p.Total, p.IDs, byType[rest])
			}
			got, pages := allAppGroups(t, s, 2, 5, map[string]any{"GroupType": typ})
			if !cmp.Equal(byType[rest], got) || pages != 3 {
				t.Errorf("pages of 2: got %v in %d pages, want %v in 3", got, pages, byType[rest])
			}
		})
	}
	t.Run("destroyed groups are gone", func(t *testing.T) {
		for _, g := range []string{all[0], all[7], all[24]} {
			mustCode(t, s, cmdDestroy, map[string]any{"GroupId": g}, codeOK)
		}
		want := make([]string, 0, 22)
		for i, g := range all {
			if i != 0 && i != 7 && i != 24 {
				want = append(want, g)
			}
		}
		got, _ := allAppGroups(t, s, 6, 22, nil)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("groups after destroy (-want +got):\n%s", diff)
		}
		if p := appGroups(t, s, map[string]any{"GroupType": "Private"}); p.Total != 4 || len(p.IDs) != 4 {
			t.Errorf("Private after destroying one: got %d: %v, want 4", p.Total, p.IDs)
		}
		// A custom ID used again is a new group, listed once, at the end.
		createGroup(t, s, "Public", map[string]any{"GroupId": "again"}, codeOK)
		mustCode(t, s, cmdDestroy, map[string]any{"GroupId": "again"}, codeOK)
		createGroup(t, s, "Public", map[string]any{"GroupId": "again"}, codeOK)
		got, _ = allAppGroups(t, s, 5, 23, nil)
		if diff := cmp.Diff(append(want, "again"), got); diff != "" {
			t.Errorf("groups after reusing a custom ID (-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"GroupType unknown", map[string]any{"GroupType": "BChatRoom"}, codeInvalid},
		{"Limit 10001", map[string]any{"Limit": 10001}, codeInvalid},
		{"Limit negative", map[string]any{"Limit": -1}, codeInvalid},
		{"Next negative", map[string]any{"Next": -1}, codeInvalid},
		{"Next string", map[string]any{"Next": "5"}, codeBadJSON},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) { mustCode(t, s, cmdAppGroups, tc.body, tc.want) })
	}
}

// TestSetUnreadMsgNum checks set_unread_msg_num (Tencent's docs, see docs/compatibility.md Sources): the count
// shows in get_joined_group_list's SelfInfo; ChatRoom and AVChatRoom keep none.
func TestSetUnreadMsgNum(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "bob", "dave")
	set := func(g, account string, n any) map[string]any {
		return map[string]any{"GroupId": g, "Member_Account": account, "UnreadMsgNum": n}
	}
	unread := func(t *testing.T, account, g string) int64 {
		t.Helper()
		self := selfInfo(t, s, account, g, "UnreadMsgNum")
		if self == nil {
			t.Fatalf("%s is not in %s", account, g)
		}
		return num(t, self, "UnreadMsgNum")
	}
	for _, typ := range []string{"Private", "Public", "Community"} {
		t.Run(typ, func(t *testing.T) {
			g := s.MustCreateGroup(t, typ, "owner", "bob")
			mustCode(t, s, cmdSetUnread, set(g, "bob", 7), codeOK)
			if got := unread(t, "bob", g); got != 7 {
				t.Errorf("bob's UnreadMsgNum: got %d, want 7", got)
			}
			if got := unread(t, "owner", g); got != 0 {
				t.Errorf("owner's UnreadMsgNum: got %d, want 0", got)
			}
			mustCode(t, s, cmdSetUnread, set(g, "owner", 3), codeOK)
			mustCode(t, s, cmdSetUnread, set(g, "bob", 0), codeOK)
			if b, o := unread(t, "bob", g), unread(t, "owner", g); b != 0 || o != 3 {
				t.Errorf("UnreadMsgNum of bob and owner: got %d and %d, want 0 and 3", b, o)
			}
		})
	}
	for _, typ := range []string{"ChatRoom", "AVChatRoom"} {
		t.Run(typ+" keeps none", func(t *testing.T) {
			g := s.MustCreateGroup(t, typ, "owner")
			mustCode(t, s, cmdSetUnread, set(g, "owner", 7), codeOK)
			if got := unread(t, "owner", g); got != 0 {
				t.Errorf("owner's UnreadMsgNum: got %d, want 0", got)
			}
			mustCode(t, s, cmdSetUnread, set(g, "dave", 7), codeOK)
		})
	}
	g := s.MustCreateGroup(t, "Public", "owner", "bob")
	mustCode(t, s, cmdSetUnread, set(g, "bob", 5), codeOK)
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"not a member", set(g, "dave", 1), codeNotAllowed},
		{"never imported", set(g, "ghost", 1), codeNotAllowed},
		{"negative", set(g, "bob", -1), codeInvalid},
		{"Member_Account missing", map[string]any{"GroupId": g, "UnreadMsgNum": 1}, codeInvalid},
		{"UnreadMsgNum string", set(g, "bob", "1"), codeBadJSON},
		{"GroupId missing", map[string]any{"Member_Account": "bob", "UnreadMsgNum": 1}, codeBadGroupID},
		{"unknown group", set(unknown, "bob", 1), codeNoGroup},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			mustCode(t, s, cmdSetUnread, tc.body, tc.want)
			if got := unread(t, "bob", g); got != 5 {
				t.Errorf("bob's UnreadMsgNum: got %d, want 5", got)
			}
		})
	}
}

// TestGoldenLists checks get_joined_group_list, get_appid_group_list and
// set_unread_msg_num answers on groups imported with fixed times.
func TestGoldenLists(t *testing.T) {
	s := newGoldenServer(t)
	awayFromFixedTimes(s)
	golden(t, s, cmdImportGroup, "public_sample", nil)
	golden(t, s, cmdImportGroup, "private_sample", nil)
	golden(t, s, cmdImportMember, "sample", nil)
	golden(t, s, cmdSetUnread, "set", nil)
	golden(t, s, cmdJoined, "no_filter", nil)
	golden(t, s, cmdJoined, "filters", nil)
	golden(t, s, cmdAppGroups, "all", nil)
	golden(t, s, cmdAppGroups, "public", nil)
}
