package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

// The import commands under test, by their path below /v4/.
const (
	cmdImportGroup  = "group_open_http_svc/import_group"
	cmdImportMember = "group_open_http_svc/import_group_member"
)

// importGroup posts an import_group of typ named "g" with extra fields, wants code, and
// returns the GroupId answered.
func importGroup(t *testing.T, s *timtest.Server, typ string, fields map[string]any, want int) string {
	t.Helper()
	body := map[string]any{"Type": typ, "Name": "g"}
	for k, v := range fields {
		body[k] = v
	}
	r := mustCode(t, s, cmdImportGroup, body, want)
	id, _ := r.Fields["GroupId"].(string)
	return id
}

// imported is one import_group_member MemberList entry.
type imported = map[string]any

// importMembers posts an import_group_member of list into g, wants code, and returns the
// per-member results as [account, Result] pairs.
func importMembers(t *testing.T, s *timtest.Server, g string, list []imported, want int) [][2]any {
	t.Helper()
	r := mustCode(t, s, cmdImportMember, map[string]any{"GroupId": g, "MemberList": list}, want)
	if want != codeOK {
		return nil
	}
	return addResults(t, r)
}

// TestImportGroup checks import_group (Tencent's docs, see docs/compatibility.md Sources): create_group with the
// group's original CreateTime.
func TestImportGroup(t *testing.T) {
	s := newServer(t, timtest.Options{GroupFields: []string{"Color"}})
	s.MustImportAccounts(t, "owner", "bob")

	t.Run("CreateTime in the past kept", func(t *testing.T) {
		created := s.Now().Add(-400 * 24 * time.Hour).Unix()
		g := importGroup(t, s, "Public", map[string]any{
			"Owner_Account": "owner", "CreateTime": created, "Introduction": "old", "AppDefinedData": kvs("Color", "blue"),
			"MaxMemberCount": 300, "ApplyJoinOption": "FreeAccess", "MemberList": memberObjects("bob"),
		}, codeOK)
		if !mintedIDOf["Public"].MatchString(g) {
			t.Errorf("GroupId %q is not a minted Public ID", g)
		}
		info := mustGroupInfo(t, s, g)
		for _, f := range []string{"CreateTime", "LastInfoTime"} {
			if got := num(t, info, f); got != created {
				t.Errorf("%s: got %d, want the imported CreateTime %d", f, got, created)
			}
		}
		if info["Introduction"] != "old" || info["ApplyJoinOption"] != "FreeAccess" || num(t, info, "MaxMemberNum") != 300 || num(t, info, "MemberNum") != 2 {
			t.Errorf("imported group: got %v", info)
		}
		if diff := cmp.Diff(map[string]string{"Color": "blue"}, groupData(t, info)); diff != "" {
			t.Errorf("AppDefinedData (-want +got):\n%s", diff)
		}
		// The owner and the initial members joined when the group was made.
		for _, m := range mustMembers(t, s, g) {
			if got := num(t, m, "JoinTime"); got != created {
				t.Errorf("JoinTime of %s: got %d, want the group's CreateTime %d", m["Member_Account"], got, created)
			}
		}
	})
	t.Run("CreateTime absent is now", func(t *testing.T) {
		lo := s.Now().Unix()
		g := importGroup(t, s, "Public", map[string]any{"Owner_Account": "owner"}, codeOK)
		if c := num(t, mustGroupInfo(t, s, g), "CreateTime"); c < lo || c > s.Now().Unix() {
			t.Errorf("CreateTime: got %d, want about %d", c, lo)
		}
	})
	t.Run("every type but AVChatRoom", func(t *testing.T) {
		for typ, want := range map[string]string{"Private": "Private", "Work": "Private", "Public": "Public", "ChatRoom": "ChatRoom", "Meeting": "ChatRoom", "Community": "Community"} {
			r := mustCode(t, s, cmdImportGroup, map[string]any{"Type": typ, "Name": "g", "Owner_Account": "owner", "CreateTime": 1600000000}, codeOK)
			g, _ := r.Fields["GroupId"].(string)
			if !mintedIDOf[typ].MatchString(g) {
				t.Errorf("%s: GroupId %q is not a minted ID of its type", typ, g)
			}
			if typ == "Community" && (r.Fields["Type"] != "Community" || num(t, r.Fields, "HugeGroupFlag") != 0) {
				t.Errorf("Community answer: got %s, want Type Community and HugeGroupFlag 0 as create_group", r.Raw)
			}
			if info := mustGroupInfo(t, s, g); info["Type"] != want || num(t, info, "CreateTime") != 1600000000 {
				t.Errorf("%s: got Type %v CreateTime %v, want %s 1600000000", typ, info["Type"], info["CreateTime"], want)
			}
		}
	})
	t.Run("custom GroupId", func(t *testing.T) {
		importGroup(t, s, "Public", map[string]any{"GroupId": "imported-1", "CreateTime": 1600000000}, codeOK)
		importGroup(t, s, "Public", map[string]any{"GroupId": "imported-1", "CreateTime": 1600000000}, codeIDInUse)
		createGroup(t, s, "Public", map[string]any{"GroupId": "imported-1"}, codeIDInUse)
		importGroup(t, s, "Community", map[string]any{"GroupId": "@TGS#_imported", "CreateTime": 1600000000}, codeOK)
		importGroup(t, s, "Public", map[string]any{"GroupId": "@TGS#2imported"}, codeBadGroupID)
	})
	for _, tc := range []struct {
		name   string
		typ    string
		fields map[string]any
		want   int
	}{
		{"CreateTime in the future", "Public", map[string]any{"CreateTime": s.Now().Add(24 * time.Hour).Unix()}, codeInvalid},
		{"CreateTime negative", "Public", map[string]any{"CreateTime": -1}, codeInvalid},
		{"CreateTime string", "Public", map[string]any{"CreateTime": "1600000000"}, codeBadJSON},
		{"AVChatRoom", "AVChatRoom", map[string]any{"CreateTime": 1600000000}, codeNotAllowed},
		{"AVChatRoom with members", "AVChatRoom", map[string]any{"MemberList": memberObjects("bob")}, codeNotAllowed},
		{"Type unknown", "Secret", nil, codeInvalid},
		{"owner never imported", "Public", map[string]any{"Owner_Account": "ghost"}, codeNoAccount},
		{"undeclared custom key", "Public", map[string]any{"AppDefinedData": kvs("Shape", "x")}, codeInvalid},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			before := appGroups(t, s, map[string]any{}).Total
			importGroup(t, s, tc.typ, tc.fields, tc.want)
			if after := appGroups(t, s, map[string]any{}).Total; after != before {
				t.Errorf("groups: got %d after the refused import, want %d", after, before)
			}
		})
	}
}

