package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

const (
	cmdSend         = "group_open_http_svc/send_group_msg"
	cmdHistory      = "group_open_http_svc/group_msg_get_simple"
	cmdRecall       = "group_open_http_svc/group_msg_recall"
	cmdDelBySender  = "group_open_http_svc/delete_group_msg_by_sender"
	cmdImportMsg    = "group_open_http_svc/import_group_msg"
	cmdSysNotify    = "group_open_http_svc/send_group_system_notification"
	cmdModifyMsg    = "openim/modify_group_msg"
	cmdSetNoSpeak   = "openconfigsvr/setnospeaking"
	cmdGetNoSpeak   = "openconfigsvr/getnospeaking"
	cmdBaseInfo     = "group_open_http_svc/modify_group_base_info"
	cmdOwner        = "group_open_http_svc/change_group_owner"
	codeMuted       = 10017
	codeNoSuchMsg   = 10030
	codeNotRecall   = 10032
	codeTooLong     = 80002
	codeBadMsgBody  = 90002
	codeNoSetAcct   = 130004
	codeBadSetAcct  = 130005
	codeNoMuteTime  = 130008
	codeCBRefused   = 10016
	textBody        = `[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hello"}}]`
	anotherTextBody = `[{"MsgType":"TIMTextElem","MsgContent":{"Text":"again"}}]`
)

// msgServer starts a server with accounts owner, adm, bob, carol and dave imported, and a
// Public group owned by owner with adm (Admin), bob and carol. dave is no member.
func msgServer(t *testing.T, opts timtest.Options) (*timtest.Server, string) {
	t.Helper()
	s := newServer(t, opts)
	s.MustImportAccounts(t, "owner", "adm", "bob", "carol", "dave")
	g := s.MustCreateGroup(t, "Public", "owner", "adm", "bob", "carol")
	s.MustOK(t, cmdModify, map[string]any{"GroupId": g, "Member_Account": "adm", "Role": "Admin"})
	return s, g
}

// send posts a text message and returns the answer.
func send(t *testing.T, s *timtest.Server, g, from string, random int, body string, want int) *timtest.Response {
	t.Helper()
	req := map[string]any{"GroupId": g, "Random": random, "MsgBody": json.RawMessage(body)}
	if from != "" {
		req["From_Account"] = from
	}
	return mustCode(t, s, cmdSend, req, want)
}

// history reads the newest n messages of g and returns IsFinished and the list.
func history(t *testing.T, s *timtest.Server, g string, req map[string]any) (int64, []map[string]any) {
	t.Helper()
	body := map[string]any{"GroupId": g, "ReqMsgNumber": 20}
	for k, v := range req {
		body[k] = v
	}
	r := s.MustOK(t, cmdHistory, body)
	var out []map[string]any
	for _, m := range r.Fields["RspMsgList"].([]any) {
		out = append(out, m.(map[string]any))
	}
	return num(t, r.Fields, "IsFinished"), out
}

func seqOf(t *testing.T, r *timtest.Response) int64 { return num(t, r.Fields, "MsgSeq") }

// TestSendAndHistory checks a send's answer, the message read back with every field, and
// what get_group_info reports of the stream (docs/compatibility.md §8).
func TestSendAndHistory(t *testing.T) {
	s, g := msgServer(t, timtest.Options{})
	_, before := history(t, s, g, nil)
	r := send(t, s, g, "bob", 7, textBody, codeOK)
	seq := seqOf(t, r)
	if want := int64(len(before)) + 1; seq != want {
		t.Fatalf("MsgSeq: got %d, want %d (after %d tips)", seq, want, len(before))
	}
	if got := r.Fields["MsgDropReason"]; got != "" {
		t.Errorf("MsgDropReason: got %v, want empty", got)
	}
	wantRaw := fmt.Sprintf(`{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"MsgTime":%d,"MsgSeq":%d,"MsgDropReason":""}`, s.Now().Unix(), seq)
	if strings.TrimSpace(string(r.Raw)) != wantRaw {
		t.Errorf("answer: got %s, want %s", r.Raw, wantRaw)
	}
	r2 := mustCode(t, s, cmdSend, map[string]any{
		"GroupId": g, "Random": 8, "From_Account": "carol", "MsgPriority": "High",
		"MsgBody": json.RawMessage(anotherTextBody), "CloudCustomData": "cc",
	}, codeOK)
	raw := s.MustOK(t, cmdHistory, map[string]any{"GroupId": g, "ReqMsgNumber": 2}).Raw
	want := fmt.Sprintf(`{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"GroupId":%q,"IsFinished":1,"RspMsgList":[`+
		`{"From_Account":"carol","IsPlaceMsg":0,"IsSystemMsg":0,"MsgBody":%s,"MsgPriority":1,"MsgRandom":8,"MsgSeq":%d,"MsgTimeStamp":%d,"CloudCustomData":"cc"},`+
		`{"From_Account":"bob","IsPlaceMsg":0,"IsSystemMsg":0,"MsgBody":%s,"MsgPriority":2,"MsgRandom":7,"MsgSeq":%d,"MsgTimeStamp":%d}]}`,
		g, anotherTextBody, seqOf(t, r2), s.Now().Unix(), textBody, seq, s.Now().Unix())
	if strings.TrimSpace(string(raw)) != want {
		t.Errorf("history:\n got %s\nwant %s", raw, want)
	}
	info := s.MustOK(t, cmdGroupInfo, map[string]any{"GroupIdList": []string{g}})
	gi := info.Fields["GroupInfo"].([]any)[0].(map[string]any)
	if got := num(t, gi, "NextMsgSeq"); got != seqOf(t, r2)+1 {
		t.Errorf("NextMsgSeq: got %d, want %d", got, seqOf(t, r2)+1)
	}
	if got := num(t, gi, "LastMsgTime"); got != s.Now().Unix() {
		t.Errorf("LastMsgTime: got %d, want %d", got, s.Now().Unix())
	}
	bob := mustMember(t, s, g, "bob")
	if got := num(t, bob, "LastSendMsgTime"); got != s.Now().Unix() {
		t.Errorf("bob's LastSendMsgTime: got %d, want %d", got, s.Now().Unix())
	}
}

