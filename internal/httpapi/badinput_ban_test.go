package httpapi_test

import "github.com/timdhq/timd/internal/im"

// banSpecs are the bad-input specs of the AVChatRoom ban commands (docs/compatibility.md
// §10). The fixture's "av" bans m2.
func banSpecs() []*commandSpec {
	const grp = "group_open_http_svc/"
	return []*commandSpec{
		{
			cmd: grp + "ban_group_member", write: true,
			base: `{"GroupId":"av","Members_Account":["m1","free"],"Duration":60,"Description":"spam"}`,
			fields: []field{
				groupID("GroupId"),
				batch("Members_Account", invalid, 20, codeBatch, userN),
				accountOf("Members_Account[]", im.CodeInvalidParam),
				muteTime("Duration"), // 1..4294967295: any other number is 10004
				text("Description"),
			},
			extra: []badCase{{name: "Duration/0", ops: []op{set("Duration", "0")}, want: invalid}},
		},
		{
			cmd: grp + "unban_group_member", write: true,
			base: `{"GroupId":"av","Members_Account":["m2","m1"]}`,
			fields: []field{
				groupID("GroupId"),
				batch("Members_Account", invalid, 20, codeBatch, userN),
				accountOf("Members_Account[]", im.CodeInvalidParam),
			},
		},
		{
			cmd:  grp + "get_group_ban_member",
			base: `{"GroupId":"av","Limit":10,"Offset":0}`,
			fields: []field{
				groupID("GroupId"),
				integer("Limit", invalid, invalid, invalid), // 0..100
				integer("Offset", invalid, okNoChange, okNoChange),
			},
		},
	}
}
