package httpapi_test

import (
	"fmt"
	"strings"

	"github.com/timdhq/timd/internal/im"
)

// topicID is the TopicId of a message command, "" in the bases (the group's own
// stream): anything but a topic ID of the group is 10004 (docs/compatibility.md §12).
func topicID() field { return stringOf("TopicId", invalid, invalid) }

// unixTime is a number the rules judge whole (an import's CreateTime, SupportTopic): any
// value outside its range, fractions and numbers beyond 64 bits included, is 10004.
func unixTime(path string) field {
	return field{path: path, kind: kNumber, neg: invalid, big: invalid, max: invalid, huge: invalid}
}

// topicSpecs are the bad-input specs of the Community topic commands
// (docs/compatibility.md §12). The fixture's "@TGS#_comm" holds topic fixtureTopic.
func topicSpecs(now int64) []*commandSpec {
	const million = "million_group_open_http_svc/"
	topicFields := func(id field, name want) []field {
		return []field{
			groupID("GroupId"),
			id,
			stringOf("TopicName", invalid, name),
			accountOf("From_Account", im.CodeInvalidParam),
			text("CustomString"),
			text("FaceUrl"),
			text("Notification"),
			text("Introduction"),
		}
	}
	texts := `"From_Account":"m1","CustomString":"c","FaceUrl":"http://f","Notification":"n","Introduction":"i"`
	long := func(path string, n int) badCase {
		return badCase{name: fmt.Sprintf("%s/%d bytes", path, n), ops: []op{set(path, `"`+strings.Repeat("x", n)+`"`)}, want: invalid}
	}
	return []*commandSpec{
		{
			cmd: million + "create_topic", write: true,
			base:   `{"GroupId":"@TGS#_comm","TopicId":"@TGS#_comm@TOPIC#_new","TopicName":"new",` + texts + `}`,
			fields: topicFields(stringOf("TopicId", invalid, invalid), okApplied),
			extra: []badCase{
				long("TopicName", 31), long("CustomString", 3001), long("FaceUrl", 101), long("Notification", 301), long("Introduction", 241),
				{name: "TopicId/of another group", ops: []op{set("TopicId", `"@TGS#_x@TOPIC#_new"`)}, want: invalid},
				{name: "TopicId/no suffix", ops: []op{set("TopicId", `"@TGS#_comm@TOPIC#_"`)}, want: invalid},
				{name: "TopicId/minted form", ops: []op{set("TopicId", `"@TGS#_comm@TOPIC#_@TOPIC#cAAAAAAAAAA"`)}, want: invalid},
				{name: "TopicId/97 bytes", ops: []op{set("TopicId", `"@TGS#_comm@TOPIC#_`+strings.Repeat("x", 97-18)+`"`)}, want: invalid},
				{name: "TopicId/taken", ops: []op{set("TopicId", `"`+fixtureTopic+`"`)}, want: fail(im.CodeGroupIDInUse)},
				{name: "TopicName/empty", ops: []op{set("TopicName", `""`)}, want: invalid},
				{name: "From_Account/never imported", ops: []op{set("From_Account", `"nobody"`)}, want: invalid},
				{name: "GroupId/a Community without topics", ops: []op{set("GroupId", `"pub"`), set("TopicId", `"pub@TOPIC#_new"`)}, want: fail(im.CodeNoTopics)},
				{name: "GroupId/no such group", ops: []op{set("GroupId", `"@TGS#_none"`), set("TopicId", `"@TGS#_none@TOPIC#_new"`)}, want: fail(im.CodeGroupNotFound)},
			},
		},
		{
			cmd:  million + "get_topic",
			base: `{"GroupId":"@TGS#_comm","From_Account":"m1","TopicIdList":["` + fixtureTopic + `","@TGS#_comm@TOPIC#_none"],"ResponseFilter":["TopicName","NextMsgSeq"]}`,
			fields: []field{
				groupID("GroupId"),
				accountOf("From_Account", im.CodeInvalidParam), // required
				listOf("TopicIdList", asAbsent),
				stringOf("TopicIdList[]", okNoChange, okNoChange), // that topic's entry answers 110003
				listOf("ResponseFilter", okNoChange),
				filterName("ResponseFilter[]"),
			},
		},
		{
			cmd: million + "modify_topic", write: true,
			base:   `{"GroupId":"@TGS#_comm","TopicId":"` + fixtureTopic + `","TopicName":"renamed",` + texts + `,"MuteAllMember":"On"}`,
			fields: append(topicFields(stringOf("TopicId", invalid, invalid), okApplied), enum("MuteAllMember")),
			extra: []badCase{
				long("TopicName", 31), long("CustomString", 3001),
				{name: "TopicId/no such topic", ops: []op{set("TopicId", `"@TGS#_comm@TOPIC#_none"`)}, want: fail(im.CodeGroupNotFound)},
			},
		},
		{
			cmd: million + "destroy_topic", write: true,
			base: `{"GroupId":"@TGS#_comm","TopicIdList":["` + fixtureTopic + `","@TGS#_comm@TOPIC#_none"]}`,
			fields: []field{
				groupID("GroupId"),
				listOf("TopicIdList", invalid),
				stringOf("TopicIdList[]", invalid, invalid),
			},
		},
		{
			cmd: "group_open_http_svc/import_topic", write: true,
			base: fmt.Sprintf(`{"Type":"Community","GroupId":"@TGS#_comm","TopicId":"@TGS#_comm@TOPIC#_imp","TopicName":"imp",%s,"CreateTime":%d}`, texts, now-3600),
			fields: append(topicFields(stringOf("TopicId", invalid, invalid), okApplied),
				enum("Type"), unixTime("CreateTime")), // a unix time in the past
			extra: []badCase{
				long("TopicName", 31),
				{name: "TopicId/taken", ops: []op{set("TopicId", `"`+fixtureTopic+`"`)}, want: fail(im.CodeGroupIDInUse)},
			},
		},
	}
}