// TestSendChecks walks the check table of send_group_msg (docs/compatibility.md §8), a
// case or more per row.
func TestSendChecks(t *testing.T) {
	s, g := msgServer(t, timtest.Options{})
	ok := map[string]any{"GroupId": g, "Random": 1, "MsgBody": json.RawMessage(textBody)}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range ok {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	big := strings.Repeat("x", 12000)
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"1/GroupId missing", with("GroupId", nil), codeBadGroupID},
		{"1/GroupId 49 bytes", with("GroupId", strings.Repeat("g", 49)), codeBadGroupID},
		{"1 before 2", with("GroupId", "", "MsgBody", nil), codeBadGroupID},
		{"2/MsgBody missing", with("MsgBody", nil), codeInvalid},
		{"2/MsgBody not an array", with("MsgBody", json.RawMessage(`{"MsgType":"TIMTextElem"}`)), codeInvalid},
		{"2/MsgBody empty", with("MsgBody", json.RawMessage(`[]`)), codeInvalid},
		{"2/unknown MsgType", with("MsgBody", json.RawMessage(`[{"MsgType":"TIMBogusElem","MsgContent":{}}]`)), codeInvalid},
		{"2/msgtype in lower case", with("MsgBody", json.RawMessage(`[{"msgtype":"TIMTextElem","MsgContent":{"Text":"x"}}]`)), codeInvalid},
		{"2/Text missing", with("MsgBody", json.RawMessage(`[{"MsgType":"TIMTextElem","MsgContent":{}}]`)), codeInvalid},
		{"2/two custom elements", with("MsgBody", json.RawMessage(`[{"MsgType":"TIMCustomElem","MsgContent":{"Data":"a"}},{"MsgType":"TIMCustomElem","MsgContent":{"Data":"b"}}]`)), codeInvalid},
		{"2 before 3", with("MsgBody", json.RawMessage(`[]`), "Random", nil), codeInvalid},
		{"3/Random missing", with("Random", nil), codeInvalid},
		{"3/Random negative", with("Random", -1), codeInvalid},
		{"3/Random over uint32", with("Random", 4294967296), codeInvalid},
		{"3/MsgPriority unknown", with("MsgPriority", "Urgent"), codeInvalid},
		{"3/OnlineOnlyFlag with SendMsgControl", with("OnlineOnlyFlag", 1, "SendMsgControl", []string{"NoUnread"}), codeInvalid},
		{"3/ForbidCallbackControl unknown", with("ForbidCallbackControl", []string{"ForbidAll"}), codeInvalid},
		{"3/SendMsgControl unknown", with("SendMsgControl", []string{"NoPush"}), codeInvalid},
		{"4/over 12000 bytes", with("MsgBody", json.RawMessage(`[{"MsgType":"TIMTextElem","MsgContent":{"Text":"`+big+`"}}]`)), codeTooLong},
		{"4/CloudCustomData counts", with("CloudCustomData", big), codeTooLong},
		{"5/no such group", with("GroupId", "@TGS#2AAAAAAAA"), codeNoGroup},
		{"6/From_Account not imported", with("From_Account", "ghost"), codeInvalid},
		{"6/From_Account malformed", with("From_Account", "a\x01"), codeInvalid},
		{"9/To_Account over 50", with("To_Account", make([]string, 51)), codeInvalid},
		{"ok/From_Account no member", with("From_Account", "dave"), codeOK},
		{"ok/every element type", with("MsgBody", json.RawMessage(`[
			{"MsgType":"TIMTextElem","MsgContent":{"Text":"t"}},
			{"MsgType":"TIMLocationElem","MsgContent":{"Desc":"d","Latitude":1.5,"Longitude":2}},
			{"MsgType":"TIMFaceElem","MsgContent":{"Index":1,"Data":"x"}},
			{"MsgType":"TIMCustomElem","MsgContent":{"Data":"x","Desc":"d","Ext":"e","Sound":"s"}},
			{"MsgType":"TIMSoundElem","MsgContent":{"Url":"u","UUID":"i","Size":1,"Second":1,"Download_Flag":2}},
			{"MsgType":"TIMImageElem","MsgContent":{"UUID":"i","ImageFormat":1,"ImageInfoArray":[{"Type":1,"Size":1,"Width":1,"Height":1,"URL":"u"}]}},
			{"MsgType":"TIMFileElem","MsgContent":{"Url":"u","UUID":"i","FileSize":1,"FileName":"f","Download_Flag":2}},
			{"MsgType":"TIMVideoFileElem","MsgContent":{"VideoUrl":"u","VideoUUID":"i","VideoSize":1,"VideoSecond":1,"VideoFormat":"mp4","VideoDownloadFlag":2,"ThumbUrl":"t","ThumbUUID":"j","ThumbSize":1,"ThumbWidth":1,"ThumbHeight":1,"ThumbFormat":"JPG","ThumbDownloadFlag":2}},
			{"MsgType":"TIMRelayElem","MsgContent":{"Title":"t","MsgNum":1,"CompatibleText":"c","AbstractList":["a"],"MsgList":[]}}]`)), codeOK},
		{"ok/every option", with("MsgPriority", "Low", "ForbidCallbackControl", []string{"ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"},
			"SendMsgControl", []string{"NoUnread", "NoLastMsg"}, "OfflinePushInfo", map[string]any{"PushFlag": 0, "Desc": "d"},
			"To_Account", []string{"bob"}, "GroupAtInfo", []map[string]any{{"GroupAtAllFlag": 0, "GroupAt_Account": "bob"}}), codeOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if to, ok := body["To_Account"].([]string); ok && len(to) == 51 {
				for i := range to {
					to[i] = fmt.Sprintf("u%d", i)
				}
			}
			mustCode(t, s, cmdSend, body, tc.want)
		})
	}
	t.Run("9/To_Account in a Community", func(t *testing.T) {
		c := s.MustCreateGroup(t, "Community", "owner", "bob")
		mustCode(t, s, cmdSend, map[string]any{"GroupId": c, "Random": 1, "MsgBody": json.RawMessage(textBody), "To_Account": []string{"bob"}}, codeInvalid)
	})
}

