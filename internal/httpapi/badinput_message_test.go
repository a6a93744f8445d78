package httpapi_test

import (
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// messageSpecs are the bad-input specs of the message commands (docs/compatibility.md
// §8). The fixture's "pub" holds a tip (seq 1, m3 muted) and m2's text (seq 2).
func messageSpecs(now int64) []*commandSpec {
	const grp = "group_open_http_svc/"
	text := `[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]`
	// numberOf is a number whose every value outside its range, fractions and numbers
	// beyond 64 bits included, is 10004 (the rules judge it, not the decoder).
	numberOf := func(path string) field {
		return field{path: path, kind: kNumber, neg: invalid, big: invalid, max: invalid, huge: invalid}
	}
	// body is a MsgBody: not an array, or an empty one, is code, as is null.
	body := func(path string, code im.Code) field {
		w := fail(code)
		return field{path: path, kind: kArray, empty: w, wrong: &w}
	}
	msgBody := func(path string) []badCase {
		return []badCase{
			{name: path + "/unknown MsgType", ops: []op{set(path, `[{"MsgType":"TIMNope","MsgContent":{}}]`)}, want: invalid},
			{name: path + "/MsgType in another case", ops: []op{set(path, `[{"msgtype":"TIMTextElem","MsgContent":{"Text":"x"}}]`)}, want: invalid},
			{name: path + "/Text missing", ops: []op{set(path, `[{"MsgType":"TIMTextElem","MsgContent":{}}]`)}, want: invalid},
		}
	}
	return []*commandSpec{
		{
			cmd: grp + "send_group_msg", write: true,
			base: `{"GroupId":"pub","Random":7,"MsgPriority":"High","MsgBody":` + text + `,"From_Account":"m1",` +
				`"CloudCustomData":"data","ForbidCallbackControl":["ForbidBeforeSendMsgCallback"],"SendMsgControl":["NoLastMsg"],` +
				`"OnlineOnlyFlag":0,"NeedReadReceipt":0,"SupportMessageExtension":0,"To_Account":["m2"],"GroupAtInfo":[{"GroupAtAllFlag":0,"GroupAt_Account":"m2"}],"OfflinePushInfo":{"PushFlag":0,"Desc":"d"},"TopicId":""}`,
			fields: []field{
				groupID("GroupId"),
				numberOf("Random"),
				enum("MsgPriority"),
				accountOf("From_Account", im.CodeInvalidParam),
				stringOf("CloudCustomData", okApplied, okApplied),
				listOf("ForbidCallbackControl", asAbsent),
				enum("ForbidCallbackControl[]"),
				listOf("SendMsgControl", asAbsent),
				enum("SendMsgControl[]"),
				listOf("GroupAtInfo", asAbsent),
				integer("GroupAtInfo[].GroupAtAllFlag", asBase, okApplied, okApplied),
				stringOf("GroupAtInfo[].GroupAt_Account", okApplied, okApplied),
				object("OfflinePushInfo"),
				body("MsgBody", im.CodeInvalidParam),
				integer("NeedReadReceipt", asBase, asBase, asBase),
				integer("SupportMessageExtension", asBase, asBase, asBase),
				// A positive OnlineOnlyFlag with the base's SendMsgControl is 10004.
				field{path: "OnlineOnlyFlag", kind: kNumber, neg: asBase, big: invalid, max: invalid, huge: invalid},
				listOf("To_Account", asAbsent),
				stringOf("To_Account[]", okApplied, okApplied),
				topicID(),
			},
			extra: msgBody("MsgBody"),
		},
		{
			cmd:  grp + "send_group_system_notification",
			base: `{"GroupId":"pub","ToMembers_Account":["m1","m2"],"Content":"notice"}`,
			fields: []field{
				groupID("GroupId"),
				listOf("ToMembers_Account", asAbsent),
				accountOf("ToMembers_Account[]", im.CodeInvalidParam),
				stringOf("Content", okApplied, okApplied),
			},
		},
		{
			cmd:  grp + "group_msg_get_simple",
			base: `{"GroupId":"pub","ReqMsgNumber":5,"ReqMsgSeq":2,"WithRecalledMsg":1,"TopicId":""}`,
			fields: []field{
				groupID("GroupId"),
				field{path: "ReqMsgNumber", kind: kNumber, neg: invalid, big: okNoChange, max: okNoChange, huge: invalid},
				field{path: "ReqMsgSeq", kind: kNumber, neg: invalid, big: okNoChange, max: okNoChange, huge: invalid},
				integer("WithRecalledMsg", okNoChange, okNoChange, okNoChange),
				topicID(),
			},
		},
		{
			cmd: grp + "group_msg_recall", write: true,
			base: `{"GroupId":"pub","MsgSeqList":[{"MsgSeq":2}],"Reason":"oops","TopicId":""}`,
			fields: []field{
				groupID("GroupId"),
				batch("MsgSeqList", invalid, 10, im.CodeInvalidParam, func(i int) any { return map[string]int{"MsgSeq": i + 1} }),
				integer("MsgSeqList[].MsgSeq", okNoChange, okNoChange, okNoChange),
				stringOf("Reason", asBase, asBase),
				topicID(),
			},
		},
		{
			cmd: grp + "delete_group_msg_by_sender", write: true,
			base: `{"GroupId":"pub","Sender_Account":"m2","TopicId":""}`,
			fields: []field{
				groupID("GroupId"),
				accountOf("Sender_Account", im.CodeInvalidParam),
				topicID(),
			},
		},
		{
			cmd: grp + "import_group_msg", write: true,
			base: fmt.Sprintf(`{"GroupId":"priv","RecentContactFlag":0,"MsgList":[{"From_Account":"m1","SendTime":%d,"Random":3,"MsgBody":%s}],"TopicId":""}`, now-60, text),
			fields: []field{
				groupID("GroupId"),
				batch("MsgList", invalid, 7, im.CodeInvalidParam, func(i int) any {
					return map[string]any{"From_Account": "m1", "SendTime": now - 60, "MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]string{"Text": "x"}}}}
				}),
				accountOf("MsgList[].From_Account", im.CodeInvalidParam),
				numberOf("MsgList[].Random"),
				body("MsgList[].MsgBody", im.CodeInvalidParam),
				integer("MsgList[].SendTime", okApplied, okApplied, okApplied),
				integer("RecentContactFlag", asBase, asBase, asBase),
				topicID(),
			},
			extra: msgBody("MsgList[].MsgBody"),
		},
		{
			cmd: "openim/modify_group_msg", write: true,
			base: `{"GroupId":"pub","MsgSeq":2,"MsgBody":` + text + `,"CloudCustomData":"new","TopicId":""}`,
			fields: []field{
				groupID("GroupId"),
				field{path: "MsgSeq", kind: kNumber, neg: fail(im.CodeNoSuchMessage), big: fail(im.CodeNoSuchMessage), max: fail(im.CodeNoSuchMessage), huge: fail(im.CodeNoSuchMessage)},
				stringOf("CloudCustomData", okApplied, okApplied),
				body("MsgBody", im.CodeBadMsgBody),
				topicID(),
			},
		},
		{
			cmd: "openconfigsvr/setnospeaking", write: true,
			base: `{"Set_Account":"m1","C2CmsgNospeakingTime":60,"GroupmsgNospeakingTime":0}`,
			fields: []field{
				accountOf("Set_Account", im.CodeBadSetAccount),
				field{path: "C2CmsgNospeakingTime", kind: kNumber, neg: fail(im.CodeNoMuteTime), big: fail(im.CodeNoMuteTime), max: fail(im.CodeNoMuteTime), huge: fail(im.CodeNoMuteTime)},
				field{path: "GroupmsgNospeakingTime", kind: kNumber, neg: fail(im.CodeNoMuteTime), big: fail(im.CodeNoMuteTime), max: fail(im.CodeNoMuteTime), huge: fail(im.CodeNoMuteTime)},
			},
		},
		{
			cmd:  "openconfigsvr/getnospeaking",
			base: `{"Get_Account":"m1"}`,
			fields: []field{
				accountOf("Get_Account", im.CodeBadSetAccount),
			},
		},
	}
}
