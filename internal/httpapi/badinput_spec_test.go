package httpapi_test

import (
	"fmt"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// The table of TestBadInput: for every command, a valid base body that succeeds on the
// fixture of seedFixture and holds every field of the request, and what each field answers
// to bad values. Codes come from docs/compatibility.md: 10015 for a GroupId that could never be
// valid (§6), 10004 for an invalid group-command parameter and 10005 for a group batch
// over its limit (§4), 70402 for any invalid account-command parameter or batch (§4a),
// 10019 for a modify target that was never imported (§5 row 5), 10004 for a MuteTime out
// of range (§5 row 15), 60003 for a field of the wrong JSON type and 60008 for a body over
// the limit (§1).

const (
	codeBatch   = im.CodeBatchTooLarge // 10005
	codeAccount = im.CodeAccountParam  // 70402
)

// badInputSpecs returns the table.
func badInputSpecs() []*commandSpec {
	now := time.Now().Unix()
	const (
		login = "im_open_login_svc/"
		grp   = "group_open_http_svc/"
	)
	groupIDOnly := []field{groupID("GroupId")}
	specs := []*commandSpec{
		{
			// Identifier is the old name of UserID, which wins (docs/compatibility.md §3).
			cmd: login + "account_import", write: true,
			base: `{"UserID":"newacct","Identifier":"newacct","Nick":"nick","FaceUrl":"http://face"}`,
			fields: []field{
				accountOf("UserID", codeAccount),
				stringOf("Identifier", asBase, asBase),
				stringOf("Nick", fail(codeAccount), okApplied),
				stringOf("FaceUrl", fail(codeAccount), okApplied),
			},
			extra: []badCase{
				{name: "Identifier alone/invalid UTF-8", ops: []op{del("UserID"), set("Identifier", invalidUTF8)}, want: fail(codeAccount)},
				{name: "Identifier alone/empty", ops: []op{del("UserID"), set("Identifier", `""`)}, want: fail(codeAccount)},
				{name: "Identifier alone/NUL", ops: []op{del("UserID"), set("Identifier", escapedNUL)}, want: fail(codeAccount)},
				{name: "Identifier alone/wrong case", ops: []op{del("UserID"), miscase("Identifier")}, want: fail(codeAccount)},
			},
		},
		{
			// A malformed entry comes back in FailAccounts and the others are imported
			// (docs/compatibility.md §4a): the store is as if the entry's list were left out.
			cmd: login + "multiaccount_import", write: true,
			base: `{"Accounts":["newa"],"AccountList":[{"UserID":"newb","Nick":"nick","FaceUrl":"http://face"}]}`,
			fields: []field{
				batch("Accounts", asAbsent, 100, codeAccount, userN),
				stringOf("Accounts[]", storeAsWithout("Accounts"), storeAsWithout("Accounts")),
				batch("AccountList", asAbsent, 100, codeAccount, accountItemN),
				stringOf("AccountList[].UserID", storeAsWithout("AccountList"), storeAsWithout("AccountList")),
				stringOf("AccountList[].Nick", storeAsWithout("AccountList"), okApplied),
				stringOf("AccountList[].FaceUrl", storeAsWithout("AccountList"), okApplied),
			},
		},
		{
			cmd:  login + "account_check",
			base: `{"CheckItem":[{"UserID":"m1"},{"UserID":"nobody"}]}`,
			fields: []field{
				batch("CheckItem", fail(codeAccount), 100, codeAccount, userItemN),
				accountOf("CheckItem[].UserID", codeAccount),
			},
		},
		{
			cmd: login + "account_delete", write: true,
			base: `{"DeleteItem":[{"UserID":"free"}]}`,
			fields: []field{
				batch("DeleteItem", fail(codeAccount), 100, codeAccount, userItemN),
				accountOf("DeleteItem[].UserID", codeAccount),
			},
		},
		{
			cmd: grp + "create_group", write: true,
			base:   `{` + createFields("newgroup") + `}`,
			fields: createGroupFields(),
			extra: []badCase{
				{name: "MaxMemberNum alone/-1", ops: []op{del("MaxMemberCount"), set("MaxMemberNum", "-1")}, want: invalid},
				{name: "SupportTopic/1 for a Public group", ops: []op{set("SupportTopic", "1")}, want: invalid},
			},
		},
		{cmd: grp + "destroy_group", write: true, base: `{"GroupId":"victim"}`, fields: groupIDOnly},
		{
			cmd: grp + "add_group_member", write: true,
			base: `{"GroupId":"pub","Silence":1,"MemberList":[{"Member_Account":"free"}]}`,
			fields: []field{
				groupID("GroupId"),
				integer("Silence", storeAsWithout("Silence"), storeAsWithout("Silence"), storeAsWithout("Silence")),
				batch("MemberList", invalid, 300, codeBatch, memberN),
				accountOf("MemberList[].Member_Account", im.CodeInvalidParam),
			},
		},
		{
			cmd: grp + "delete_group_member", write: true,
			base: `{"GroupId":"pub","Silence":1,"Reason":"bye","MemberToDel_Account":["m2"]}`,
			fields: []field{
				groupID("GroupId"),
				integer("Silence", storeAsWithout("Silence"), storeAsWithout("Silence"), storeAsWithout("Silence")),
				stringOf("Reason", asBase, asBase),
				batch("MemberToDel_Account", invalid, 100, codeBatch, userN),
				accountOf("MemberToDel_Account[]", im.CodeInvalidParam),
			},
		},
		{
			cmd: grp + "get_group_member_info",
			base: `{"GroupId":"pub","MemberInfoFilter":["Role","NameCard"],"MemberRoleFilter":["Member","Admin"],` +
				`"AppDefinedDataFilter_GroupMember":["F1"],"Limit":10,"Offset":0,"Next":""}`,
			fields: []field{
				groupID("GroupId"),
				listOf("MemberInfoFilter", okNoChange),
				filterName("MemberInfoFilter[]"),
				listOf("MemberRoleFilter", asAbsent),
				enum("MemberRoleFilter[]"),
				listOf("AppDefinedDataFilter_GroupMember", okNoChange),
				filterName("AppDefinedDataFilter_GroupMember[]"),
				integer("Limit", invalid, invalid, invalid),
				integer("Offset", invalid, okNoChange, okNoChange),
				stringOf("Next", invalid, invalid), // not a cursor this server answered
			},
		},
		{
			cmd: grp + "modify_group_member_info", write: true,
			base: `{"GroupId":"pub","Member_Account":"m1","Role":"Admin","MsgFlag":"AcceptNotNotify","NameCard":"card",` +
				`"AppMemberDefinedData":[{"Key":"F1","Value":"v"}],"MuteTime":60,"ShutUpTime":60}`,
			fields: []field{
				groupID("GroupId"),
				accountOf("Member_Account", im.CodeAccountNotFound),
				enum("Role"),
				enum("MsgFlag"),
				text("NameCard"),
				listOf("AppMemberDefinedData", asAbsent),
				enum("AppMemberDefinedData[].Key"),
				customValue("AppMemberDefinedData[].Value"),
				muteTime("MuteTime"),
				shadowedNumber("ShutUpTime"),
			},
			extra: shutUpTimeAlone(),
		},
		{
			cmd: grp + "forbid_send_msg", write: true,
			base: `{"GroupId":"pub","Members_Account":["m2"],"MuteTime":60,"ShutUpTime":60}`,
			fields: []field{
				groupID("GroupId"),
				batch("Members_Account", invalid, 500, codeBatch, userN),
				accountOf("Members_Account[]", im.CodeInvalidParam),
				muteTime("MuteTime"),
				shadowedNumber("ShutUpTime"),
			},
			extra: shutUpTimeAlone(),
		},
		{cmd: grp + "get_group_muted_account", base: `{"GroupId":"pub"}`, fields: groupIDOnly},
		{cmd: grp + "get_group_shutted_uin", base: `{"GroupId":"pub"}`, fields: groupIDOnly},
		{
			cmd: grp + "get_group_info",
			base: `{"GroupIdList":["pub","priv"],"ResponseFilter":{"GroupBaseInfoFilter":["Name","Type"],` +
				`"MemberInfoFilter":["Role"],"AppDefinedDataFilter_Group":["G1"],"AppDefinedDataFilter_GroupMember":["F1"]}}`,
			fields: []field{
				batch("GroupIdList", invalid, 50, codeBatch, groupN),
				stringOf("GroupIdList[]", okNoChange, okNoChange), // that group's entry answers 10015
				object("ResponseFilter"),
				listOf("ResponseFilter.GroupBaseInfoFilter", okNoChange),
				filterName("ResponseFilter.GroupBaseInfoFilter[]"),
				listOf("ResponseFilter.MemberInfoFilter", okNoChange),
				filterName("ResponseFilter.MemberInfoFilter[]"),
				listOf("ResponseFilter.AppDefinedDataFilter_Group", okNoChange),
				filterName("ResponseFilter.AppDefinedDataFilter_Group[]"),
				listOf("ResponseFilter.AppDefinedDataFilter_GroupMember", okNoChange),
				filterName("ResponseFilter.AppDefinedDataFilter_GroupMember[]"),
			},
		},
		{
			cmd: grp + "modify_group_base_info", write: true,
			base: `{"GroupId":"pub","Name":"renamed","Introduction":"intro","Notification":"notice","FaceUrl":"http://face",` +
				`"MaxMemberNum":500,"ApplyJoinOption":"NeedPermission","InviteJoinOption":"NeedPermission",` +
				`"MuteAllMember":"On","ShutUpAllMember":"On","AppDefinedData":[{"Key":"G1","Value":"g2"}]}`,
			fields: []field{
				groupID("GroupId"),
				text("Name"),
				text("Introduction"),
				text("Notification"),
				text("FaceUrl"),
				integer("MaxMemberNum", invalid, okApplied, okApplied),
				enum("ApplyJoinOption"),
				enum("InviteJoinOption"),
				enum("MuteAllMember"),
				stringOf("ShutUpAllMember", asBase, asBase), // MuteAllMember wins (docs/compatibility.md §3)
				listOf("AppDefinedData", asAbsent),
				enum("AppDefinedData[].Key"),
				customValue("AppDefinedData[].Value"),
			},
			extra: []badCase{
				{name: "ShutUpAllMember alone/invalid UTF-8", ops: []op{del("MuteAllMember"), set("ShutUpAllMember", invalidUTF8)}, want: invalid},
				{name: "ShutUpAllMember alone/NUL", ops: []op{del("MuteAllMember"), set("ShutUpAllMember", escapedNUL)}, want: invalid},
			},
		},
		{
			cmd: grp + "change_group_owner", write: true,
			base: `{"GroupId":"pub","NewOwner_Account":"m1"}`,
			fields: []field{
				groupID("GroupId"),
				accountOf("NewOwner_Account", im.CodeInvalidParam),
			},
		},
		{
			cmd:  grp + "get_role_in_group",
			base: `{"GroupId":"pub","User_Account":["m1","nobody"]}`,
			fields: []field{
				groupID("GroupId"),
				batch("User_Account", invalid, 500, codeBatch, userN),
				accountOf("User_Account[]", im.CodeInvalidParam),
			},
		},
		{
			cmd: grp + "get_joined_group_list",
			base: `{"Member_Account":"m1","WithHugeGroups":1,"WithNoActiveGroups":1,"Limit":10,"Offset":0,"GroupType":"Public",` +
				`"ResponseFilter":{"GroupBaseInfoFilter":["Name"],"SelfInfoFilter":["Role","UnreadMsgNum"]}}`,
			fields: []field{
				accountOf("Member_Account", im.CodeInvalidParam),
				integer("WithHugeGroups", okNoChange, okNoChange, okNoChange), // only 1 asks for AVChatRoom groups
				integer("WithNoActiveGroups", asBase, asBase, asBase),
				integer("Limit", invalid, okNoChange, okNoChange),
				integer("Offset", invalid, okNoChange, okNoChange),
				enum("GroupType"),
				object("ResponseFilter"),
				listOf("ResponseFilter.GroupBaseInfoFilter", okNoChange),
				filterName("ResponseFilter.GroupBaseInfoFilter[]"),
				listOf("ResponseFilter.SelfInfoFilter", okNoChange),
				filterName("ResponseFilter.SelfInfoFilter[]"),
			},
		},
		{
			cmd:  grp + "get_appid_group_list",
			base: `{"Limit":10,"Next":0,"GroupType":"Public"}`,
			fields: []field{
				integer("Limit", invalid, invalid, invalid), // 0..10000
				integer("Next", invalid, okNoChange, okNoChange),
				enum("GroupType"),
			},
		},
		{
			cmd: grp + "import_group", write: true,
			base:   fmt.Sprintf(`{%s,"CreateTime":%d}`, createFields("impgroup"), now-86400),
			fields: append(createGroupFields(), integer("CreateTime", invalid, invalid, invalid)), // a unix time in the past
			extra: []badCase{
				{name: "MaxMemberNum alone/-1", ops: []op{del("MaxMemberCount"), set("MaxMemberNum", "-1")}, want: invalid},
			},
		},
		{
			// A member whose JoinTime is not after the group's CreateTime and not in the
			// future is not imported (Result 0) and the call succeeds.
			cmd: grp + "import_group_member", write: true,
			base: fmt.Sprintf(`{"GroupId":"pub","MemberList":[{"Member_Account":"free","Role":"Admin","JoinTime":%d,"UnreadMsgNum":3}]}`, now-3600),
			fields: []field{
				groupID("GroupId"),
				batch("MemberList", invalid, 300, codeBatch, memberN),
				accountOf("MemberList[].Member_Account", im.CodeInvalidParam),
				enum("MemberList[].Role"),
				integer("MemberList[].JoinTime", okNoChange, okNoChange, okNoChange),
				integer("MemberList[].UnreadMsgNum", invalid, okApplied, okApplied),
			},
		},
		{
			cmd: grp + "set_unread_msg_num", write: true,
			base: `{"GroupId":"pub","Member_Account":"m1","UnreadMsgNum":5}`,
			fields: []field{
				groupID("GroupId"),
				accountOf("Member_Account", im.CodeInvalidParam),
				integer("UnreadMsgNum", invalid, okApplied, okApplied),
			},
		},
		{
			cmd: grp + "get_specified_group_member_info",
			base: `{"GroupId":"pub","Member_List_Account":["m1","owner"],"MemberInfoFilter":["Role"],` +
				`"AppDefinedDataFilter_GroupMember":["F1"]}`,
			fields: []field{
				groupID("GroupId"),
				batch("Member_List_Account", invalid, 50, codeBatch, userN),
				accountOf("Member_List_Account[]", im.CodeInvalidParam),
				listOf("MemberInfoFilter", okNoChange),
				filterName("MemberInfoFilter[]"),
				listOf("AppDefinedDataFilter_GroupMember", okNoChange),
				filterName("AppDefinedDataFilter_GroupMember[]"),
			},
		},
	}
	specs = append(specs, attrSpecs()...)
	specs = append(specs, counterSpecs()...)
	specs = append(specs, banSpecs()...)
	specs = append(specs, broadcastSpecs()...)
	specs = append(specs, accountSpecs()...)
	specs = append(specs, topicSpecs(now)...)
	specs = append(specs, receiptSpecs()...)
	return append(specs, messageSpecs(now)...)
}

// createFields are the fields of a create_group (and import_group) base body, without
// braces, for a group with ID id.
func createFields(id string) string {
	return `"Owner_Account":"owner","Type":"Public","GroupId":"` + id + `","Name":"new","Introduction":"intro",` +
		`"Notification":"notice","FaceUrl":"http://face","MaxMemberCount":100,"MaxMemberNum":100,` +
		`"ApplyJoinOption":"FreeAccess","InviteJoinOption":"FreeAccess","AppDefinedData":[{"Key":"G1","Value":"g"}],` +
		`"MemberList":[{"Member_Account":"m1","Role":"Admin","AppMemberDefinedData":[{"Key":"F1","Value":"f"}]}],"SupportTopic":0`
}

// createGroupFields are the fields of create_group, which import_group shares.
func createGroupFields() []field {
	return []field{
		accountOf("Owner_Account", im.CodeInvalidParam),
		enum("Type"),
		groupID("GroupId"), // a custom ID breaking the rules of §4 (docs/compatibility.md §6)
		text("Name"),
		text("Introduction"),
		text("Notification"),
		text("FaceUrl"),
		integer("MaxMemberCount", invalid, okApplied, okApplied),
		integer("MaxMemberNum", asBase, asBase, asBase), // only read when MaxMemberCount is 0
		enum("ApplyJoinOption"),
		enum("InviteJoinOption"),
		listOf("AppDefinedData", asAbsent),
		enum("AppDefinedData[].Key"), // a key the app does not define
		customValue("AppDefinedData[].Value"),
		batch("MemberList", asAbsent, 500, codeBatch, memberN),
		accountOf("MemberList[].Member_Account", im.CodeInvalidParam),
		enum("MemberList[].Role"),
		listOf("MemberList[].AppMemberDefinedData", asAbsent),
		enum("MemberList[].AppMemberDefinedData[].Key"),
		customValue("MemberList[].AppMemberDefinedData[].Value"),
		unixTime("SupportTopic"), // 0 or 1, and 1 only for a Community: any other number is 10004
	}
}

// shutUpTimeAlone are the cases of the old name ShutUpTime given without MuteTime: its
// number is then the mute time, and out of range is 10004 (docs/compatibility.md §3, §5 row 15).
func shutUpTimeAlone() []badCase {
	var cs []badCase
	for _, v := range []string{"-1", "4294967296", "1e30"} {
		cs = append(cs, badCase{name: "ShutUpTime alone/" + v, ops: []op{del("MuteTime"), set("ShutUpTime", v)}, want: invalid})
	}
	return cs
}