// TestSendMutes checks that every mute source silences with 10017, that MuteAllMember
// lets the owner, admins, app admins and the caller itself speak, and that an expired
// mute does not block.
func TestSendMutes(t *testing.T) {
	s, g := msgServer(t, timtest.Options{})
	s.MustOK(t, cmdModify, map[string]any{"GroupId": g, "Member_Account": "bob", "MuteTime": 60})
	send(t, s, g, "bob", 1, textBody, codeMuted)
	send(t, s, g, "carol", 1, textBody, codeOK)
	s.Advance(61 * time.Second)
	send(t, s, g, "bob", 2, textBody, codeOK)

	s.MustOK(t, cmdForbid, map[string]any{"GroupId": g, "Members_Account": []string{"bob"}, "MuteTime": 30})
	send(t, s, g, "bob", 3, textBody, codeMuted)
	s.MustOK(t, cmdForbid, map[string]any{"GroupId": g, "Members_Account": []string{"bob"}, "MuteTime": 0})
	send(t, s, g, "bob", 4, textBody, codeOK)

	s.MustOK(t, cmdSetNoSpeak, map[string]any{"Set_Account": "carol", "GroupmsgNospeakingTime": 100})
	send(t, s, g, "carol", 5, textBody, codeMuted)
	r := s.MustOK(t, cmdGetNoSpeak, map[string]any{"Get_Account": "carol"})
	// The answer is the time left: 99 when a second ticked since setnospeaking.
	if left := num(t, r.Fields, "GroupmsgNospeakingTime"); left < 99 || left > 100 || num(t, r.Fields, "C2CmsgNospeakingTime") != 0 {
		t.Errorf("getnospeaking: %s, want GroupmsgNospeakingTime 100 (99 a second later) and C2CmsgNospeakingTime 0", r.Raw)
	}
	s.Advance(101 * time.Second)
	send(t, s, g, "carol", 6, textBody, codeOK)
	s.MustOK(t, cmdSetNoSpeak, map[string]any{"Set_Account": "carol", "GroupmsgNospeakingTime": 4294967295})
	send(t, s, g, "carol", 7, textBody, codeMuted)
	s.MustOK(t, cmdSetNoSpeak, map[string]any{"Set_Account": "carol", "GroupmsgNospeakingTime": 0})
	send(t, s, g, "carol", 8, textBody, codeOK)

	s.MustOK(t, cmdBaseInfo, map[string]any{"GroupId": g, "MuteAllMember": "On"})
	send(t, s, g, "bob", 9, textBody, codeMuted)
	send(t, s, g, "dave", 9, textBody, codeMuted) // no member: not owner, admin or app admin
	send(t, s, g, "owner", 9, textBody, codeOK)
	send(t, s, g, "adm", 9, textBody, codeOK)
	send(t, s, g, "", 9, textBody, codeOK)
	s.MustImportAccounts(t, s.Admin())
	send(t, s, g, s.Admin(), 10, textBody, codeOK)
	s.MustOK(t, cmdBaseInfo, map[string]any{"GroupId": g, "MuteAllMember": "Off"})
	send(t, s, g, "bob", 11, textBody, codeOK)
}