// TestImportGroupMember checks import_group_member (Tencent's docs, see docs/compatibility.md Sources): members
// with their original JoinTime and UnreadMsgNum, and a Result per member.
func TestImportGroupMember(t *testing.T) {
	s := newServer(t, timtest.Options{})
	many := names("imp", 301)
	s.MustImportAccounts(t, append([]string{"owner", "a", "b", "c", "d", "e", "f"}, many...)...)
	created := s.Now().Add(-30 * 24 * time.Hour).Unix()

	t.Run("results and times", func(t *testing.T) {
		g := importGroup(t, s, "Public", map[string]any{"Owner_Account": "owner", "CreateTime": created}, codeOK)
		lo := s.Now().Unix()
		got := importMembers(t, s, g, []imported{
			{"Member_Account": "a", "JoinTime": created + 100, "Role": "Admin", "UnreadMsgNum": 12},
			{"Member_Account": "b"},
			{"Member_Account": "c", "JoinTime": created},
			{"Member_Account": "d", "JoinTime": created - 1},
			{"Member_Account": "e", "JoinTime": s.Now().Add(time.Hour).Unix()},
			{"Member_Account": "ghost", "JoinTime": created + 100},
			{"Member_Account": "owner"},
			{"Member_Account": "a", "JoinTime": created + 200},
			{"Member_Account": "f", "JoinTime": s.Now().Unix() - 1, "Role": "Member"},
		}, codeOK)
		hi := s.Now().Unix()
		want := [][2]any{{"a", int64(1)}, {"b", int64(1)}, {"c", int64(0)}, {"d", int64(0)}, {"e", int64(0)}, {"ghost", int64(0)}, {"owner", int64(2)}, {"a", int64(2)}, {"f", int64(1)}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
		wantRoles := map[string]string{"owner": "Owner", "a": "Admin", "b": "Member", "c": "NotMember", "d": "NotMember", "e": "NotMember", "f": "Member", "ghost": "NotMember"}
		if diff := cmp.Diff(wantRoles, roles(t, s, g, "owner", "a", "b", "c", "d", "e", "f", "ghost")); diff != "" {
			t.Errorf("roles (-want +got):\n%s", diff)
		}
		if j := num(t, mustMember(t, s, g, "a"), "JoinTime"); j != created+100 {
			t.Errorf("a's JoinTime: got %d, want %d (the first entry's)", j, created+100)
		}
		if j := num(t, mustMember(t, s, g, "b"), "JoinTime"); j < lo || j > hi {
			t.Errorf("b's JoinTime: got %d, want now (%d to %d)", j, lo, hi)
		}
		if u := num(t, selfInfo(t, s, "a", g, "UnreadMsgNum"), "UnreadMsgNum"); u != 12 {
			t.Errorf("a's UnreadMsgNum: got %d, want 12", u)
		}
		if u := num(t, selfInfo(t, s, "b", g, "UnreadMsgNum"), "UnreadMsgNum"); u != 0 {
			t.Errorf("b's UnreadMsgNum: got %d, want 0", u)
		}
		if n := num(t, mustGroupInfo(t, s, g), "MemberNum"); n != 4 {
			t.Errorf("MemberNum: got %d, want 4", n)
		}
	})
	t.Run("JoinTime before a created group", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Public", "owner")
		got := importMembers(t, s, g, []imported{{"Member_Account": "a", "JoinTime": s.Now().Unix() - 3600}, {"Member_Account": "b"}}, codeOK)
		if diff := cmp.Diff([][2]any{{"a", int64(0)}, {"b", int64(1)}}, got); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
	})
	t.Run("every type but AVChatRoom", func(t *testing.T) {
		for _, typ := range []string{"Private", "Public", "ChatRoom", "Community"} {
			g := importGroup(t, s, typ, map[string]any{"Owner_Account": "owner", "CreateTime": created}, codeOK)
			got := importMembers(t, s, g, []imported{{"Member_Account": "a", "JoinTime": created + 1, "UnreadMsgNum": 4}}, codeOK)
			if diff := cmp.Diff([][2]any{{"a", int64(1)}}, got); diff != "" {
				t.Errorf("%s results (-want +got):\n%s", typ, diff)
			}
			if j := num(t, mustMember(t, s, g, "a"), "JoinTime"); j != created+1 {
				t.Errorf("%s: a's JoinTime %d, want %d", typ, j, created+1)
			}
		}
	})
	t.Run("300 members", func(t *testing.T) {
		g := importGroup(t, s, "Community", map[string]any{"Owner_Account": "owner", "CreateTime": created}, codeOK)
		list := make([]imported, 301)
		for i, a := range many {
			list[i] = imported{"Member_Account": a, "JoinTime": created + int64(i) + 1}
		}
		r := mustCode(t, s, cmdImportMember, map[string]any{"GroupId": g, "MemberList": list}, codeOverLimit)
		hasInfo(t, r, "301", "300")
		got := importMembers(t, s, g, list[:300], codeOK)
		for _, res := range got {
			if res[1] != int64(1) {
				t.Fatalf("result %v, want 1", res)
			}
		}
		if n := num(t, mustGroupInfo(t, s, g), "MemberNum"); n != 301 {
			t.Errorf("MemberNum: got %d, want 301", n)
		}
	})
	t.Run("full group", func(t *testing.T) {
		g := importGroup(t, s, "Public", map[string]any{"Owner_Account": "owner", "CreateTime": created, "MaxMemberCount": 2}, codeOK)
		importMembers(t, s, g, []imported{{"Member_Account": "a"}, {"Member_Account": "b"}}, codeFull)
		if got := accounts(mustMembers(t, s, g)); strings.Join(got, ",") != "owner" {
			t.Errorf("members after 10014: got %v, want owner", got)
		}
		if diff := cmp.Diff([][2]any{{"a", int64(1)}, {"ghost", int64(0)}}, importMembers(t, s, g, []imported{{"Member_Account": "a"}, {"Member_Account": "ghost"}}, codeOK)); diff != "" {
			t.Errorf("results up to the limit (-want +got):\n%s", diff)
		}
	})
	t.Run("ChatRoom keeps no UnreadMsgNum", func(t *testing.T) {
		g := importGroup(t, s, "ChatRoom", map[string]any{"Owner_Account": "owner", "CreateTime": created}, codeOK)
		importMembers(t, s, g, []imported{{"Member_Account": "a", "UnreadMsgNum": 4}}, codeOK)
		if u := num(t, selfInfo(t, s, "a", g, "UnreadMsgNum"), "UnreadMsgNum"); u != 0 {
			t.Errorf("a's UnreadMsgNum in a ChatRoom: got %d, want 0", u)
		}
	})
	g := importGroup(t, s, "Public", map[string]any{"Owner_Account": "owner", "CreateTime": created}, codeOK)
	private := importGroup(t, s, "Private", map[string]any{"Owner_Account": "owner", "CreateTime": created}, codeOK)
	av := s.MustCreateGroup(t, "AVChatRoom", "owner")
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"AVChatRoom", map[string]any{"GroupId": av, "MemberList": []imported{{"Member_Account": "a"}}}, codeNotAllowed},
		{"Role Owner", map[string]any{"GroupId": g, "MemberList": []imported{{"Member_Account": "b"}, {"Member_Account": "a", "Role": "Owner"}}}, codeInvalid},
		{"Role unknown", map[string]any{"GroupId": g, "MemberList": []imported{{"Member_Account": "a", "Role": "Boss"}}}, codeInvalid},
		{"Role Admin in a Private group", map[string]any{"GroupId": private, "MemberList": []imported{{"Member_Account": "a", "Role": "Admin"}}}, codeNotAllowed},
		{"UnreadMsgNum negative", map[string]any{"GroupId": g, "MemberList": []imported{{"Member_Account": "a", "UnreadMsgNum": -1}}}, codeInvalid},
		{"account 33 bytes", map[string]any{"GroupId": g, "MemberList": []imported{{"Member_Account": "b"}, {"Member_Account": strings.Repeat("a", 33)}}}, codeInvalid},
		{"account empty", map[string]any{"GroupId": g, "MemberList": []imported{{"Member_Account": ""}}}, codeInvalid},
		{"MemberList empty", map[string]any{"GroupId": g, "MemberList": []imported{}}, codeInvalid},
		{"MemberList missing", map[string]any{"GroupId": g}, codeInvalid},
		{"JoinTime string", map[string]any{"GroupId": g, "MemberList": []imported{{"Member_Account": "a", "JoinTime": "1"}}}, codeBadJSON},
		{"GroupId missing", map[string]any{"MemberList": []imported{{"Member_Account": "a"}}}, codeBadGroupID},
		{"unknown group", map[string]any{"GroupId": unknown, "MemberList": []imported{{"Member_Account": "a"}}}, codeNoGroup},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			before := groupSnapshot(t, s, g)
			mustCode(t, s, cmdImportMember, tc.body, tc.want)
			if diff := cmp.Diff(before, groupSnapshot(t, s, g)); diff != "" {
				t.Errorf("the group changed (-before +after):\n%s", diff)
			}
		})
	}
}

