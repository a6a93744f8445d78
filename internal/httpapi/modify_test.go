package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

// The accounts of the modify tests: "dave" is imported but joins no group, "ghost" is
// never imported.
var modifyAccounts = []string{"owner", "adm", "bob", "carol", "dave"}

// newModifyServer starts a server whose app defines the member fields Level and Title
// and allows one admin per group, with modifyAccounts imported.
func newModifyServer(t *testing.T) *timtest.Server {
	t.Helper()
	s := newServer(t, timtest.Options{
		MemberFields: []string{"Level", "Title"},
		Configure:    func(c *config.Config) { c.Apps[0].Limits.AdminsPerGroup = 1 },
	})
	s.MustImportAccounts(t, modifyAccounts...)
	return s
}

// fixture creates a group of type typ owned by "owner" in which "bob" has a name card,
// custom data and (where the type allows muting) a mute of an hour, so that a partial
// write shows in a before/after comparison. Groups with admins have "adm" as Admin;
// every type but AVChatRoom has "carol" as an ordinary member.
func fixture(t *testing.T, s *timtest.Server, typ string) string {
	t.Helper()
	req := map[string]any{"Type": typ, "Name": "fixture", "Owner_Account": "owner"}
	if typ != "AVChatRoom" {
		list := []map[string]any{
			{"Member_Account": "bob", "AppMemberDefinedData": []map[string]string{{"Key": "Level", "Value": "7"}, {"Key": "Title", "Value": "boss"}}},
			{"Member_Account": "carol"},
		}
		if typ != "Private" {
			list = append(list, map[string]any{"Member_Account": "adm", "Role": "Admin"})
		}
		req["MemberList"] = list
	}
	r := mustCode(t, s, cmdCreate, req, codeOK)
	g, _ := r.Fields["GroupId"].(string)
	if typ == "AVChatRoom" {
		// AVChatRoom members join through the client SDK; a mute still applies to the account.
		mustCode(t, s, cmdForbid, map[string]any{"GroupId": g, "Members_Account": []string{"bob"}, "MuteTime": 3600}, codeOK)
		if len(mutedList(t, s, g)) != 1 {
			t.Fatalf("fixture: bob is not muted in AVChatRoom %s", g)
		}
		return g
	}
	mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"NameCard": "Bob", "MsgFlag": "AcceptNotNotify"}), codeOK)
	bob := mustMember(t, s, g, "bob")
	if typ != "Private" {
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"MuteTime": 3600}), codeOK)
		bob = mustMember(t, s, g, "bob")
		if num(t, bob, "MuteUntil") == 0 {
			t.Fatalf("fixture: bob is not muted: %v", bob)
		}
	}
	if bob["NameCard"] != "Bob" || len(customData(t, bob)) != 2 {
		t.Fatalf("fixture: bob lacks his name card or custom data: %v", bob)
	}
	return g
}

// modifyCase is one request of the check table and the code it must get.
type modifyCase struct {
	name string
	typ  string             // type of the fixture group; default Public
	body func(g string) any // the request, given the fixture group's ID
	// destroy makes the fixture group destroyed before the request.
	destroy bool
	want    int
	// info lists words the ErrorInfo must contain, for cases whose rows share a code.
	info []string
}

// field returns a body function for a request on account with the given fields.
func modifyBody(account string, fields map[string]any) func(string) any {
	return func(g string) any { return modify(g, account, fields) }
}

// raw returns a body function for a request sent as raw JSON; %s in format is replaced
// by the group ID.
func raw(format string) func(string) any {
	return func(g string) any { return fmt.Sprintf(format, g) }
}

// kvs builds an AppMemberDefinedData array from key, value pairs.
func kvs(pairs ...string) []map[string]string {
	out := make([]map[string]string, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]string{"Key": pairs[i], "Value": pairs[i+1]})
	}
	return out
}

var (
	card51  = strings.Repeat("n", 51)
	chinese = strings.Repeat("群", 17) // 17 characters, 51 bytes
	value65 = strings.Repeat("v", 65)
	unknown = "@TGS#2AAAAAAAA" // well-formed, of no group
)