// TestNoSpeakingCodes checks setnospeaking and getnospeaking's documented codes.
func TestNoSpeakingCodes(t *testing.T) {
	s, _ := msgServer(t, timtest.Options{})
	mustCode(t, s, cmdSetNoSpeak, map[string]any{"GroupmsgNospeakingTime": 1}, codeNoSetAcct)
	mustCode(t, s, cmdSetNoSpeak, map[string]any{"Set_Account": "ghost", "GroupmsgNospeakingTime": 1}, codeBadSetAcct)
	mustCode(t, s, cmdSetNoSpeak, map[string]any{"Set_Account": "bob"}, codeNoMuteTime)
	mustCode(t, s, cmdSetNoSpeak, map[string]any{"Set_Account": "bob", "C2CmsgNospeakingTime": "1"}, codeBadJSON)
	mustCode(t, s, cmdGetNoSpeak, map[string]any{}, codeNoSetAcct)
	mustCode(t, s, cmdGetNoSpeak, map[string]any{"Get_Account": "ghost"}, codeBadSetAcct)
	s.MustOK(t, cmdSetNoSpeak, map[string]any{"Set_Account": "bob", "C2CmsgNospeakingTime": 50})
	r := s.MustOK(t, cmdGetNoSpeak, map[string]any{"Get_Account": "bob"})
	// The answer is the time left: 49 when a second ticked between the two calls.
	if left := num(t, r.Fields, "C2CmsgNospeakingTime"); left < 49 || left > 50 || num(t, r.Fields, "GroupmsgNospeakingTime") != 0 {
		t.Errorf("getnospeaking: %s, want C2CmsgNospeakingTime 50 (49 a second later) and GroupmsgNospeakingTime 0", r.Raw)
	}
}

// TestSendDedup checks that a retry (same group, sender, Random and MsgBody) within five
// minutes answers the first MsgSeq and stores nothing.
func TestSendDedup(t *testing.T) {
	s, g := msgServer(t, timtest.Options{})
	first := seqOf(t, send(t, s, g, "bob", 42, textBody, codeOK))
	if got := seqOf(t, send(t, s, g, "bob", 42, textBody, codeOK)); got != first {
		t.Errorf("retry: MsgSeq %d, want the first's %d", got, first)
	}
	if got := seqOf(t, send(t, s, g, "bob", 42, anotherTextBody, codeOK)); got != first+1 {
		t.Errorf("another body: MsgSeq %d, want %d", got, first+1)
	}
	if got := seqOf(t, send(t, s, g, "carol", 42, textBody, codeOK)); got != first+2 {
		t.Errorf("another sender: MsgSeq %d, want %d", got, first+2)
	}
	s.Advance(5*time.Minute + time.Second)
	if got := seqOf(t, send(t, s, g, "bob", 42, textBody, codeOK)); got != first+3 {
		t.Errorf("after five minutes: MsgSeq %d, want %d", got, first+3)
	}
}

// TestTips checks the tips member and group commands write, with their OpType, MsgSeq and
// content, and the commands that write none.
func TestTips(t *testing.T) {
	s, g := msgServer(t, timtest.Options{})
	// msgServer's create_group writes none; its modify (adm to Admin) writes 5.
	tip := func(t *testing.T, m map[string]any) map[string]any {
		t.Helper()
		if m["IsSystemMsg"] != json.Number("1") || m["From_Account"] != "@TIM#SYSTEM" {
			t.Fatalf("not a tip: %v", m)
		}
		body := m["MsgBody"].([]any)
		if len(body) != 1 || body[0].(map[string]any)["MsgType"] != "TIMGroupTipElem" {
			t.Fatalf("tip body: %v", body)
		}
		return body[0].(map[string]any)["MsgContent"].(map[string]any)
	}
	_, list := history(t, s, g, nil)
	if len(list) != 1 {
		t.Fatalf("after create and one modify: %d messages, want 1 tip", len(list))
	}
	if c := tip(t, list[0]); c["OpType"] != json.Number("5") || !cmp.Equal(c["MemberList_Account"], []any{"adm"}) || c["Operator_Account"] != s.Admin() {
		t.Errorf("set-admin tip: %v", c)
	}
	steps := []struct {
		command string
		body    map[string]any
		want    string // the tip's MsgContent, or "" for none
	}{
		{cmdAdd, map[string]any{"GroupId": g, "MemberList": []any{map[string]any{"Member_Account": "dave"}}},
			`{"MemberList_Account":["dave"],"OpType":2,"Operator_Account":"administrator"}`},
		{cmdDelete, map[string]any{"GroupId": g, "MemberToDel_Account": []string{"dave"}},
			`{"MemberList_Account":["dave"],"OpType":4,"Operator_Account":"administrator"}`},
		{cmdAdd, map[string]any{"GroupId": g, "Silence": 1, "MemberList": []any{map[string]any{"Member_Account": "dave"}}}, ""},
		{cmdDelete, map[string]any{"GroupId": g, "Silence": 1, "MemberToDel_Account": []string{"dave"}}, ""},
		{cmdModify, map[string]any{"GroupId": g, "Member_Account": "adm", "Role": "Member"},
			`{"MemberList_Account":["adm"],"OpType":6,"Operator_Account":"administrator"}`},
		{cmdModify, map[string]any{"GroupId": g, "Member_Account": "bob", "MuteTime": 60},
			`{"MemberInfoChange":[{"Member_Account":"bob","MuteTime":60}],"MemberList_Account":["bob"],"OpType":8,"Operator_Account":"administrator"}`},
		{cmdForbid, map[string]any{"GroupId": g, "Members_Account": []string{"bob", "carol"}, "MuteTime": 0},
			`{"MemberInfoChange":[{"Member_Account":"bob","MuteTime":0},{"Member_Account":"carol","MuteTime":0}],"MemberList_Account":["bob","carol"],"OpType":8,"Operator_Account":"administrator"}`},
		{cmdBaseInfo, map[string]any{"GroupId": g, "Name": "renamed", "Notification": "n"},
			`{"GroupInfoChange":{"Name":"renamed","Notification":"n"},"OpType":7,"Operator_Account":"administrator"}`},
		{cmdBaseInfo, map[string]any{"GroupId": g, "MuteAllMember": "On"}, ""},
		{cmdOwner, map[string]any{"GroupId": g, "NewOwner_Account": "bob"},
			`{"GroupInfoChange":{"Owner_Account":"bob"},"OpType":7,"Operator_Account":"administrator"}`},
		{"im_open_login_svc/account_delete", map[string]any{"DeleteItem": []any{map[string]any{"UserID": "carol"}}},
			`{"MemberList_Account":["carol"],"OpType":3,"Operator_Account":"administrator"}`},
	}
	last := num(t, list[0], "MsgSeq")
	for _, st := range steps {
		s.MustOK(t, st.command, st.body)
		_, list := history(t, s, g, map[string]any{"ReqMsgNumber": 1})
		seq := num(t, list[0], "MsgSeq")
		if st.want == "" {
			if seq != last {
				t.Errorf("%s %v wrote a tip: %v", st.command, st.body, list[0])
			}
			continue
		}
		if seq != last+1 {
			t.Errorf("%s: newest MsgSeq %d, want %d", st.command, seq, last+1)
		}
		last = seq
		got, _ := json.Marshal(tip(t, list[0]))
		if string(got) != st.want {
			t.Errorf("%s tip:\n got %s\nwant %s", st.command, got, st.want)
		}
	}
}

