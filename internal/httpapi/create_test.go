package httpapi_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

// mintedIDOf matches the group IDs the server mints, by the type asked for
// (docs/compatibility.md §6).
var mintedIDOf = map[string]*regexp.Regexp{
	"Private":    regexp.MustCompile(`^@TGS#1[A-Z2-7]{8}$`),
	"Work":       regexp.MustCompile(`^@TGS#1[A-Z2-7]{8}$`),
	"Public":     regexp.MustCompile(`^@TGS#2[A-Z2-7]{8}$`),
	"ChatRoom":   regexp.MustCompile(`^@TGS#3[A-Z2-7]{8}$`),
	"Meeting":    regexp.MustCompile(`^@TGS#3[A-Z2-7]{8}$`),
	"AVChatRoom": regexp.MustCompile(`^@TGS#a[A-Z2-7]{8}$`),
	"Community":  regexp.MustCompile(`^@TGS#_@TGS#c[A-Z2-7]{10}$`),
}

// createGroup posts a create_group of typ named "g" with extra fields and wants code.
func createGroup(t *testing.T, s *timtest.Server, typ string, fields map[string]any, want int) *timtest.Response {
	t.Helper()
	body := map[string]any{"Type": typ, "Name": "g"}
	for k, v := range fields {
		body[k] = v
	}
	return mustCode(t, s, cmdCreate, body, want)
}

// TestCreateGroupTypes creates groups of every type, by the REST names and the newer
// Work and Meeting, and checks the minted IDs and the answer's fields.
func TestCreateGroupTypes(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner")
	for _, typ := range []string{"Private", "Public", "ChatRoom", "AVChatRoom", "Community", "Work", "Meeting"} {
		t.Run(typ, func(t *testing.T) {
			seen := map[string]bool{}
			for range 20 {
				r := createGroup(t, s, typ, map[string]any{"Owner_Account": "owner"}, codeOK)
				id, _ := r.Fields["GroupId"].(string)
				if !mintedIDOf[typ].MatchString(id) {
					t.Fatalf("GroupId %q does not match %s", id, mintedIDOf[typ])
				}
				if seen[id] {
					t.Fatalf("GroupId %q minted twice", id)
				}
				seen[id] = true
				wantFields := map[string]bool{"ActionStatus": true, "ErrorInfo": true, "ErrorCode": true, "GroupId": true}
				if typ == "Community" {
					wantFields["Type"], wantFields["HugeGroupFlag"] = true, true
					if r.Fields["Type"] != "Community" || num(t, r.Fields, "HugeGroupFlag") != 0 {
						t.Errorf("Community answer: got Type %v HugeGroupFlag %v, want Community 0", r.Fields["Type"], r.Fields["HugeGroupFlag"])
					}
				}
				for k := range r.Fields {
					if !wantFields[k] {
						t.Errorf("answer has field %s: %s", k, r.Raw)
					}
				}
			}
		})
	}
}

// TestCreateGroupNewTypeNames checks that Work and Meeting groups follow the rules of
// Private and ChatRoom groups.
func TestCreateGroupNewTypeNames(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "bob")
	work := s.MustCreateGroup(t, "Work", "owner", "bob")
	mustCode(t, s, cmdModify, modify(work, "bob", map[string]any{"Role": "Admin"}), codeNotAllowed)
	mustCode(t, s, cmdForbid, map[string]any{"GroupId": work, "Members_Account": []string{"bob"}, "MuteTime": 60}, codeNotAllowed)
	createGroup(t, s, "Work", map[string]any{"MemberList": []map[string]any{{"Member_Account": "bob", "Role": "Admin"}}}, codeNotAllowed)

	meeting := s.MustCreateGroup(t, "Meeting", "owner", "bob")
	mustCode(t, s, cmdModify, modify(meeting, "bob", map[string]any{"Role": "Admin", "MuteTime": 60}), codeOK)
}

