package httpapi_test

import "github.com/timdhq/timd/internal/im"

// accountSpecs are the bad-input specs of kick, the online status queries and the profile
// commands (docs/compatibility.md §11). The fixture's m1 has the profile Level 3, Test "t".
func accountSpecs() []*commandSpec {
	onlineFields := []field{
		batch("To_Account", fail(codeAccount), 500, codeAccount, userN),
		stringOf("To_Account[]", okNoChange, okNoChange), // answered in ErrorList
		integer("IsNeedDetail", asBase, asBase, asBase),
	}
	badType := fail(im.CodeProfileBadType)
	return []*commandSpec{
		{
			cmd:  "im_open_login_svc/kick",
			base: `{"UserID":"m1","Identifier":"m2"}`,
			fields: []field{
				accountOf("UserID", codeAccount),
				stringOf("Identifier", asBase, asBase), // UserID wins
			},
		},
		{cmd: "openim/query_online_status", base: `{"To_Account":["m1","nobody"],"IsNeedDetail":1}`, fields: onlineFields},
		{cmd: "openim/querystate", base: `{"To_Account":["m1","nobody"],"IsNeedDetail":1}`, fields: onlineFields},
		{
			cmd: "profile/portrait_set", write: true,
			base: `{"From_Account":"m1","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"nick"},{"Tag":"Tag_Profile_IM_Level","Value":4}]}`,
			fields: []field{
				accountOf("From_Account", im.CodeProfileParam),
				listOf("ProfileItem", fail(im.CodeProfileParam)),
				stringOf("ProfileItem[].Tag", fail(im.CodeProfileNoTag), fail(im.CodeProfileNoTag)),
				// The first Value is the Nick's: a string; of any other JSON type, 40610.
				{path: "ProfileItem[].Value", kind: kString, bad: fail(im.CodeProfileParam), nul: fail(im.CodeProfileParam), ctrl: okApplied, wrong: &badType},
			},
		},
		{
			cmd:  "profile/portrait_get",
			base: `{"To_Account":["m1","nobody"],"TagList":["Tag_Profile_IM_Nick","Tag_Profile_IM_Level","Tag_Profile_Custom_Test"]}`,
			fields: []field{
				batch("To_Account", fail(im.CodeProfileNoAccounts), 100, im.CodeProfileParam, userN),
				stringOf("To_Account[]", okNoChange, okNoChange), // that account answers 40003
				listOf("TagList", fail(im.CodeProfileParam)),
				stringOf("TagList[]", fail(im.CodeProfileNoTag), fail(im.CodeProfileNoTag)),
			},
		},
	}
}