// TestTipsByType checks that a ChatRoom keeps group info tips but no member tips, and
// that an app with tips off keeps none.
func TestTipsByType(t *testing.T) {
	s, _ := msgServer(t, timtest.Options{})
	room := s.MustCreateGroup(t, "ChatRoom", "owner", "bob")
	s.MustOK(t, cmdAdd, map[string]any{"GroupId": room, "MemberList": []any{map[string]any{"Member_Account": "carol"}}})
	if _, list := history(t, s, room, nil); len(list) != 0 {
		t.Errorf("ChatRoom after an add: %d messages, want none", len(list))
	}
	s.MustOK(t, cmdBaseInfo, map[string]any{"GroupId": room, "Name": "x"})
	if _, list := history(t, s, room, nil); len(list) != 1 {
		t.Errorf("ChatRoom after a rename: %d messages, want one tip", len(list))
	}
	off := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Messages.Tips = false }})
	off.MustImportAccounts(t, "owner", "bob")
	g := off.MustCreateGroup(t, "Public", "owner")
	off.MustOK(t, cmdAdd, map[string]any{"GroupId": g, "MemberList": []any{map[string]any{"Member_Account": "bob"}}})
	if _, list := history(t, off, g, nil); len(list) != 0 {
		t.Errorf("tips off: %d messages, want none", len(list))
	}
}

// TestRecall checks group_msg_recall's per-seq codes, the recalled placeholder, and
// delete_group_msg_by_sender.
func TestRecall(t *testing.T) {
	s, g := msgServer(t, timtest.Options{})
	a := seqOf(t, send(t, s, g, "bob", 1, textBody, codeOK))
	b := seqOf(t, send(t, s, g, "carol", 2, textBody, codeOK))
	tipSeq := a - 1 // the set-admin tip of msgServer
	r := s.MustOK(t, cmdRecall, map[string]any{"GroupId": g, "MsgSeqList": []any{
		map[string]any{"MsgSeq": a}, map[string]any{"MsgSeq": 999}, map[string]any{"MsgSeq": tipSeq}, map[string]any{"MsgSeq": a}}})
	want := fmt.Sprintf(`[{"MsgSeq":%d,"RetCode":0},{"MsgSeq":999,"RetCode":10030},{"MsgSeq":%d,"RetCode":10032},{"MsgSeq":%d,"RetCode":10032}]`, a, tipSeq, a)
	if got, _ := json.Marshal(r.Fields["RecallRetList"]); string(got) != want {
		t.Errorf("RecallRetList: got %s, want %s", got, want)
	}
	finished, list := history(t, s, g, nil)
	for _, m := range list {
		if num(t, m, "MsgSeq") == a {
			t.Errorf("a recalled message in history without WithRecalledMsg: %v", m)
		}
	}
	if finished != 0 {
		t.Errorf("IsFinished with a recalled message left out: got %d, want 0", finished)
	}
	_, list = history(t, s, g, map[string]any{"WithRecalledMsg": 1, "ReqMsgSeq": a, "ReqMsgNumber": 1})
	if len(list) != 1 || num(t, list[0], "IsPlaceMsg") != 2 || len(list[0]["MsgBody"].([]any)) != 0 {
		t.Errorf("recalled message with WithRecalledMsg: %v", list)
	}
	mustCode(t, s, cmdRecall, map[string]any{"GroupId": g, "MsgSeqList": make([]map[string]any, 11)}, codeInvalid)
	mustCode(t, s, cmdRecall, map[string]any{"GroupId": g, "MsgSeqList": []any{}}, codeInvalid)

	c2 := seqOf(t, send(t, s, g, "carol", 3, anotherTextBody, codeOK))
	s.MustOK(t, cmdDelBySender, map[string]any{"GroupId": g, "Sender_Account": "carol"})
	s.MustOK(t, cmdDelBySender, map[string]any{"GroupId": g, "Sender_Account": "nobody"})
	_, list = history(t, s, g, map[string]any{"WithRecalledMsg": 1})
	for _, m := range list {
		if seq := num(t, m, "MsgSeq"); (seq == b || seq == c2) && num(t, m, "IsPlaceMsg") != 2 {
			t.Errorf("carol's message %d after delete_group_msg_by_sender: %v", seq, m)
		}
	}
}

