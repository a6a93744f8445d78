package httpapi_test

import (
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

const (
	cmdMsgReceipt    = "group_open_http_svc/group_msg_receipt"
	cmdGetReceipt    = "group_open_http_svc/get_group_msg_receipt"
	cmdReceiptDetail = "group_open_http_svc/get_group_msg_receipt_detail"
)

// TestReadReceiptWire checks the read receipt commands on the wire (docs/compatibility.md
// §13): NeedReadReceipt on send_group_msg, group_msg_receipt, the counts of
// get_group_msg_receipt and the pages of get_group_msg_receipt_detail, and their codes.
func TestReadReceiptWire(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "a1", "a2", "a3")
	g := s.MustCreateGroup(t, "Private", "owner", "a1", "a2", "a3")
	send := map[string]any{"GroupId": g, "From_Account": "a1", "Random": 1, "NeedReadReceipt": 1, "MsgBody": topicText("read me")}
	seq := answerOf(t, s.MustOK(t, "group_open_http_svc/send_group_msg", send)).MsgSeq
	wantRaw(t, "group_msg_receipt", s.MustOK(t, cmdMsgReceipt, map[string]any{"GroupId": g, "From_Account": "a3", "MsgSeqList": []any{map[string]any{"MsgSeq": seq}}}), ``)
	s.MustOK(t, cmdMsgReceipt, map[string]any{"GroupId": g, "From_Account": "owner", "MsgSeqList": []any{map[string]any{"MsgSeq": seq}}})

	r := s.MustOK(t, cmdGetReceipt, map[string]any{"GroupId": g, "MsgSeqList": []any{map[string]any{"MsgSeq": seq}, map[string]any{"MsgSeq": 7}}})
	wantRaw(t, "get_group_msg_receipt", r, `,"GroupMsgReceiptList":[{"Code":0,"MsgSeq":1,"ReadNum":2,"UnreadNum":1},{"Code":10062,"MsgSeq":7,"ReadNum":0,"UnreadNum":0}]`)
	r = s.MustOK(t, cmdReceiptDetail, map[string]any{"GroupId": g, "MsgSeq": seq, "Filter": 0, "Cursor": "", "Count": 1})
	wantRaw(t, "first page of readers", r, `,"Cursor":"a3","IsFinished":0,"IsFinish":0,"MsgSeq":1,"ReadList":[{"Read_Account":"a3"}]`)
	r = s.MustOK(t, cmdReceiptDetail, map[string]any{"GroupId": g, "MsgSeq": seq, "Filter": 0, "Cursor": "a3", "Count": 1})
	wantRaw(t, "last page of readers", r, `,"Cursor":"","IsFinished":1,"IsFinish":1,"MsgSeq":1,"ReadList":[{"Read_Account":"owner"}]`)
	r = s.MustOK(t, cmdReceiptDetail, map[string]any{"GroupId": g, "MsgSeq": seq, "Flag": 1, "Cursor": "", "Num": 500})
	wantRaw(t, "non-readers by the old names Flag and Num", r, `,"Cursor":"","IsFinished":1,"IsFinish":1,"MsgSeq":1,"UnreadList":[{"Unread_Account":"a2"}]`)
	r = s.MustOK(t, cmdReceiptDetail, map[string]any{"GroupId": g, "MsgSeq": seq, "Filter": 1, "Cursor": "a2", "Count": 5})
	wantRaw(t, "past the last non-reader", r, `,"Cursor":"","IsFinished":1,"IsFinish":1,"MsgSeq":1,"UnreadList":[]`)

	mustCode(t, s, cmdMsgReceipt, map[string]any{"GroupId": g, "From_Account": "a2", "MsgSeqList": []any{map[string]any{"MsgSeq": 7}}}, 10062)
	mustCode(t, s, cmdReceiptDetail, map[string]any{"GroupId": g, "MsgSeq": 7, "Filter": 0, "Cursor": "", "Count": 5}, 10062)
	online := map[string]any{"GroupId": g, "Random": 2, "NeedReadReceipt": 1, "OnlineOnlyFlag": 1, "MsgBody": topicText("x")}
	mustCode(t, s, "group_open_http_svc/send_group_msg", online, 10061)
	av := s.MustCreateGroup(t, "AVChatRoom", "owner")
	mustCode(t, s, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": av, "Random": 3, "NeedReadReceipt": 1, "MsgBody": topicText("x")}, codeNotAllowed)
	mustCode(t, s, cmdGetReceipt, map[string]any{"GroupId": av, "MsgSeqList": []any{map[string]any{"MsgSeq": 1}}}, codeNotAllowed)

	big := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Limits.ReceiptMembersMax = 2 }})
	big.MustImportAccounts(t, "owner", "a1", "a2")
	bg := big.MustCreateGroup(t, "Public", "owner", "a1", "a2")
	mustCode(t, big, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": bg, "Random": 1, "NeedReadReceipt": 1, "MsgBody": topicText("x")}, 10060)
	big.MustOK(t, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": bg, "Random": 1, "MsgBody": topicText("x")})
}
