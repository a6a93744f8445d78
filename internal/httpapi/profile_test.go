package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

const (
	cmdPortraitSet   = "profile/portrait_set"
	cmdPortraitGet   = "profile/portrait_get"
	cmdAccountImport = "im_open_login_svc/account_import"
	cmdAccountDelete = "im_open_login_svc/account_delete"
)

// withProfileFields is an Options.Configure that declares the custom profile field Test.
func withProfileFields(c *config.Config) { c.Apps[0].ProfileFields = []string{"Test"} }

// everyTag lists the standard profile tags and the app's custom one.
var everyTag = []string{
	"Tag_Profile_IM_Nick", "Tag_Profile_IM_Gender", "Tag_Profile_IM_BirthDay", "Tag_Profile_IM_Location",
	"Tag_Profile_IM_SelfSignature", "Tag_Profile_IM_AllowType", "Tag_Profile_IM_Language", "Tag_Profile_IM_Image",
	"Tag_Profile_IM_AdminForbidType", "Tag_Profile_IM_Level", "Tag_Profile_IM_Role", "Tag_Profile_Custom_Test",
}

// profileItems builds a ProfileItem list from tag, value pairs.
func profileItems(kvs ...any) []map[string]any {
	var out []map[string]any
	for i := 0; i+1 < len(kvs); i += 2 {
		out = append(out, map[string]any{"Tag": kvs[i], "Value": kvs[i+1]})
	}
	return out
}

// wantProfile checks the whole portrait_get answer of one account for every tag.
func wantProfile(t *testing.T, s *timtest.Server, account, values string) {
	t.Helper()
	r := s.MustOK(t, cmdPortraitGet, map[string]any{"To_Account": []string{account}, "TagList": everyTag})
	want := okPrefix + `,"UserProfileItem":[{"To_Account":"` + account + `","ProfileItem":[` + values + `],"ResultCode":0,"ResultInfo":""}],"ErrorDisplay":""}`
	if got := strings.TrimSpace(string(r.Raw)); got != want {
		t.Errorf("portrait_get of %s:\n got %s\nwant %s", account, got, want)
	}
}

// profileValues renders the ProfileItem list of everyTag with values, in order.
func profileValues(values ...any) string {
	var parts []string
	for i, tag := range everyTag {
		var v strings.Builder
		enc := json.NewEncoder(&v)
		enc.SetEscapeHTML(false) // timd answers "<" as is
		_ = enc.Encode(values[i])
		parts = append(parts, fmt.Sprintf(`{"Tag":%q,"Value":%s}`, tag, strings.TrimSpace(v.String())))
	}
	return strings.Join(parts, ",")
}

// TestPortrait checks portrait_set and portrait_get on the wire: every standard field and
// a declared custom one, their unset values, and the Nick and FaceUrl that
// account_import sets too (docs/compatibility.md §11).
func TestPortrait(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: withProfileFields})
	s.MustOK(t, cmdAccountImport, map[string]any{"UserID": "alice", "Nick": "Alice", "FaceUrl": "http://face/a"})
	wantProfile(t, s, "alice", profileValues("Alice", "Gender_Type_Unknown", 0, "", "", "AllowType_Type_NeedConfirm", 0,
		"http://face/a", "AdminForbid_Type_None", 0, 0, ""))

	r := s.MustOK(t, cmdPortraitSet, map[string]any{"From_Account": "alice", "ProfileItem": profileItems(
		"Tag_Profile_IM_Nick", "Ally", "Tag_Profile_IM_Gender", "Gender_Type_Female", "Tag_Profile_IM_BirthDay", 20190419,
		"Tag_Profile_IM_Location", "1234567890123456", "Tag_Profile_IM_SelfSignature", "hi <b>", "Tag_Profile_IM_AllowType", "AllowType_Type_DenyAny",
		"Tag_Profile_IM_Language", 2, "Tag_Profile_IM_Image", "http://face/b", "Tag_Profile_IM_AdminForbidType", "AdminForbid_Type_SendOut",
		"Tag_Profile_IM_Level", 4294967295, "Tag_Profile_IM_Role", 7, "Tag_Profile_Custom_Test", "custom")})
	if want := okPrefix + `,"ErrorDisplay":""}`; strings.TrimSpace(string(r.Raw)) != want {
		t.Errorf("portrait_set: got %s, want %s", r.Raw, want)
	}
	wantProfile(t, s, "alice", profileValues("Ally", "Gender_Type_Female", 20190419, "1234567890123456", "hi <b>", "AllowType_Type_DenyAny", 2,
		"http://face/b", "AdminForbid_Type_SendOut", 4294967295, 7, "custom"))

	t.Run("account_import and account_check see the same Nick", func(t *testing.T) {
		s.MustOK(t, cmdAccountImport, map[string]any{"UserID": "alice", "Nick": "Imported"})
		r := s.MustOK(t, cmdPortraitGet, map[string]any{"To_Account": []string{"alice"}, "TagList": []string{"Tag_Profile_IM_Nick", "Tag_Profile_IM_Image", "Tag_Profile_IM_Level"}})
		want := `"ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"Imported"},{"Tag":"Tag_Profile_IM_Image","Value":"http://face/b"},{"Tag":"Tag_Profile_IM_Level","Value":4294967295}]`
		if !strings.Contains(string(r.Raw), want) {
			t.Errorf("after account_import: got %s, want %s", r.Raw, want)
		}
	})

	t.Run("several accounts, one never imported", func(t *testing.T) {
		s.MustImportAccounts(t, "bob")
		r := s.MustOK(t, cmdPortraitGet, map[string]any{"To_Account": []string{"nobody", "bob"}, "TagList": []string{"Tag_Profile_IM_Level"}})
		want := okPrefix + `,"UserProfileItem":[{"To_Account":"nobody","ResultCode":40003,"ResultInfo":"account \"nobody\" has not been imported"},` +
			`{"To_Account":"bob","ProfileItem":[{"Tag":"Tag_Profile_IM_Level","Value":0}],"ResultCode":0,"ResultInfo":""}],"Fail_Account":["nobody"],"ErrorDisplay":""}`
		if got := strings.TrimSpace(string(r.Raw)); got != want {
			t.Errorf("portrait_get:\n got %s\nwant %s", got, want)
		}
	})

	t.Run("gone with the account", func(t *testing.T) {
		s.MustOK(t, cmdAccountDelete, map[string]any{"DeleteItem": []any{map[string]string{"UserID": "alice"}}})
		r := s.MustOK(t, cmdPortraitGet, map[string]any{"To_Account": []string{"alice"}, "TagList": []string{"Tag_Profile_IM_Level"}})
		if !strings.Contains(string(r.Raw), `"ResultCode":40003`) {
			t.Errorf("a deleted account: %s", r.Raw)
		}
		s.MustImportAccounts(t, "alice")
		wantProfile(t, s, "alice", profileValues("", "Gender_Type_Unknown", 0, "", "", "AllowType_Type_NeedConfirm", 0,
			"", "AdminForbid_Type_None", 0, 0, ""))
	})
}