// TestHistoryWindow checks ReqMsgNumber and ReqMsgSeq: the window, clamping to 20,
// IsFinished, and the codes.
func TestHistoryWindow(t *testing.T) {
	s, _ := msgServer(t, timtest.Options{})
	g := s.MustCreateGroup(t, "Public", "owner", "bob")
	for i := range 25 {
		send(t, s, g, "bob", i, textBody, codeOK)
	}
	finished, list := history(t, s, g, map[string]any{"ReqMsgNumber": 100})
	if len(list) != 20 || num(t, list[0], "MsgSeq") != 25 || num(t, list[19], "MsgSeq") != 6 || finished != 1 {
		t.Errorf("ReqMsgNumber 100: %d messages from %v, IsFinished %d", len(list), list[0]["MsgSeq"], finished)
	}
	finished, list = history(t, s, g, map[string]any{"ReqMsgNumber": 10, "ReqMsgSeq": 5})
	if len(list) != 5 || num(t, list[0], "MsgSeq") != 5 || finished != 1 {
		t.Errorf("ReqMsgSeq 5: %d messages, IsFinished %d", len(list), finished)
	}
	if _, list = history(t, s, g, map[string]any{"ReqMsgSeq": 0}); len(list) != 0 {
		t.Errorf("ReqMsgSeq 0: %d messages", len(list))
	}
	mustCode(t, s, cmdHistory, map[string]any{"GroupId": g}, codeInvalid)
	mustCode(t, s, cmdHistory, map[string]any{"GroupId": g, "ReqMsgNumber": 0}, codeInvalid)
	mustCode(t, s, cmdHistory, map[string]any{"GroupId": "@TGS#2AAAAAAAA", "ReqMsgNumber": 1}, codeNoGroup)
	s.Advance(7*24*time.Hour + time.Second)
	finished, list = history(t, s, g, map[string]any{"ReqMsgNumber": 3})
	if finished != 2 || len(list) != 3 || num(t, list[0], "IsPlaceMsg") != 1 || len(list[0]["MsgBody"].([]any)) != 0 {
		t.Errorf("after the retention: IsFinished %d, %v", finished, list)
	}
	mustCode(t, s, cmdRecall, map[string]any{"GroupId": g, "MsgSeqList": []any{map[string]any{"MsgSeq": 25}}}, codeOK)
	r := s.MustOK(t, cmdRecall, map[string]any{"GroupId": g, "MsgSeqList": []any{map[string]any{"MsgSeq": 24}}})
	if got, _ := json.Marshal(r.Fields["RecallRetList"]); string(got) != `[{"MsgSeq":24,"RetCode":10030}]` {
		t.Errorf("recall of an expired message: %s", got)
	}
}

// TestAVChatRoomMessages checks that an AVChatRoom answers sends with its own MsgSeq,
// stores nothing, and refuses the history commands with 10007.
func TestAVChatRoomMessages(t *testing.T) {
	s, _ := msgServer(t, timtest.Options{})
	av := s.MustCreateGroup(t, "AVChatRoom", "owner")
	if a, b := seqOf(t, send(t, s, av, "bob", 1, textBody, codeOK)), seqOf(t, send(t, s, av, "bob", 1, textBody, codeOK)); a != 1 || b != 2 {
		t.Errorf("AVChatRoom MsgSeqs: %d %d, want 1 2 (no dedup: nothing is stored)", a, b)
	}
	mustCode(t, s, cmdHistory, map[string]any{"GroupId": av, "ReqMsgNumber": 1}, codeNotAllowed)
	mustCode(t, s, cmdRecall, map[string]any{"GroupId": av, "MsgSeqList": []any{map[string]any{"MsgSeq": 1}}}, codeNotAllowed)
	mustCode(t, s, cmdModifyMsg, map[string]any{"GroupId": av, "MsgSeq": 1, "CloudCustomData": "x"}, codeNotAllowed)
	mustCode(t, s, cmdImportMsg, map[string]any{"GroupId": av, "MsgList": []any{map[string]any{"From_Account": "bob", "SendTime": s.Now().Unix(), "MsgBody": json.RawMessage(textBody)}}}, codeNotAllowed)
	s.MustOK(t, cmdDelBySender, map[string]any{"GroupId": av, "Sender_Account": "bob"})
	s.MustOK(t, cmdForbid, map[string]any{"GroupId": av, "Members_Account": []string{"bob"}, "MuteTime": 60})
	send(t, s, av, "bob", 2, textBody, codeMuted)
}