// receiptSpecs are the bad-input specs of the read receipt commands
// (docs/compatibility.md §13). The fixture's "victim" holds m2's text asking for read
// receipts (seq 1).
func receiptSpecs() []*commandSpec {
	const grp = "group_open_http_svc/"
	seqItem := func(i int) any { return map[string]int{"MsgSeq": i + 1} }
	noReceipt := fail(im.CodeNoReceipt)
	return []*commandSpec{
		{
			cmd: grp + "group_msg_receipt", write: true,
			base: `{"GroupId":"victim","From_Account":"owner","MsgSeqList":[{"MsgSeq":1}]}`,
			fields: []field{
				groupID("GroupId"),
				accountOf("From_Account", im.CodeInvalidParam),
				batch("MsgSeqList", invalid, 50, im.CodeInvalidParam, seqItem),
				integer("MsgSeqList[].MsgSeq", noReceipt, noReceipt, noReceipt),
			},
			extra: []badCase{
				{name: "From_Account/no member", ops: []op{set("From_Account", `"free"`)}, want: fail(im.CodeNotAllowed)},
				{name: "GroupId/an AVChatRoom", ops: []op{set("GroupId", `"av"`)}, want: fail(im.CodeNotAllowed)},
			},
		},
		{
			cmd:  grp + "get_group_msg_receipt",
			base: `{"GroupId":"victim","MsgSeqList":[{"MsgSeq":1},{"MsgSeq":9}]}`,
			fields: []field{
				groupID("GroupId"),
				batch("MsgSeqList", invalid, 50, im.CodeInvalidParam, seqItem),
				integer("MsgSeqList[].MsgSeq", okNoChange, okNoChange, okNoChange), // that seq's entry answers 10062
			},
		},
		{
			cmd:  grp + "get_group_msg_receipt_detail",
			base: `{"GroupId":"victim","MsgSeq":1,"Filter":1,"Flag":0,"Cursor":"","Count":5,"Num":1}`,
			fields: []field{
				groupID("GroupId"),
				field{path: "MsgSeq", kind: kNumber, neg: noReceipt, big: noReceipt, max: noReceipt, huge: noReceipt},
				unixTime("Filter"), // 0 or 1: any other number is 10004
				shadowedNumber("Flag"),
				stringOf("Cursor", okNoChange, okNoChange),
				field{path: "Count", kind: kNumber, neg: invalid, big: okNoChange, max: okNoChange, huge: invalid},
				shadowedNumber("Num"),
			},
		},
	}
}
