package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

const (
	cmdCreateTopic  = "million_group_open_http_svc/create_topic"
	cmdGetTopic     = "million_group_open_http_svc/get_topic"
	cmdModifyTopic  = "million_group_open_http_svc/modify_topic"
	cmdDestroyTopic = "million_group_open_http_svc/destroy_topic"
	cmdImportTopic  = "group_open_http_svc/import_topic"
	codeNoTopics    = 11000
	codeTopicGone   = 110003
	codeTooMany     = 10037
)

// answerOf decodes an answer's fields.
func answerOf(tb testing.TB, r *timtest.Response) struct {
	MsgSeq     int64
	TopicID    string `json:"TopicId"`
	RspMsgList []any
} {
	tb.Helper()
	var v struct {
		MsgSeq     int64
		TopicID    string `json:"TopicId"`
		RspMsgList []any
	}
	if err := r.Decode(&v); err != nil {
		tb.Fatalf("decode %s: %v", r.Raw, err)
	}
	return v
}

// topicText is a MsgBody of one text.
func topicText(text string) []any {
	return []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]string{"Text": text}}}
}

// TestTopicWire checks the topic commands on the wire (docs/compatibility.md §12): the
// answers of create_topic, import_topic, get_topic (with and without ResponseFilter),
// modify_topic and destroy_topic, and TopicId in the message commands.
func TestTopicWire(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "m1")
	const g, news, old = "@TGS#_c", "@TGS#_c@TOPIC#_news", "@TGS#_c@TOPIC#_old"
	r := s.MustOK(t, "group_open_http_svc/create_group", map[string]any{
		"GroupId": g, "Type": "Community", "Name": "c", "Owner_Account": "owner", "SupportTopic": 1,
		"MemberList": []any{map[string]string{"Member_Account": "m1"}},
	})
	wantRaw(t, "create_group with SupportTopic", r, `,"GroupId":"@TGS#_c","Type":"Community","HugeGroupFlag":0`)
	r = s.MustOK(t, "group_open_http_svc/get_group_info", map[string]any{"GroupIdList": []string{g},
		"ResponseFilter": map[string]any{"GroupBaseInfoFilter": []string{"Type", "SupportTopic"}}})
	wantRaw(t, "get_group_info SupportTopic", r, `,"GroupInfo":[{"GroupId":"@TGS#_c","ErrorCode":0,"ErrorInfo":"","Type":"Community","SupportTopic":1}]`)

	r = s.MustOK(t, cmdCreateTopic, map[string]any{"GroupId": g, "TopicId": news, "TopicName": "news", "From_Account": "m1"})
	wantRaw(t, "create_topic", r, `,"TopicId":"@TGS#_c@TOPIC#_news"`)
	t0 := s.Now().Unix() - 3600
	r = s.MustOK(t, cmdImportTopic, map[string]any{"Type": "Community", "GroupId": g, "TopicId": old, "TopicName": "old",
		"CustomString": "cs", "FaceUrl": "http://f", "Notification": "n", "Introduction": "i", "CreateTime": t0})
	wantRaw(t, "import_topic", r, `,"TopicId":"@TGS#_c@TOPIC#_old"`)
	r = s.MustOK(t, "group_open_http_svc/import_group_msg", map[string]any{"GroupId": g, "TopicId": old,
		"MsgList": []any{map[string]any{"From_Account": "m1", "SendTime": t0 + 10, "Random": 5, "MsgBody": topicText("imported")}}})
	wantRaw(t, "import_group_msg into a topic", r, fmt.Sprintf(`,"ImportMsgResult":[{"MsgSeq":1,"MsgTime":%d,"Result":0}]`, t0+10))

	r = s.MustOK(t, cmdGetTopic, map[string]any{"GroupId": g, "From_Account": "m1", "TopicIdList": []string{old, "@TGS#_c@TOPIC#_none"}})
	wantRaw(t, "get_topic", r, fmt.Sprintf(`,"TopicAndSelfInfo":[`+
		`{"ErrorCode":0,"ErrorInfo":"","SelfInfo":{"ShutUpTime":0,"MsgSeq":1,"MsgFlag":"AcceptAndNotify"},`+
		`"TopicInfo":{"TopicName":"old","GroupID":"@TGS#_c","FaceUrl":"http://f","TopicId":"@TGS#_c@TOPIC#_old","NextMsgSeq":2,`+
		`"Notification":"n","Introduction":"i","CreateTime":%d,"LastMsgTime":%d,"MuteAllMember":"Off","ShutUpAllFlag":0,"CustomString":"cs"}},`+
		`{"ErrorCode":110003,"ErrorInfo":"group \"@TGS#_c\" has no topic \"@TGS#_c@TOPIC#_none\"","TopicInfo":{"TopicId":"@TGS#_c@TOPIC#_none"}}]`, t0, t0+10))
	r = s.MustOK(t, cmdGetTopic, map[string]any{"GroupId": g, "From_Account": "nobody", "ResponseFilter": []string{"TopicName", "NextMsgSeq"}})
	wantRaw(t, "get_topic of all, filtered, for a non-member", r, `,"TopicAndSelfInfo":[`+
		`{"ErrorCode":0,"ErrorInfo":"","SelfInfo":{"ShutUpTime":0,"MsgSeq":0,"MsgFlag":""},"TopicInfo":{"TopicName":"news","TopicId":"@TGS#_c@TOPIC#_news","NextMsgSeq":1}},`+
		`{"ErrorCode":0,"ErrorInfo":"","SelfInfo":{"ShutUpTime":0,"MsgSeq":1,"MsgFlag":""},"TopicInfo":{"TopicName":"old","TopicId":"@TGS#_c@TOPIC#_old","NextMsgSeq":2}}]`)

	send := map[string]any{"GroupId": g, "TopicId": news, "From_Account": "m1", "Random": 1, "MsgBody": topicText("hi")}
	if got := answerOf(t, s.MustOK(t, "group_open_http_svc/send_group_msg", send)).MsgSeq; got != 1 {
		t.Errorf("first send into a topic: got MsgSeq %d, want 1", got)
	}
	r = s.MustOK(t, "group_open_http_svc/group_msg_get_simple", map[string]any{"GroupId": g, "TopicId": news, "ReqMsgNumber": 5})
	if got := answerOf(t, r).RspMsgList; len(got) != 1 {
		t.Errorf("history of the topic: got %d messages, want 1", len(got))
	}
	r = s.MustOK(t, "group_open_http_svc/group_msg_get_simple", map[string]any{"GroupId": g, "ReqMsgNumber": 5})
	if got := answerOf(t, r).RspMsgList; len(got) != 0 {
		t.Errorf("history of the Community's own stream: got %d messages, want none", len(got))
	}
	wantRaw(t, "modify_topic", s.MustOK(t, cmdModifyTopic, map[string]any{"GroupId": g, "TopicId": news, "MuteAllMember": "On", "TopicName": "News"}), ``)
	send["Random"] = 2
	mustCode(t, s, "group_open_http_svc/send_group_msg", send, codeMuted)
	s.MustOK(t, "openim/modify_group_msg", map[string]any{"GroupId": g, "TopicId": news, "MsgSeq": 1, "CloudCustomData": "x"})
	r = s.MustOK(t, "group_open_http_svc/group_msg_recall", map[string]any{"GroupId": g, "TopicId": news, "MsgSeqList": []any{map[string]int{"MsgSeq": 1}, map[string]int{"MsgSeq": 2}}})
	wantRaw(t, "group_msg_recall in a topic", r, `,"RecallRetList":[{"MsgSeq":1,"RetCode":0},{"MsgSeq":2,"RetCode":10030}]`)
	s.MustOK(t, "group_open_http_svc/delete_group_msg_by_sender", map[string]any{"GroupId": g, "TopicId": old, "Sender_Account": "m1"})

	r = s.MustOK(t, cmdDestroyTopic, map[string]any{"GroupId": g, "TopicIdList": []string{news, news}})
	wantRaw(t, "destroy_topic", r, `,"DestroyResultItem":[{"ErrorCode":0,"ErrorInfo":"","TopicId":"@TGS#_c@TOPIC#_news"},`+
		`{"ErrorCode":110003,"ErrorInfo":"group \"@TGS#_c\" has no topic \"@TGS#_c@TOPIC#_news\"","TopicId":"@TGS#_c@TOPIC#_news"}]`)
	mustCode(t, s, "group_open_http_svc/group_msg_get_simple", map[string]any{"GroupId": g, "TopicId": news, "ReqMsgNumber": 5}, codeNoGroup)
	mustCode(t, s, "group_open_http_svc/send_group_msg", send, codeNoGroup)
}