// TestOnlineOnly checks that a message sent online only takes no MsgSeq and is not stored.
func TestOnlineOnly(t *testing.T) {
	s, g := msgServer(t, timtest.Options{})
	_, before := history(t, s, g, nil)
	r := mustCode(t, s, cmdSend, map[string]any{"GroupId": g, "Random": 1, "OnlineOnlyFlag": 1, "MsgBody": json.RawMessage(textBody)}, codeOK)
	if seqOf(t, r) != 0 {
		t.Errorf("online-only MsgSeq: %s", r.Raw)
	}
	if _, after := history(t, s, g, nil); len(after) != len(before) {
		t.Errorf("online-only message stored: %d messages, want %d", len(after), len(before))
	}
}

// TestModifyGroupMsg checks modify_group_msg and its codes.
func TestModifyGroupMsg(t *testing.T) {
	s, g := msgServer(t, timtest.Options{})
	seq := seqOf(t, send(t, s, g, "bob", 1, textBody, codeOK))
	s.MustOK(t, cmdModifyMsg, map[string]any{"GroupId": g, "MsgSeq": seq, "MsgBody": json.RawMessage(anotherTextBody), "CloudCustomData": "c"})
	_, list := history(t, s, g, map[string]any{"ReqMsgNumber": 1})
	if got := list[0]["MsgBody"]; !cmp.Equal(got, decodeGolden(t, []byte(anotherTextBody))) || list[0]["CloudCustomData"] != "c" {
		t.Errorf("after modify: %v", list[0])
	}
	mustCode(t, s, cmdModifyMsg, map[string]any{"GroupId": "", "MsgSeq": seq, "CloudCustomData": "c"}, codeBadGroupID)
	mustCode(t, s, cmdModifyMsg, map[string]any{"GroupId": "@TGS#2AAAAAAAA", "MsgSeq": seq, "CloudCustomData": "c"}, codeNoGroup)
	mustCode(t, s, cmdModifyMsg, map[string]any{"GroupId": g, "MsgSeq": seq}, codeBadMsgBody)
	mustCode(t, s, cmdModifyMsg, map[string]any{"GroupId": g, "MsgSeq": seq, "MsgBody": json.RawMessage(`[]`)}, codeBadMsgBody)
	mustCode(t, s, cmdModifyMsg, map[string]any{"GroupId": g, "MsgSeq": 999, "CloudCustomData": "c"}, codeNoSuchMsg)
	mustCode(t, s, cmdModifyMsg, map[string]any{"GroupId": g, "MsgSeq": seq - 1, "CloudCustomData": "c"}, codeNotRecall)
	s.MustOK(t, cmdRecall, map[string]any{"GroupId": g, "MsgSeqList": []any{map[string]any{"MsgSeq": seq}}})
	mustCode(t, s, cmdModifyMsg, map[string]any{"GroupId": g, "MsgSeq": seq, "CloudCustomData": "c"}, codeNotRecall)
}

// TestImportGroupMsg checks import_group_msg: ascending times after the group's creation
// and newest message, per-message results, and the limits.
func TestImportGroupMsg(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "bob")
	created := s.Now().Unix()
	g := s.MustCreateGroup(t, "Public", "owner")
	s.Advance(time.Hour)
	item := func(at int64, body string) map[string]any {
		return map[string]any{"From_Account": "bob", "SendTime": at, "Random": 5, "MsgBody": json.RawMessage(body)}
	}
	big := `[{"MsgType":"TIMTextElem","MsgContent":{"Text":"` + strings.Repeat("x", 12000) + `"}}]`
	r := s.MustOK(t, cmdImportMsg, map[string]any{"GroupId": g, "MsgList": []any{
		item(created+10, textBody), item(created+5, textBody), item(created+20, big), item(created+30, anotherTextBody),
		item(s.Now().Unix()+10, textBody),
	}})
	want := fmt.Sprintf(`[{"MsgSeq":1,"MsgTime":%d,"Result":0},{"MsgSeq":0,"MsgTime":0,"Result":10004},{"MsgSeq":0,"MsgTime":0,"Result":80002},{"MsgSeq":2,"MsgTime":%d,"Result":0},{"MsgSeq":0,"MsgTime":0,"Result":10004}]`, created+10, created+30)
	if got, _ := json.Marshal(r.Fields["ImportMsgResult"]); string(got) != want {
		t.Errorf("ImportMsgResult:\n got %s\nwant %s", got, want)
	}
	_, list := history(t, s, g, nil)
	if len(list) != 2 || num(t, list[0], "MsgTimeStamp") != created+30 || list[1]["From_Account"] != "bob" {
		t.Errorf("history after import: %v", list)
	}
	mustCode(t, s, cmdImportMsg, map[string]any{"GroupId": g, "MsgList": []any{item(created+40, `[{"MsgType":"TIMImageElem","MsgContent":{"UUID":"u","ImageInfoArray":[]}}]`)}}, codeInvalid)
	mustCode(t, s, cmdImportMsg, map[string]any{"GroupId": g, "MsgList": make([]map[string]any, 8)}, codeInvalid)
	mustCode(t, s, cmdImportMsg, map[string]any{"GroupId": g, "MsgList": []any{}}, codeInvalid)
	mustCode(t, s, cmdImportMsg, map[string]any{"GroupId": g, "MsgList": []any{map[string]any{"From_Account": "ghost", "SendTime": created + 50, "MsgBody": json.RawMessage(textBody)}}}, codeInvalid)
}