// modifyCases is docs/compatibility.md §5's check table, a case or more per row, then cases of
// requests that break two rows and must get the earlier row's code.
var modifyCases = []modifyCase{
	// Row 1: GroupId missing, empty or never valid.
	{name: "1/GroupId missing", body: func(string) any { return map[string]any{"Member_Account": "bob", "NameCard": "x"} }, want: codeBadGroupID},
	{name: "1/GroupId empty", body: func(string) any { return modify("", "bob", map[string]any{"NameCard": "x"}) }, want: codeBadGroupID},
	{name: "1/GroupId not printable", body: func(string) any { return modify("@TGS#2ABC\x01DEF", "bob", map[string]any{"NameCard": "x"}) }, want: codeBadGroupID},
	{name: "1/GroupId not ASCII", body: func(string) any { return modify("grüppe", "bob", map[string]any{"NameCard": "x"}) }, want: codeBadGroupID},
	{name: "1/GroupId 49 bytes", body: func(string) any { return modify(strings.Repeat("g", 49), "bob", map[string]any{"NameCard": "x"}) }, want: codeBadGroupID},
	{name: "1/GroupId 200 bytes", body: func(string) any { return modify(strings.Repeat("g", 200), "bob", map[string]any{"NameCard": "x"}) }, want: codeBadGroupID},
	// Row 2: Member_Account missing or empty.
	{name: "2/Member_Account missing", body: func(g string) any { return map[string]any{"GroupId": g, "NameCard": "x"} }, want: codeInvalid},
	{name: "2/Member_Account empty", body: modifyBody("", map[string]any{"NameCard": "x"}), want: codeInvalid},
	// Row 3: no such group.
	{name: "3/unknown auto ID", body: func(string) any { return modify(unknown, "bob", map[string]any{"NameCard": "x"}) }, want: codeNoGroup},
	{name: "3/unknown custom ID", body: func(string) any { return modify("no-such-group", "bob", map[string]any{"NameCard": "x"}) }, want: codeNoGroup},
	{name: "3/destroyed group", destroy: true, body: modifyBody("bob", map[string]any{"NameCard": "x"}), want: codeNoGroup},
	// Row 4: AVChatRoom.
	{name: "4/AVChatRoom NameCard", typ: "AVChatRoom", body: modifyBody("bob", map[string]any{"NameCard": "x"}), want: codeNotAllowed},
	{name: "4/AVChatRoom Role", typ: "AVChatRoom", body: modifyBody("bob", map[string]any{"Role": "Admin"}), want: codeNotAllowed},
	{name: "4/AVChatRoom unmute", typ: "AVChatRoom", body: modifyBody("bob", map[string]any{"MuteTime": 0}), want: codeNotAllowed},
	{name: "4/AVChatRoom owner MsgFlag", typ: "AVChatRoom", body: modifyBody("owner", map[string]any{"MsgFlag": "Discard"}), want: codeNotAllowed},
	{name: "4/AVChatRoom empty change", typ: "AVChatRoom", body: modifyBody("bob", nil), want: codeNotAllowed},
	// Row 5: account never imported.
	{name: "5/not imported", body: modifyBody("ghost", map[string]any{"NameCard": "x"}), want: codeNoAccount},
	{name: "5/not imported, empty change", body: modifyBody("ghost", nil), want: codeNoAccount},
	// Row 6: not a member.
	{name: "6/not a member", body: modifyBody("dave", map[string]any{"NameCard": "x"}), want: codeNotAllowed},
	{name: "6/not a member, empty change", body: modifyBody("dave", nil), want: codeNotAllowed},
	// Row 7: Role not Admin or Member.
	{name: "7/Role Owner", body: modifyBody("bob", map[string]any{"Role": "Owner"}), want: codeInvalid},
	{name: "7/Role lower case", body: modifyBody("bob", map[string]any{"Role": "admin"}), want: codeInvalid},
	{name: "7/Role empty", body: modifyBody("bob", map[string]any{"Role": ""}), want: codeInvalid},
	{name: "7/Role NotMember", body: modifyBody("bob", map[string]any{"Role": "NotMember"}), want: codeInvalid},
	// Row 8: Role on the owner.
	{name: "8/owner Role Admin", body: modifyBody("owner", map[string]any{"Role": "Admin"}), want: codeInvalid},
	{name: "8/owner Role Member", body: modifyBody("owner", map[string]any{"Role": "Member"}), want: codeInvalid},
	// Row 9: Role in a Private group.
	{name: "9/Private Role Admin", typ: "Private", body: modifyBody("bob", map[string]any{"Role": "Admin"}), want: codeNotAllowed},
	{name: "9/Private Role Member", typ: "Private", body: modifyBody("bob", map[string]any{"Role": "Member"}), want: codeNotAllowed},
	// Row 10: MsgFlag not one of the four.
	{name: "10/MsgFlag unknown", body: modifyBody("bob", map[string]any{"MsgFlag": "Bogus"}), want: codeInvalid},
	{name: "10/MsgFlag empty", body: modifyBody("bob", map[string]any{"MsgFlag": ""}), want: codeInvalid},
	{name: "10/MsgFlag lower case", body: modifyBody("bob", map[string]any{"MsgFlag": "acceptandnotify"}), want: codeInvalid},
	// Row 11: NameCard over 50 bytes or not UTF-8.
	{name: "11/NameCard 51 bytes", body: modifyBody("bob", map[string]any{"NameCard": card51}), want: codeInvalid, info: []string{"NameCard", "51", "50"}},
	{name: "11/NameCard 17 Chinese characters", body: modifyBody("bob", map[string]any{"NameCard": chinese}), want: codeInvalid, info: []string{"NameCard", "51", "50"}},
	{name: "11/NameCard invalid UTF-8", body: raw("{\"GroupId\":%q,\"Member_Account\":\"bob\",\"NameCard\":\"b\xffo\xc3\"}"), want: codeInvalid, info: []string{"NameCard"}},
	// Row 12: custom data.
	{name: "12/undeclared key", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": kvs("Rank", "1")}), want: codeInvalid},
	{name: "12/undeclared key after a good one", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": kvs("Level", "8", "Rank", "1")}), want: codeInvalid},
	{name: "12/empty key", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": kvs("", "1")}), want: codeInvalid},
	{name: "12/key in another case", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": kvs("level", "1")}), want: codeInvalid},
	{name: "12/value 65 bytes", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": kvs("Level", value65)}), want: codeInvalid},
	{name: "12/key repeated", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": kvs("Level", "8", "Level", "9")}), want: codeInvalid},
	{name: "12/key repeated to delete", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": kvs("Level", "8", "Level", "")}), want: codeInvalid},
	// Row 13: MuteTime in a Private group.
	{name: "13/Private mute", typ: "Private", body: modifyBody("bob", map[string]any{"MuteTime": 60}), want: codeNotAllowed},
	{name: "13/Private unmute", typ: "Private", body: modifyBody("bob", map[string]any{"MuteTime": 0}), want: codeNotAllowed},
	{name: "13/Private ShutUpTime", typ: "Private", body: modifyBody("bob", map[string]any{"ShutUpTime": 60}), want: codeNotAllowed},
	// Row 14: MuteTime on the owner.
	{name: "14/owner mute", body: modifyBody("owner", map[string]any{"MuteTime": 60}), want: codeNotAllowed},
	{name: "14/owner unmute", body: modifyBody("owner", map[string]any{"MuteTime": 0}), want: codeNotAllowed},
	{name: "14/owner ShutUpTime", body: modifyBody("owner", map[string]any{"ShutUpTime": 60}), want: codeNotAllowed},
	// Row 15: MuteTime out of range.
	{name: "15/MuteTime -1", body: modifyBody("bob", map[string]any{"MuteTime": -1}), want: codeInvalid},
	{name: "15/MuteTime 4294967296", body: raw(`{"GroupId":%q,"Member_Account":"bob","MuteTime":4294967296}`), want: codeInvalid},
	{name: "15/MuteTime 1e30", body: raw(`{"GroupId":%q,"Member_Account":"bob","MuteTime":1e30}`), want: codeInvalid},
	{name: "15/MuteTime 1.5", body: raw(`{"GroupId":%q,"Member_Account":"bob","MuteTime":1.5}`), want: codeInvalid},
	{name: "15/MuteTime 1e2", body: raw(`{"GroupId":%q,"Member_Account":"bob","MuteTime":1e2}`), want: codeInvalid},
	{name: "15/ShutUpTime -1", body: modifyBody("bob", map[string]any{"ShutUpTime": -1}), want: codeInvalid},
	{name: "15/MuteTime -1 wins over a valid ShutUpTime", body: modifyBody("bob", map[string]any{"MuteTime": -1, "ShutUpTime": 60}), want: codeInvalid},
	// Row 16: admin limit (the app allows one, and "adm" is it).
	{name: "16/second admin", body: modifyBody("bob", map[string]any{"Role": "Admin"}), want: codeInvalid},
	{name: "16/second admin in a Community", typ: "Community", body: modifyBody("bob", map[string]any{"Role": "Admin"}), want: codeInvalid},
	// Row 17: nothing to change.
	{name: "17/empty change", body: modifyBody("bob", nil), want: codeOK},
	{name: "17/empty change on the owner", body: modifyBody("owner", nil), want: codeOK},
	{name: "17/empty change in a Private group", typ: "Private", body: modifyBody("bob", nil), want: codeOK},
	{name: "17/empty custom data array", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": []any{}}), want: codeOK},
	{name: "17/every field null", body: raw(`{"GroupId":%q,"Member_Account":"bob","Role":null,"MsgFlag":null,"NameCard":null,"AppMemberDefinedData":null,"MuteTime":null,"ShutUpTime":null}`), want: codeOK},
	{name: "17/ShutUpUntil is no request field", body: modifyBody("bob", map[string]any{"ShutUpUntil": 0, "MuteUntil": 0}), want: codeOK},

	// Wrong JSON types: the body is not what the command takes (docs/compatibility.md §1).
	{name: "type/MuteTime string", body: modifyBody("bob", map[string]any{"MuteTime": "abc"}), want: codeBadJSON},
	{name: "type/MuteTime numeric string", body: modifyBody("bob", map[string]any{"MuteTime": "60"}), want: codeBadJSON},
	{name: "type/NameCard number", body: modifyBody("bob", map[string]any{"NameCard": 5}), want: codeBadJSON},
	{name: "type/Role boolean", body: modifyBody("bob", map[string]any{"Role": true}), want: codeBadJSON},
	{name: "type/custom data object", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": map[string]string{"Level": "1"}}), want: codeBadJSON},
	{name: "type/custom value number", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": []map[string]any{{"Key": "Level", "Value": 1}}}), want: codeBadJSON},

	// All or nothing: every field valid but the last checked.
	{name: "atomic/last field invalid", body: modifyBody("bob", map[string]any{
		"MsgFlag": "Discard", "NameCard": "Robert", "AppMemberDefinedData": kvs("Level", "9", "Title", ""), "MuteTime": 4294967296,
	}), want: codeInvalid, info: []string{"MuteTime"}},
	{name: "atomic/demote admin with a bad mute", body: modifyBody("adm", map[string]any{"Role": "Member", "NameCard": "x", "MuteTime": -1}), want: codeInvalid},
	{name: "atomic/unmute with a bad custom key", body: modifyBody("bob", map[string]any{"MuteTime": 0, "NameCard": "x", "AppMemberDefinedData": kvs("Rank", "1")}), want: codeInvalid},

	// Order: a request breaking two rows gets the earlier row's code.
	{name: "order/1 before 2", body: func(string) any { return map[string]any{"GroupId": ""} }, want: codeBadGroupID},
	{name: "order/2 before 3", body: func(string) any { return modify(unknown, "", nil) }, want: codeInvalid},
	{name: "order/3 before 5", body: func(string) any { return modify(unknown, "ghost", nil) }, want: codeNoGroup},
	{name: "order/3 before 7", body: func(string) any { return modify(unknown, "bob", map[string]any{"Role": "Bogus"}) }, want: codeNoGroup},
	{name: "order/3 before 7, destroyed", destroy: true, body: modifyBody("bob", map[string]any{"Role": "Bogus"}), want: codeNoGroup},
	{name: "order/4 before 5", typ: "AVChatRoom", body: modifyBody("ghost", map[string]any{"NameCard": "x"}), want: codeNotAllowed},
	{name: "order/4 before 7", typ: "AVChatRoom", body: modifyBody("bob", map[string]any{"Role": "Bogus"}), want: codeNotAllowed},
	{name: "order/5 before 6", body: modifyBody("ghost", map[string]any{"Role": "Bogus"}), want: codeNoAccount},
	{name: "order/6 before 7", body: modifyBody("dave", map[string]any{"Role": "Bogus"}), want: codeNotAllowed},
	{name: "order/6 before 11", body: modifyBody("dave", map[string]any{"NameCard": card51}), want: codeNotAllowed},
	{name: "order/7 before 11", body: modifyBody("bob", map[string]any{"Role": "Bogus", "NameCard": card51}), want: codeInvalid, info: []string{"Role"}},
	{name: "order/7 before 13", typ: "Private", body: modifyBody("bob", map[string]any{"Role": "Bogus", "MuteTime": 60}), want: codeInvalid},
	{name: "order/8 before 9", typ: "Private", body: modifyBody("owner", map[string]any{"Role": "Admin"}), want: codeInvalid},
	{name: "order/8 before 14", body: modifyBody("owner", map[string]any{"Role": "Member", "MuteTime": 60}), want: codeInvalid},
	{name: "order/9 before 10", typ: "Private", body: modifyBody("bob", map[string]any{"Role": "Admin", "MsgFlag": "Bogus"}), want: codeNotAllowed},
	{name: "order/9 before 12", typ: "Private", body: modifyBody("bob", map[string]any{"Role": "Admin", "AppMemberDefinedData": kvs("Rank", "1")}), want: codeNotAllowed},
	{name: "order/10 before 11", body: modifyBody("bob", map[string]any{"MsgFlag": "Bogus", "NameCard": card51}), want: codeInvalid, info: []string{"MsgFlag"}},
	{name: "order/10 before 16", body: modifyBody("bob", map[string]any{"Role": "Admin", "MsgFlag": "Bogus"}), want: codeInvalid, info: []string{"MsgFlag"}},
	{name: "order/11 before 12", body: modifyBody("bob", map[string]any{"NameCard": card51, "AppMemberDefinedData": kvs("Rank", "1")}), want: codeInvalid, info: []string{"NameCard"}},
	{name: "order/11 before 14", body: modifyBody("owner", map[string]any{"NameCard": card51, "MuteTime": 60}), want: codeInvalid},
	{name: "order/12 before 13", typ: "Private", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": kvs("Rank", "1"), "MuteTime": 60}), want: codeInvalid},
	{name: "order/12 before 14", body: modifyBody("owner", map[string]any{"AppMemberDefinedData": kvs("Rank", "1"), "MuteTime": 60}), want: codeInvalid},
	{name: "order/12 before 15", body: modifyBody("bob", map[string]any{"AppMemberDefinedData": kvs("Rank", "1"), "MuteTime": -1}), want: codeInvalid, info: []string{"AppMemberDefinedData"}},
	{name: "order/13 before 15", typ: "Private", body: modifyBody("bob", map[string]any{"MuteTime": -1}), want: codeNotAllowed},
	{name: "order/14 before 15", body: modifyBody("owner", map[string]any{"MuteTime": -1}), want: codeNotAllowed},
	{name: "order/15 before 16", body: modifyBody("bob", map[string]any{"Role": "Admin", "MuteTime": -1}), want: codeInvalid, info: []string{"MuteTime"}},
}

// TestModifyChecksCoverEveryRow keeps modifyCases honest: each of the 17 rows of the
// check table has a case of its own.
func TestModifyChecksCoverEveryRow(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range modifyCases {
		row, _, _ := strings.Cut(tc.name, "/")
		covered[row] = true
	}
	for row := 1; row <= 17; row++ {
		if !covered[fmt.Sprint(row)] {
			t.Errorf("row %d of the check table has no case", row)
		}
	}
}

// TestModifyChecks runs every row of docs/compatibility.md §5's check table: each request gets
// its row's code and leaves the group exactly as it was.
func TestModifyChecks(t *testing.T) {
	s := newModifyServer(t)
	fixtures := map[string]string{}
	for _, tc := range modifyCases {
		t.Run(tc.name, func(t *testing.T) {
			typ := tc.typ
			if typ == "" {
				typ = "Public"
			}
			// Cases that cannot change anything share one fixture per type; the
			// comparison below would catch a write that slipped through anyway.
			defer func() {
				if t.Failed() {
					delete(fixtures, typ) // a failed case may have changed it
				}
			}()
			g, ok := fixtures[typ]
			if !ok || tc.destroy {
				g = fixture(t, s, typ)
				if !tc.destroy {
					fixtures[typ] = g
				}
			}
			if tc.destroy {
				mustCode(t, s, cmdDestroy, map[string]any{"GroupId": g}, codeOK)
			}
			before := groupSnapshot(t, s, g)
			r := mustCode(t, s, cmdModify, tc.body(g), tc.want)
			hasInfo(t, r, tc.info...)
			if diff := cmp.Diff(before, groupSnapshot(t, s, g)); diff != "" {
				t.Errorf("the group changed (-before +after):\n%s", diff)
			}
		})
	}
}

// newEffectsServer starts a server for the effect scenarios: member fields Level and
// Title, no admin limit, modifyAccounts imported.
func newEffectsServer(t *testing.T) *timtest.Server {
	t.Helper()
	s := newServer(t, timtest.Options{MemberFields: []string{"Level", "Title"}})
	s.MustImportAccounts(t, modifyAccounts...)
	return s
}

// mustMuteRange modifies account's MuteTime and returns the interval the resulting
// MuteUntil must fall in: now+seconds, with now read before and after the call.
func mustMuteRange(t *testing.T, s *timtest.Server, g, account string, fields map[string]any, seconds int64) (lo, hi int64) {
	t.Helper()
	lo = s.Now().Unix() + seconds
	mustCode(t, s, cmdModify, modify(g, account, fields), codeOK)
	return lo, s.Now().Unix() + seconds
}

// checkMuteUntil fails unless both mute fields of m are in [lo, hi].
func checkMuteUntil(t *testing.T, m member, lo, hi int64) {
	t.Helper()
	for _, f := range []string{"MuteUntil", "ShutUpUntil"} {
		if got := num(t, m, f); got < lo || got > hi {
			t.Errorf("%s of %s: got %d, want %d..%d", f, m["Member_Account"], got, lo, hi)
		}
	}
}

// TestModifyMute pins the effects of MuteTime (docs/compatibility.md §5 "Effects").
func TestModifyMute(t *testing.T) {
	s := newEffectsServer(t)
	g := s.MustCreateGroup(t, "Public", "owner", "bob", "carol")

	t.Run("N seconds", func(t *testing.T) {
		lo, hi := mustMuteRange(t, s, g, "bob", map[string]any{"MuteTime": 3600}, 3600)
		checkMuteUntil(t, mustMember(t, s, g, "bob"), lo, hi)
		if got := mutedList(t, s, g)["bob"]; got < lo || got > hi {
			t.Errorf("MutedUntil of bob: got %d, want %d..%d", got, lo, hi)
		}
	})
	t.Run("forever", func(t *testing.T) {
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"MuteTime": muteForever}), codeOK)
		checkMuteUntil(t, mustMember(t, s, g, "bob"), muteForever, muteForever)
		if got := mutedList(t, s, g)["bob"]; got != muteForever {
			t.Errorf("MutedUntil of bob: got %d, want %d", got, muteForever)
		}
	})
	t.Run("near forever", func(t *testing.T) {
		// A mute whose end would pass 4294967295 ends there.
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"MuteTime": muteForever - 1}), codeOK)
		checkMuteUntil(t, mustMember(t, s, g, "bob"), muteForever, muteForever)
	})
	t.Run("zero unmutes", func(t *testing.T) {
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"MuteTime": 0}), codeOK)
		checkMuteUntil(t, mustMember(t, s, g, "bob"), 0, 0)
		if _, muted := mutedList(t, s, g)["bob"]; muted {
			t.Errorf("bob is still in the muted list after MuteTime 0")
		}
	})
	t.Run("zero on a member not muted", func(t *testing.T) {
		mustCode(t, s, cmdModify, modify(g, "carol", map[string]any{"MuteTime": 0}), codeOK)
		checkMuteUntil(t, mustMember(t, s, g, "carol"), 0, 0)
	})
	t.Run("old name ShutUpTime", func(t *testing.T) {
		lo, hi := mustMuteRange(t, s, g, "bob", map[string]any{"ShutUpTime": 120}, 120)
		checkMuteUntil(t, mustMember(t, s, g, "bob"), lo, hi)
	})
	t.Run("MuteTime wins over ShutUpTime", func(t *testing.T) {
		lo, hi := mustMuteRange(t, s, g, "bob", map[string]any{"MuteTime": 600, "ShutUpTime": 5000}, 600)
		checkMuteUntil(t, mustMember(t, s, g, "bob"), lo, hi)
	})
	t.Run("MuteTime 0 wins over ShutUpTime", func(t *testing.T) {
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"MuteTime": 0, "ShutUpTime": 5000}), codeOK)
		checkMuteUntil(t, mustMember(t, s, g, "bob"), 0, 0)
	})
	t.Run("survives leaving and joining again", func(t *testing.T) {
		lo, hi := mustMuteRange(t, s, g, "carol", map[string]any{"MuteTime": 7200}, 7200)
		mustCode(t, s, cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{"carol"}}, codeOK)
		if got := accounts(mustMembers(t, s, g)); slices.Contains(got, "carol") {
			t.Fatalf("carol is still a member after delete_group_member: %v", got)
		}
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("carol")}, codeOK)
		checkMuteUntil(t, mustMember(t, s, g, "carol"), lo, hi)
		if got := mutedList(t, s, g)["carol"]; got < lo || got > hi {
			t.Errorf("MutedUntil of carol: got %d, want %d..%d", got, lo, hi)
		}
	})
	t.Run("expired reads as 0", func(t *testing.T) {
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"MuteTime": 60}), codeOK)
		mustCode(t, s, cmdModify, modify(g, "carol", map[string]any{"MuteTime": muteForever}), codeOK)
		s.Advance(61 * time.Second)
		checkMuteUntil(t, mustMember(t, s, g, "bob"), 0, 0)
		checkMuteUntil(t, mustMember(t, s, g, "carol"), muteForever, muteForever)
		if got, want := mutedList(t, s, g), map[string]int64{"carol": muteForever}; !cmp.Equal(got, want) {
			t.Errorf("muted list after bob's mute expired: got %v, want %v", got, want)
		}
	})
}