// TestCreateGroupIDs checks custom group IDs (docs/compatibility.md §4 and §6).
func TestCreateGroupIDs(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "other")
	id48 := strings.Repeat("x", 48)
	for _, tc := range []struct {
		name, typ, id string
		want          int
	}{
		{"plain", "Public", "MyFirstGroup", codeOK},
		{"48 bytes", "Public", id48, codeOK},
		{"printable punctuation", "Private", "a b~!#$%^&*()_+{}|:<>?", codeOK},
		{"Community with @TGS#_", "Community", "@TGS#_mine", codeOK},
		{"49 bytes", "Public", strings.Repeat("y", 49), codeBadGroupID},
		{"starts with @TGS#", "Public", "@TGS#2ABCDEFGH", codeBadGroupID},
		{"starts with @TGS#_ but not a Community", "ChatRoom", "@TGS#_chat", codeBadGroupID},
		{"Community without @TGS#_", "Community", "mine", codeBadGroupID},
		{"Community with only @TGS#", "Community", "@TGS#cmine", codeBadGroupID},
		{"not printable", "Public", "tab\there", codeBadGroupID},
		{"not ASCII", "Public", "群组", codeBadGroupID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := createGroup(t, s, tc.typ, map[string]any{"GroupId": tc.id, "Owner_Account": "owner"}, tc.want)
			if tc.want != codeOK {
				return
			}
			if got := r.Fields["GroupId"]; got != tc.id {
				t.Errorf("GroupId: got %v, want %q", got, tc.id)
			}
			if got := accounts(mustMembers(t, s, tc.id)); len(got) != 1 || got[0] != "owner" {
				t.Errorf("members of %q: got %v, want [owner]", tc.id, got)
			}
		})
	}

	t.Run("in use", func(t *testing.T) {
		createGroup(t, s, "Public", map[string]any{"GroupId": "taken", "Owner_Account": "owner"}, codeOK)
		createGroup(t, s, "Public", map[string]any{"GroupId": "taken", "Owner_Account": "other"}, codeIDInUse)
		createGroup(t, s, "ChatRoom", map[string]any{"GroupId": "taken"}, codeIDInUse)
		createGroup(t, s, "Public", map[string]any{"GroupId": "taken", "Owner_Account": "owner"}, codeIDOwned)
		// The owner asking again with another type still owns the ID.
		createGroup(t, s, "Private", map[string]any{"GroupId": "taken", "Owner_Account": "owner"}, codeIDOwned)
		createGroup(t, s, "Public", map[string]any{"GroupId": "unowned"}, codeOK)
		createGroup(t, s, "Public", map[string]any{"GroupId": "unowned"}, codeIDInUse)
		createGroup(t, s, "Public", map[string]any{"GroupId": "unowned", "Owner_Account": "owner"}, codeIDInUse)
		if got := accounts(mustMembers(t, s, "taken")); len(got) != 1 || got[0] != "owner" {
			t.Errorf("members of the first group: got %v, want [owner]", got)
		}
	})
	t.Run("reusable after destroy_group", func(t *testing.T) {
		createGroup(t, s, "Public", map[string]any{"GroupId": "phoenix", "Owner_Account": "owner"}, codeOK)
		mustCode(t, s, cmdDestroy, map[string]any{"GroupId": "phoenix"}, codeOK)
		createGroup(t, s, "ChatRoom", map[string]any{"GroupId": "phoenix", "Owner_Account": "other"}, codeOK)
		ms := mustMembers(t, s, "phoenix")
		if got := accounts(ms); len(got) != 1 || got[0] != "other" {
			t.Errorf("members of the new phoenix: got %v, want [other]", got)
		}
	})
}