// TestUnread checks UnreadMsgNum in get_joined_group_list: a new member starts with
// nothing unread, messages count, tips and NoUnread do not, and set_unread_msg_num is
// clamped to the messages that exist.
func TestUnread(t *testing.T) {
	s, g := msgServer(t, timtest.Options{})
	unread := func() int64 {
		t.Helper()
		r := s.MustOK(t, cmdJoined, map[string]any{"Member_Account": "bob", "ResponseFilter": map[string]any{"SelfInfoFilter": []string{"UnreadMsgNum"}}})
		self := r.Fields["GroupIdList"].([]any)[0].(map[string]any)["SelfInfo"].(map[string]any)
		return num(t, self, "UnreadMsgNum")
	}
	if n := unread(); n != 0 {
		t.Errorf("a new member's unread: %d", n)
	}
	send(t, s, g, "carol", 1, textBody, codeOK)
	send(t, s, g, "carol", 2, textBody, codeOK)
	mustCode(t, s, cmdSend, map[string]any{"GroupId": g, "Random": 3, "MsgBody": json.RawMessage(textBody), "SendMsgControl": []string{"NoUnread"}}, codeOK)
	s.MustOK(t, cmdBaseInfo, map[string]any{"GroupId": g, "Name": "tip"})
	if n := unread(); n != 2 {
		t.Errorf("unread after 2 messages, a NoUnread one and a tip: %d, want 2", n)
	}
	s.MustOK(t, cmdSetUnread, map[string]any{"GroupId": g, "Member_Account": "bob", "UnreadMsgNum": 1})
	if n := unread(); n != 1 {
		t.Errorf("after set_unread_msg_num 1: %d", n)
	}
	s.MustOK(t, cmdSetUnread, map[string]any{"GroupId": g, "Member_Account": "bob", "UnreadMsgNum": 50})
	if n := unread(); n != 2 {
		t.Errorf("after set_unread_msg_num 50: %d, want 2 (clamped)", n)
	}
	s.MustOK(t, cmdSetUnread, map[string]any{"GroupId": g, "Member_Account": "bob", "UnreadMsgNum": 0})
	if n := unread(); n != 0 {
		t.Errorf("after set_unread_msg_num 0: %d", n)
	}
}

// TestSendRate checks the per-group send rate: over it a send succeeds with
// MsgDropReason "MsgFreqCtrl" and MsgSeq 0, storing nothing.
func TestSendRate(t *testing.T) {
	s, g := msgServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Messages.SendRate = 2 }})
	_, before := history(t, s, g, nil)
	// Ten sends at 2 per second: unless they span five seconds, some are dropped.
	dropped := 0
	for i := range 10 {
		r := send(t, s, g, "bob", i, textBody, codeOK)
		switch r.Fields["MsgDropReason"] {
		case "MsgFreqCtrl":
			dropped++
			if seqOf(t, r) != 0 {
				t.Errorf("a dropped send: %s", r.Raw)
			}
		case "":
		default:
			t.Errorf("send %d: %s", i, r.Raw)
		}
	}
	if dropped == 0 {
		t.Errorf("ten sends at a rate of 2 per second: none dropped")
	}
	if _, after := history(t, s, g, nil); len(after)-len(before) != 10-dropped {
		t.Errorf("stored %d messages, want the %d not dropped", len(after)-len(before), 10-dropped)
	}
	s.Advance(time.Minute)
	if r := send(t, s, g, "bob", 99, textBody, codeOK); r.Fields["MsgDropReason"] != "" {
		t.Errorf("a send a minute later: %s", r.Raw)
	}
}

// TestSystemNotification checks send_group_system_notification's codes.
func TestSystemNotification(t *testing.T) {
	s, g := msgServer(t, timtest.Options{})
	s.MustOK(t, cmdSysNotify, map[string]any{"GroupId": g, "Content": "hi"})
	s.MustOK(t, cmdSysNotify, map[string]any{"GroupId": g, "Content": "hi", "ToMembers_Account": []string{"bob"}})
	mustCode(t, s, cmdSysNotify, map[string]any{"GroupId": g, "Content": "hi", "ToMembers_Account": []string{"dave"}}, codeInvalid)
	mustCode(t, s, cmdSysNotify, map[string]any{"GroupId": g}, codeInvalid)
	mustCode(t, s, cmdSysNotify, map[string]any{"GroupId": "@TGS#2AAAAAAAA", "Content": "x"}, codeNoGroup)
	_, list := history(t, s, g, nil)
	for _, m := range list {
		if m["IsSystemMsg"] == json.Number("0") {
			t.Errorf("a system notification was stored: %v", m)
		}
	}
}