// TestPortraitCodes checks the codes of portrait_set and portrait_get, in their order;
// a refused portrait_set changes nothing.
func TestPortraitCodes(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: withProfileFields})
	s.MustImportAccounts(t, "alice")
	set := func(items ...any) map[string]any {
		return map[string]any{"From_Account": "alice", "ProfileItem": profileItems(items...)}
	}
	for _, tc := range []struct {
		name string
		body any
		want int
	}{
		{"no From_Account", map[string]any{"ProfileItem": profileItems("Tag_Profile_IM_Level", 1)}, 40001},
		{"From_Account of 33 bytes", map[string]any{"From_Account": strings.Repeat("a", 33), "ProfileItem": profileItems("Tag_Profile_IM_Level", 1)}, 40001},
		{"no ProfileItem", map[string]any{"From_Account": "alice"}, 40001},
		{"From_Account never imported", map[string]any{"From_Account": "nobody", "ProfileItem": profileItems("Tag_Profile_IM_Level", 1)}, 40003},
		{"unknown tag", set("Tag_Profile_IM_Nick", "x", "Tag_Profile_IM_Nope", "x"), 40009},
		{"custom tag not declared", set("Tag_Profile_Custom_Other", "x"), 40009},
		{"tag in another case", set("tag_profile_im_nick", "x"), 40009},
		{"tag twice", set("Tag_Profile_IM_Level", 1, "Tag_Profile_IM_Level", 2), 40001},
		{"a number for a string", set("Tag_Profile_IM_Nick", 5), 40610},
		{"a string for a number", set("Tag_Profile_IM_Level", "5"), 40610},
		{"null", set("Tag_Profile_IM_Level", nil), 40610},
		{"a fraction", set("Tag_Profile_IM_Level", 1.5), 40610},
		{"a negative number", set("Tag_Profile_IM_BirthDay", -1), 40605},
		{"a number over 32 bits", set("Tag_Profile_IM_Role", 4294967296), 40605},
		{"a Gender of no kind", set("Tag_Profile_IM_Gender", "Gender_Type_Other"), 40605},
		{"an AllowType of no kind", set("Tag_Profile_IM_AllowType", "AllowAny"), 40605},
		{"a Location of 17 bytes", set("Tag_Profile_IM_Location", strings.Repeat("l", 17)), 40601},
		{"a Nick of 501 bytes", set("Tag_Profile_IM_Nick", strings.Repeat("n", 501)), 40601},
		{"a custom value of 501 bytes", set("Tag_Profile_Custom_Test", strings.Repeat("c", 501)), 40601},
		{"a NUL", set("Tag_Profile_IM_SelfSignature", "a\x00b"), 40001},
		{"items in order", set("Tag_Profile_IM_Level", "x", "Tag_Profile_IM_Nope", "x"), 40610},
	} {
		t.Run("set/"+tc.name, func(t *testing.T) { mustCode(t, s, cmdPortraitSet, tc.body, tc.want) })
	}
	wantProfileUnset := okPrefix + `,"UserProfileItem":[{"To_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":""},{"Tag":"Tag_Profile_IM_Level","Value":0}],"ResultCode":0,"ResultInfo":""}],"ErrorDisplay":""}`
	r := s.MustOK(t, cmdPortraitGet, map[string]any{"To_Account": []string{"alice"}, "TagList": []string{"Tag_Profile_IM_Nick", "Tag_Profile_IM_Level"}})
	if got := strings.TrimSpace(string(r.Raw)); got != wantProfileUnset {
		t.Errorf("after refused sets:\n got %s\nwant %s", got, wantProfileUnset)
	}
	accounts := make([]string, 101)
	for i := range accounts {
		accounts[i] = "alice"
	}
	for _, tc := range []struct {
		name string
		body any
		want int
	}{
		{"no To_Account", map[string]any{"TagList": []string{"Tag_Profile_IM_Nick"}}, 40002},
		{"101 accounts", map[string]any{"To_Account": accounts, "TagList": []string{"Tag_Profile_IM_Nick"}}, 40001},
		{"no TagList", map[string]any{"To_Account": []string{"alice"}}, 40001},
		{"unknown tag", map[string]any{"To_Account": []string{"alice"}, "TagList": []string{"Tag_Profile_IM_Nope"}}, 40009},
	} {
		t.Run("get/"+tc.name, func(t *testing.T) { mustCode(t, s, cmdPortraitGet, tc.body, tc.want) })
	}
}