// TestCreateGroupMembers checks Owner_Account and MemberList.
func TestCreateGroupMembers(t *testing.T) {
	s := newServer(t, timtest.Options{MemberFields: []string{"Level", "Title"}})
	s.MustImportAccounts(t, "owner", "bob", "peter")

	t.Run("no owner", func(t *testing.T) {
		r := createGroup(t, s, "Public", map[string]any{"MemberList": memberObjects("bob")}, codeOK)
		g, _ := r.Fields["GroupId"].(string)
		ms := mustMembers(t, s, g)
		if len(ms) != 1 || ms[0]["Member_Account"] != "bob" || ms[0]["Role"] != "Member" {
			t.Errorf("members: got %v, want bob as the only Member", ms)
		}
		r = createGroup(t, s, "Public", nil, codeOK)
		g, _ = r.Fields["GroupId"].(string)
		if ms := mustMembers(t, s, g); len(ms) != 0 {
			t.Errorf("members of a group with no owner nor members: got %v, want none", ms)
		}
	})
	t.Run("roles and custom data", func(t *testing.T) {
		r := createGroup(t, s, "Public", map[string]any{"Owner_Account": "owner", "MemberList": []map[string]any{
			{"Member_Account": "bob", "Role": "Admin", "AppMemberDefinedData": kvs("Level", "3", "Title", "mod")},
			{"Member_Account": "peter", "Role": "Member"},
		}}, codeOK)
		g, _ := r.Fields["GroupId"].(string)
		ms := mustMembers(t, s, g)
		if got := accounts(ms); strings.Join(got, ",") != "owner,bob,peter" {
			t.Fatalf("members: got %v, want owner, bob, peter", got)
		}
		for i, want := range []string{"Owner", "Admin", "Member"} {
			if ms[i]["Role"] != want {
				t.Errorf("%s Role: got %v, want %s", ms[i]["Member_Account"], ms[i]["Role"], want)
			}
			if ms[i]["MsgFlag"] != "AcceptAndNotify" || num(t, ms[i], "MuteUntil") != 0 || ms[i]["NameCard"] != "" {
				t.Errorf("%s: got %v, want AcceptAndNotify, unmuted, no name card", ms[i]["Member_Account"], ms[i])
			}
		}
		if got := customData(t, ms[1]); got["Level"] != "3" || got["Title"] != "mod" || len(got) != 2 {
			t.Errorf("bob's custom data: got %v, want Level 3, Title mod", got)
		}
	})
	for _, tc := range []struct {
		name   string
		typ    string
		fields map[string]any
		want   int
	}{
		{"MemberList in an AVChatRoom", "AVChatRoom", map[string]any{"Owner_Account": "owner", "MemberList": memberObjects("bob")}, codeNotAllowed},
		{"Admin in a Private group", "Private", map[string]any{"MemberList": []map[string]any{{"Member_Account": "bob", "Role": "Admin"}}}, codeNotAllowed},
		{"Role Owner in MemberList", "Public", map[string]any{"MemberList": []map[string]any{{"Member_Account": "bob", "Role": "Owner"}}}, codeInvalid},
		{"undeclared member key", "Public", map[string]any{"MemberList": []map[string]any{{"Member_Account": "bob", "AppMemberDefinedData": kvs("Rank", "1")}}}, codeInvalid},
		{"member value 65 bytes", "Public", map[string]any{"MemberList": []map[string]any{{"Member_Account": "bob", "AppMemberDefinedData": kvs("Level", value65)}}}, codeInvalid},
		{"member not imported", "Public", map[string]any{"GroupId": "lost1", "Owner_Account": "owner", "MemberList": memberObjects("bob", "ghost")}, codeNoAccount},
		{"owner not imported", "Public", map[string]any{"GroupId": "lost2", "Owner_Account": "ghost"}, codeNoAccount},
		{"MemberList of 501", "ChatRoom", map[string]any{"GroupId": "lost3", "MemberList": memberObjects(names("m", 501)...)}, codeOverLimit},
		{"more members than MaxMemberCount", "Public", map[string]any{"GroupId": "lost4", "Owner_Account": "owner", "MaxMemberCount": 2, "MemberList": memberObjects("bob", "peter")}, codeFull},
	} {
		t.Run(tc.name, func(t *testing.T) {
			createGroup(t, s, tc.typ, tc.fields, tc.want)
			// No group was created: the ID is free.
			if id, ok := tc.fields["GroupId"].(string); ok {
				mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": id}, codeNoGroup)
				createGroup(t, s, "Public", map[string]any{"GroupId": id}, codeOK)
			}
		})
	}
}

