package httpapi_test

import "github.com/timdhq/timd/internal/im"

// broadcastSpecs are the bad-input specs of send_broadcast_msg and both
// get_online_member_num (docs/compatibility.md §10). The fixture's only AVChatRoom is
// "av", where m2 is banned.
func broadcastSpecs() []*commandSpec {
	const grp = "group_open_http_svc/"
	w := invalid
	return []*commandSpec{
		{
			cmd: grp + "send_broadcast_msg", write: true,
			base: `{"From_Account":"m1","Random":7,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}],"CloudCustomData":"cc"}`,
			fields: []field{
				accountOf("From_Account", im.CodeInvalidParam),
				{path: "Random", kind: kNumber, neg: invalid, big: invalid, max: invalid, huge: invalid},
				{path: "MsgBody", kind: kArray, empty: invalid, wrong: &w},
				stringOf("CloudCustomData", okApplied, okApplied),
			},
			extra: []badCase{
				{name: "MsgBody/unknown MsgType", ops: []op{set("MsgBody", `[{"MsgType":"TIMNope","MsgContent":{}}]`)}, want: invalid},
				{name: "From_Account/banned in the only room", ops: []op{set("From_Account", `"m2"`)}, want: okApplied},
			},
		},
		{cmd: grp + "get_online_member_num", base: `{"GroupId":"av"}`, fields: []field{groupID("GroupId")}},
		{cmd: "million_group_open_http_svc/get_online_member_num", base: `{"GroupId":"@TGS#_comm"}`, fields: []field{groupID("GroupId")}},
	}
}