// TestModifyFields pins the effects of NameCard, MsgFlag, Role and custom data.
func TestModifyFields(t *testing.T) {
	s := newEffectsServer(t)
	g := s.MustCreateGroup(t, "Public", "owner", "bob", "carol")

	t.Run("NameCard 50 bytes", func(t *testing.T) {
		card := strings.Repeat("n", 50)
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"NameCard": card}), codeOK)
		if got := mustMember(t, s, g, "bob")["NameCard"]; got != card {
			t.Errorf("NameCard: got %q, want %q", got, card)
		}
	})
	t.Run("NameCard 16 Chinese characters", func(t *testing.T) {
		card := strings.Repeat("群", 16) // 48 bytes
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"NameCard": card}), codeOK)
		if got := mustMember(t, s, g, "bob")["NameCard"]; got != card {
			t.Errorf("NameCard: got %q, want %q", got, card)
		}
	})
	t.Run("NameCard emptied", func(t *testing.T) {
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"NameCard": ""}), codeOK)
		if got := mustMember(t, s, g, "bob")["NameCard"]; got != "" {
			t.Errorf("NameCard: got %q, want empty", got)
		}
	})
	t.Run("every MsgFlag", func(t *testing.T) {
		for _, f := range []string{"AcceptNotNotify", "Discard", "AcceptNotNotifyExceptAt", "AcceptAndNotify"} {
			mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"MsgFlag": f}), codeOK)
			if got := mustMember(t, s, g, "bob")["MsgFlag"]; got != f {
				t.Errorf("MsgFlag: got %v, want %s", got, f)
			}
		}
	})
	t.Run("custom value 64 bytes", func(t *testing.T) {
		v := strings.Repeat("v", 64)
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"AppMemberDefinedData": kvs("Level", v)}), codeOK)
		if got := customData(t, mustMember(t, s, g, "bob")); got["Level"] != v {
			t.Errorf("Level: got %q, want %q", got["Level"], v)
		}
	})
	t.Run("custom keys merge", func(t *testing.T) {
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"AppMemberDefinedData": kvs("Level", "1")}), codeOK)
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"AppMemberDefinedData": kvs("Title", "cap")}), codeOK)
		want := map[string]string{"Level": "1", "Title": "cap"}
		if diff := cmp.Diff(want, customData(t, mustMember(t, s, g, "bob"))); diff != "" {
			t.Errorf("custom data (-want +got):\n%s", diff)
		}
	})
	t.Run("empty Value deletes the key", func(t *testing.T) {
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"AppMemberDefinedData": kvs("Level", "")}), codeOK)
		want := map[string]string{"Title": "cap"}
		if diff := cmp.Diff(want, customData(t, mustMember(t, s, g, "bob"))); diff != "" {
			t.Errorf("custom data (-want +got):\n%s", diff)
		}
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"AppMemberDefinedData": kvs("Title", "")}), codeOK)
		if got := customData(t, mustMember(t, s, g, "bob")); len(got) != 0 {
			t.Errorf("custom data after deleting every key: got %v, want none", got)
		}
	})
	t.Run("deleting a key never set", func(t *testing.T) {
		mustCode(t, s, cmdModify, modify(g, "carol", map[string]any{"AppMemberDefinedData": kvs("Level", "")}), codeOK)
		if got := customData(t, mustMember(t, s, g, "carol")); len(got) != 0 {
			t.Errorf("custom data: got %v, want none", got)
		}
	})
	t.Run("set and cancel admin", func(t *testing.T) {
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"Role": "Admin"}), codeOK)
		if got := mustMember(t, s, g, "bob")["Role"]; got != "Admin" {
			t.Errorf("Role: got %v, want Admin", got)
		}
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"Role": "Member"}), codeOK)
		if got := mustMember(t, s, g, "bob")["Role"]; got != "Member" {
			t.Errorf("Role: got %v, want Member", got)
		}
	})
	t.Run("several fields in one call", func(t *testing.T) {
		lo, hi := mustMuteRange(t, s, g, "carol", map[string]any{
			"Role": "Admin", "MsgFlag": "Discard", "NameCard": "Caroline",
			"AppMemberDefinedData": kvs("Level", "5", "Title", "chief"), "MuteTime": 900,
		}, 900)
		m := mustMember(t, s, g, "carol")
		checkMuteUntil(t, m, lo, hi)
		want := member{"Role": "Admin", "MsgFlag": "Discard", "NameCard": "Caroline"}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s: got %v, want %v", k, m[k], v)
			}
		}
		if diff := cmp.Diff(map[string]string{"Level": "5", "Title": "chief"}, customData(t, m)); diff != "" {
			t.Errorf("custom data (-want +got):\n%s", diff)
		}
	})
	t.Run("same values again", func(t *testing.T) {
		body := modify(g, "carol", map[string]any{
			"Role": "Admin", "MsgFlag": "Discard", "NameCard": "Caroline",
			"AppMemberDefinedData": kvs("Level", "5", "Title", "chief"),
		})
		before := mustMember(t, s, g, "carol")
		mustCode(t, s, cmdModify, body, codeOK)
		mustCode(t, s, cmdModify, body, codeOK)
		if diff := cmp.Diff(before, mustMember(t, s, g, "carol")); diff != "" {
			t.Errorf("carol changed (-before +after):\n%s", diff)
		}
	})
	t.Run("other members untouched", func(t *testing.T) {
		owner := mustMember(t, s, g, "owner")
		mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"NameCard": "only bob", "MuteTime": 30}), codeOK)
		if diff := cmp.Diff(owner, mustMember(t, s, g, "owner")); diff != "" {
			t.Errorf("owner changed (-before +after):\n%s", diff)
		}
	})
}