// TestCreateGroupFields checks the other create_group parameters.
func TestCreateGroupFields(t *testing.T) {
	s := newServer(t, timtest.Options{})
	for _, tc := range []struct {
		name   string
		typ    string
		fields map[string]any
		want   int
	}{
		{"unknown Type", "Secret", nil, codeInvalid},
		{"Type in lower case", "public", nil, codeInvalid},
		{"Type missing", "", nil, codeInvalid},
		{"Name 100 bytes", "Public", map[string]any{"Name": strings.Repeat("n", 100)}, codeOK},
		{"Name 101 bytes", "Public", map[string]any{"Name": strings.Repeat("n", 101)}, codeInvalid},
		{"Name 34 Chinese characters", "Public", map[string]any{"Name": strings.Repeat("群", 34)}, codeInvalid},
		{"Name missing", "Public", map[string]any{"Name": ""}, codeInvalid},
		{"Introduction 401 bytes", "Public", map[string]any{"Introduction": strings.Repeat("i", 401)}, codeInvalid},
		{"Notification 401 bytes", "Public", map[string]any{"Notification": strings.Repeat("i", 401)}, codeInvalid},
		{"FaceUrl 501 bytes", "Public", map[string]any{"FaceUrl": strings.Repeat("f", 501)}, codeInvalid},
		{"Name of wrong JSON type", "Public", map[string]any{"Name": 5}, codeBadJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			createGroup(t, s, tc.typ, tc.fields, tc.want)
		})
	}
}

// TestCreateGroupInvalidUTF8 sends raw invalid UTF-8 bytes in each text field, which
// encoding/json would otherwise turn into U+FFFD and accept.
func TestCreateGroupInvalidUTF8(t *testing.T) {
	s := newServer(t, timtest.Options{})
	for _, field := range []string{"Name", "Introduction", "Notification", "FaceUrl"} {
		t.Run(field, func(t *testing.T) {
			body := fmt.Sprintf("{\"Type\":\"Public\",\"Name\":\"n\",%q:\"b\xffo\"}", field)
			r := mustCode(t, s, "group_open_http_svc/create_group", body, codeInvalid)
			if !strings.Contains(r.ErrorInfo, field) {
				t.Errorf("ErrorInfo %q does not name %s", r.ErrorInfo, field)
			}
		})
	}
}

// TestCreateGroupAdminLimit checks that the initial MemberList obeys the admin limit.
func TestCreateGroupAdminLimit(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Limits.AdminsPerGroup = 1 }})
	s.MustImportAccounts(t, "a1", "a2")
	admins := []map[string]any{{"Member_Account": "a1", "Role": "Admin"}, {"Member_Account": "a2", "Role": "Admin"}}
	createGroup(t, s, "Public", map[string]any{"GroupId": "two-admins", "MemberList": admins}, codeInvalid)
	mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": "two-admins"}, codeNoGroup)
	createGroup(t, s, "Public", map[string]any{"MemberList": admins[:1]}, codeOK)
}

// TestMaxMemberCount checks that a group takes members up to its MaxMemberCount and
// no more, whatever its type, and the default of a Private group.
func TestMaxMemberCount(t *testing.T) {
	s := newServer(t, timtest.Options{})
	all := names("u", 200)
	s.MustImportAccounts(t, all...)
	for _, typ := range []string{"Private", "Public", "ChatRoom", "Community"} {
		t.Run(typ, func(t *testing.T) {
			r := createGroup(t, s, typ, map[string]any{"Owner_Account": "u0", "MaxMemberCount": 3}, codeOK)
			g, _ := r.Fields["GroupId"].(string)
			mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("u1", "u2", "u3")}, codeFull)
			mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("u1", "u2")}, codeOK)
			mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("u3")}, codeFull)
			if got := accounts(mustMembers(t, s, g)); strings.Join(got, ",") != "u0,u1,u2" {
				t.Errorf("members: got %v, want u0, u1, u2", got)
			}
		})
	}
	t.Run("Private default 200", func(t *testing.T) {
		g := s.MustCreateGroup(t, "Private", "u0")
		s.MustAddMembers(t, g, all[1:]...)
		s.MustImportAccounts(t, "extra")
		mustCode(t, s, cmdAdd, map[string]any{"GroupId": g, "MemberList": memberObjects("extra")}, codeFull)
	})
}