// fixedEpoch is the CreateTime of the groups the golden tests import; the JoinTimes
// they give are whole minutes after it.
const fixedEpoch = 1600000000

// awayFromFixedTimes moves the server's clock so that now is half a minute off every
// whole minute after fixedEpoch. golden rewrites a JoinTime within 5 seconds of a whole
// number of minutes from now into "<now±k>", and would otherwise turn a fixed JoinTime
// into such a placeholder in about one run of six.
func awayFromFixedTimes(s *timtest.Server) {
	phase := (s.Now().Unix() - fixedEpoch) % 60
	s.Advance(time.Duration((90-phase)%60) * time.Second)
}

// TestImportGroupMemberAdminLimit checks that imported admins count against the app's
// admin limit (docs/compatibility.md §4), as they do in create_group and
// modify_group_member_info.
func TestImportGroupMemberAdminLimit(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Limits.AdminsPerGroup = 1 }})
	s.MustImportAccounts(t, "owner", "a", "b", "c")
	g := importGroup(t, s, "Public", map[string]any{"Owner_Account": "owner", "CreateTime": 1600000000}, codeOK)
	importMembers(t, s, g, []imported{{"Member_Account": "a", "Role": "Admin"}, {"Member_Account": "b", "Role": "Admin"}}, codeInvalid)
	if got := accounts(mustMembers(t, s, g)); strings.Join(got, ",") != "owner" {
		t.Fatalf("members after 10004: got %v, want owner", got)
	}
	importMembers(t, s, g, []imported{{"Member_Account": "a", "Role": "Admin"}, {"Member_Account": "b"}}, codeOK)
	importMembers(t, s, g, []imported{{"Member_Account": "c", "Role": "Admin"}}, codeInvalid)
	// An admin already in the group is no new admin.
	if diff := cmp.Diff([][2]any{{"a", int64(2)}, {"c", int64(1)}}, importMembers(t, s, g, []imported{{"Member_Account": "a", "Role": "Admin"}, {"Member_Account": "c"}}, codeOK)); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	want := map[string]string{"owner": "Owner", "a": "Admin", "b": "Member", "c": "Member"}
	if diff := cmp.Diff(want, roles(t, s, g, "owner", "a", "b", "c")); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
}

// TestGoldenImport checks import_group and import_group_member answers.
func TestGoldenImport(t *testing.T) {
	s := newGoldenServer(t)
	awayFromFixedTimes(s)
	for _, name := range []string{"public_sample", "private_sample", "community_sample", "avchatroom", "future"} {
		t.Run(name, func(t *testing.T) { golden(t, s, cmdImportGroup, name, nil) })
	}
	t.Run("members", func(t *testing.T) {
		golden(t, s, cmdImportMember, "sample", nil)
		if j := num(t, mustMember(t, s, "MyPrivateGroup", "bob"), "JoinTime"); j != fixedEpoch+60 {
			t.Errorf("bob's JoinTime: got %d, want %d", j, fixedEpoch+60)
		}
	})
}