// TestModifyAdminLimit checks row 16 with an app that allows one admin per group.
func TestModifyAdminLimit(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Limits.AdminsPerGroup = 1 }})
	s.MustImportAccounts(t, "owner", "a1", "a2")
	g := s.MustCreateGroup(t, "Public", "owner", "a1", "a2")

	mustCode(t, s, cmdModify, modify(g, "a1", map[string]any{"Role": "Admin"}), codeOK)
	r := mustCode(t, s, cmdModify, modify(g, "a2", map[string]any{"Role": "Admin"}), codeInvalid)
	t.Logf("second admin: %s", r.ErrorInfo)
	if got := mustMember(t, s, g, "a2")["Role"]; got != "Member" {
		t.Errorf("a2 Role after the refused call: got %v, want Member", got)
	}
	// Making the admin an admin again does not count twice.
	mustCode(t, s, cmdModify, modify(g, "a1", map[string]any{"Role": "Admin"}), codeOK)
	// Once the first steps down the second may step up.
	mustCode(t, s, cmdModify, modify(g, "a1", map[string]any{"Role": "Member"}), codeOK)
	mustCode(t, s, cmdModify, modify(g, "a2", map[string]any{"Role": "Admin"}), codeOK)
	// Other groups have their own count.
	g2 := s.MustCreateGroup(t, "Public", "owner", "a1")
	mustCode(t, s, cmdModify, modify(g2, "a1", map[string]any{"Role": "Admin"}), codeOK)
}

