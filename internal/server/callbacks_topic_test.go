package server_test

import (
	"encoding/json"
	"testing"

	"github.com/timdhq/timd/internal/webhook"
)

// TestCallbackTopics checks the topic callbacks (docs/compatibility.md §12):
// Group.CallbackBeforeCreateTopic (and a refusal, 10016), Group.CallbackAfterCreateTopic,
// Group.CallbackAfterTopicInfoChanged, Group.CallbackAfterTopicDestroyed, none for
// import_topic, and TopicId in the message callbacks.
func TestCallbackTopics(t *testing.T) {
	s, rc := newCBServer(t, nil)
	const g, topic = "@TGS#_cb", "@TGS#_cb@TOPIC#_news"
	s.MustOK(t, cmdCreate, map[string]any{"GroupId": g, "Owner_Account": "alice", "Type": "Community", "Name": "c",
		"SupportTopic": 1, "MemberList": members("bob")})
	s.MustOK(t, "million_group_open_http_svc/create_topic", map[string]any{"GroupId": g, "TopicId": topic, "TopicName": "news", "From_Account": "bob"})
	before := rc.mustWait(t, webhook.BeforeCreateTopic, g, 1)
	mustCallback(t, s, before[0], map[string]any{"GroupId": g, "Operator_Account": "bob", "Type": "Community", "Name": "news"})
	created := rc.mustWait(t, webhook.AfterCreateTopic, g, 1)
	mustCallback(t, s, created[0], map[string]any{
		"GroupId": g, "TopicId": topic, "Operator_Account": "bob", "Owner_Account": "alice", "Type": "Community",
		"Name": "news", "UserDefinedDataList": []any{},
	})
	rc.answer(webhook.BeforeCreateTopic, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"no"}`)
	mustCode(t, s, "million_group_open_http_svc/create_topic", map[string]any{"GroupId": g, "TopicName": "refused"}, 10016)
	s.MustOK(t, "group_open_http_svc/import_topic", map[string]any{"GroupId": g, "TopicId": g + "@TOPIC#_imp", "TopicName": "imp"})

	s.MustOK(t, "million_group_open_http_svc/modify_topic", map[string]any{"GroupId": g, "TopicId": topic, "Notification": "hello", "MuteAllMember": "On"})
	changed := rc.mustWait(t, webhook.AfterTopicInfoChanged, g, 1)
	mustCallback(t, s, changed[0], map[string]any{
		"GroupId": g, "TopicId": topic, "Type": "Community", "Operator_Account": "administrator", "Notification": "hello",
	})

	r := s.MustOK(t, cmdSend, map[string]any{"GroupId": g, "TopicId": topic, "Random": 9, "MsgBody": json.RawMessage(textMsg)}).Fields
	after := rc.mustWait(t, webhook.AfterSendMsg, g, 1)
	mustCallback(t, s, after[0], map[string]any{
		"GroupId": g, "Type": "Community", "From_Account": s.Admin(), "Operator_Account": s.Admin(), "Random": json.Number("9"),
		"OnlineOnlyFlag": json.Number("0"), "MsgBody": decoded(t, textMsg), "CloudCustomData": "", "TopicId": topic,
		"MsgSeq": r["MsgSeq"], "MsgTime": r["MsgTime"],
	})
	s.MustOK(t, cmdRecall, map[string]any{"GroupId": g, "TopicId": topic, "MsgSeqList": []any{map[string]any{"MsgSeq": 1}}})
	recalled := rc.mustWait(t, webhook.AfterRecallMsg, g, 1)
	mustCallback(t, s, recalled[0], map[string]any{
		"GroupId": g, "Type": "Community", "Operator_Account": s.Admin(), "TopicId": topic,
		"MsgSeqList": []any{map[string]any{"MsgSeq": json.Number("1")}},
	})

	s.MustOK(t, "million_group_open_http_svc/destroy_topic", map[string]any{"GroupId": g, "TopicIdList": []string{topic, g + "@TOPIC#_none"}})
	destroyed := rc.mustWait(t, webhook.AfterTopicDestroyed, g, 1)
	mustCallback(t, s, destroyed[0], map[string]any{"GroupId": g, "Type": "Community", "TopicIdList": []any{topic}})
	if got := len(rc.of(webhook.AfterCreateTopic, g)); got != 1 {
		t.Errorf("AfterCreateTopic callbacks: got %d, want 1 (none for the refused create nor import_topic)", got)
	}
}