// TestTopicCodes checks the codes of the topic commands: 11000 for a group that holds no
// topics, 10004 for a malformed TopicId or a missing From_Account, 10021 for a taken
// TopicId, 10037 over the limit, 10010 once the Community is destroyed.
func TestTopicCodes(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner")
	pub := s.MustCreateGroup(t, "Public", "owner")
	plain := s.MustCreateGroup(t, "Community", "owner")
	mustCode(t, s, cmdCreateTopic, map[string]any{"GroupId": pub, "TopicName": "x"}, codeNoTopics)
	mustCode(t, s, cmdCreateTopic, map[string]any{"GroupId": plain, "TopicName": "x"}, codeNoTopics)
	mustCode(t, s, cmdGetTopic, map[string]any{"GroupId": plain, "From_Account": "owner"}, codeNoTopics)
	mustCode(t, s, "group_open_http_svc/group_msg_get_simple", map[string]any{"GroupId": pub, "TopicId": pub + "@TOPIC#_x", "ReqMsgNumber": 1}, codeNoTopics)
	mustCode(t, s, "group_open_http_svc/create_group", map[string]any{"Type": "Public", "Name": "p", "SupportTopic": 1}, codeInvalid)

	const g = "@TGS#_t"
	s.MustOK(t, "group_open_http_svc/create_group", map[string]any{"GroupId": g, "Type": "Community", "Name": "c", "SupportTopic": 1})
	minted := answerOf(t, s.MustOK(t, cmdCreateTopic, map[string]any{"GroupId": g, "TopicName": "x"})).TopicID
	if want := g + "@TOPIC#_@TOPIC#c"; len(minted) != len(want)+10 || minted[:len(want)] != want {
		t.Errorf("minted TopicId: got %q, want %s and 10 characters", minted, want)
	}
	mustCode(t, s, cmdCreateTopic, map[string]any{"GroupId": g, "TopicId": "@TGS#_x@TOPIC#_a", "TopicName": "x"}, codeInvalid)
	mustCode(t, s, cmdCreateTopic, map[string]any{"GroupId": g, "TopicId": minted, "TopicName": "x"}, codeInvalid)
	mustCode(t, s, cmdGetTopic, map[string]any{"GroupId": g}, codeInvalid)
	mustCode(t, s, cmdDestroyTopic, map[string]any{"GroupId": g, "TopicIdList": []string{}}, codeInvalid)
	mustCode(t, s, cmdModifyTopic, map[string]any{"GroupId": g, "TopicId": g + "@TOPIC#_none", "TopicName": "y"}, codeNoGroup)
	s.MustOK(t, cmdImportTopic, map[string]any{"GroupId": g, "TopicId": g + "@TOPIC#_a"})
	mustCode(t, s, cmdImportTopic, map[string]any{"GroupId": g, "TopicId": g + "@TOPIC#_a"}, codeIDInUse)
	mustCode(t, s, cmdImportTopic, map[string]any{"GroupId": g, "Type": "Public"}, codeInvalid)
	mustCode(t, s, cmdImportTopic, map[string]any{"GroupId": g, "CreateTime": s.Now().Unix() + 60}, codeInvalid)

	s.MustOK(t, "group_open_http_svc/destroy_group", map[string]any{"GroupId": g})
	mustCode(t, s, cmdGetTopic, map[string]any{"GroupId": g, "From_Account": "owner"}, codeNoGroup)
	s.MustOK(t, "group_open_http_svc/create_group", map[string]any{"GroupId": g, "Type": "Community", "Name": "c", "SupportTopic": 1})
	wantRaw(t, "get_topic of a Community created again", s.MustOK(t, cmdGetTopic, map[string]any{"GroupId": g, "From_Account": "owner"}), `,"TopicAndSelfInfo":[]`)
}

// TestTopicLimit checks the topics_per_community limit (10037) and the topics feature
// switch (11000).
func TestTopicLimit(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: func(c *config.Config) {
		c.Apps[0].Limits.TopicsPerCommunity = 2
	}})
	const g = "@TGS#_l"
	s.MustOK(t, "group_open_http_svc/create_group", map[string]any{"GroupId": g, "Type": "Community", "Name": "c", "SupportTopic": 1})
	s.MustOK(t, cmdCreateTopic, map[string]any{"GroupId": g, "TopicName": "a"})
	s.MustOK(t, cmdImportTopic, map[string]any{"GroupId": g, "TopicName": "b"})
	mustCode(t, s, cmdCreateTopic, map[string]any{"GroupId": g, "TopicName": "c"}, codeTooMany)
	mustCode(t, s, cmdImportTopic, map[string]any{"GroupId": g, "TopicName": "c"}, codeTooMany)

	off := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Features.Topics = false }})
	off.MustOK(t, "group_open_http_svc/create_group", map[string]any{"GroupId": g, "Type": "Community", "Name": "c", "SupportTopic": 1})
	mustCode(t, off, cmdCreateTopic, map[string]any{"GroupId": g, "TopicName": "a"}, codeNoTopics)
}