// TestModifyByGroupType checks what each group type allows.
func TestModifyByGroupType(t *testing.T) {
	s := newEffectsServer(t)
	for _, typ := range []string{"Public", "ChatRoom", "Community", "Meeting"} {
		t.Run(typ, func(t *testing.T) {
			g := s.MustCreateGroup(t, typ, "owner", "bob")
			mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"Role": "Admin"}), codeOK)
			lo, hi := mustMuteRange(t, s, g, "bob", map[string]any{"MuteTime": 60}, 60)
			m := mustMember(t, s, g, "bob")
			if m["Role"] != "Admin" {
				t.Errorf("Role: got %v, want Admin", m["Role"])
			}
			checkMuteUntil(t, m, lo, hi)
		})
	}
	for _, typ := range []string{"Private", "Work"} {
		t.Run(typ, func(t *testing.T) {
			g := s.MustCreateGroup(t, typ, "owner", "bob")
			mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"Role": "Admin"}), codeNotAllowed)
			mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"MuteTime": 60}), codeNotAllowed)
			// Everything else is a member's own business and allowed.
			mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{"NameCard": "b", "MsgFlag": "Discard", "AppMemberDefinedData": kvs("Level", "2")}), codeOK)
			m := mustMember(t, s, g, "bob")
			if m["Role"] != "Member" || num(t, m, "MuteUntil") != 0 || m["NameCard"] != "b" || m["MsgFlag"] != "Discard" {
				t.Errorf("bob: got %v, want a Member unmuted with NameCard b and MsgFlag Discard", m)
			}
		})
	}
	t.Run("owner fields", func(t *testing.T) {
		// The owner's own NameCard, MsgFlag and custom data may change.
		g := s.MustCreateGroup(t, "Public", "owner")
		mustCode(t, s, cmdModify, modify(g, "owner", map[string]any{"NameCard": "boss", "MsgFlag": "Discard", "AppMemberDefinedData": kvs("Title", "founder")}), codeOK)
		m := mustMember(t, s, g, "owner")
		if m["Role"] != "Owner" || m["NameCard"] != "boss" || m["MsgFlag"] != "Discard" || customData(t, m)["Title"] != "founder" {
			t.Errorf("owner: got %v", m)
		}
	})
}
