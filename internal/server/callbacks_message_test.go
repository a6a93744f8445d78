package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/webhook"
)

const (
	cmdSend   = "group_open_http_svc/send_group_msg"
	cmdRecall = "group_open_http_svc/group_msg_recall"
	cmdHist   = "group_open_http_svc/group_msg_get_simple"
	textMsg   = `[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hello"}}]`
)

// decoded is a JSON text as the receiver decodes bodies, numbers as json.Number.
func decoded(t *testing.T, text string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// jsonEqual reports whether two decoded JSON values are equal.
func jsonEqual(a, b any) bool { return cmp.Equal(a, b) }

// TestCallbackSendMsg checks Group.CallbackBeforeSendMsg and Group.CallbackAfterSendMsg:
// their bodies, a refusal (10016), an app's own code, a drop, a replaced body, and
// ForbidCallbackControl (docs/compatibility.md §8).
func TestCallbackSendMsg(t *testing.T) {
	s, rc := newCBServer(t, nil)
	mustGroup(t, s, "room", "bob")
	send := func(extra map[string]any, want int) map[string]any {
		t.Helper()
		body := map[string]any{"GroupId": "room", "From_Account": "bob", "Random": 77, "MsgBody": json.RawMessage(textMsg), "CloudCustomData": "cc"}
		for k, v := range extra {
			body[k] = v
		}
		return mustCode(t, s, cmdSend, body, want).Fields
	}
	r := send(nil, 0)
	seq := r["MsgSeq"]
	before := rc.mustWait(t, webhook.BeforeSendMsg, "", 1)
	mustCallback(t, s, before[0], map[string]any{
		"GroupId": "room", "Type": "Public", "From_Account": "bob", "Operator_Account": s.Admin(), "Random": json.Number("77"),
		"OnlineOnlyFlag": json.Number("0"), "MsgBody": decoded(t, textMsg), "CloudCustomData": "cc",
	})
	after := rc.mustWait(t, webhook.AfterSendMsg, "room", 1)
	mustCallback(t, s, after[0], map[string]any{
		"GroupId": "room", "Type": "Public", "From_Account": "bob", "Operator_Account": s.Admin(), "Random": json.Number("77"),
		"OnlineOnlyFlag": json.Number("0"), "MsgBody": decoded(t, textMsg), "CloudCustomData": "cc",
		"MsgSeq": seq, "MsgTime": r["MsgTime"],
	})

	rc.answer(webhook.BeforeSendMsg, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"no"}`)
	send(map[string]any{"Random": 1}, 10016)
	rc.answer(webhook.BeforeSendMsg, `{"ActionStatus":"FAIL","ErrorCode":10150,"ErrorInfo":"spam"}`)
	send(map[string]any{"Random": 2}, 10150)
	rc.answer(webhook.BeforeSendMsg, `{"ActionStatus":"OK","ErrorCode":2}`)
	if r := send(map[string]any{"Random": 3}, 0); r["MsgDropReason"] != "CallbackDrop" || r["MsgSeq"] != json.Number("0") {
		t.Errorf("a dropped message: %v", r)
	}
	replaced := `[{"MsgType":"TIMTextElem","MsgContent":{"Text":"***"}}]`
	rc.answer(webhook.BeforeSendMsg, `{"ActionStatus":"OK","ErrorCode":0,"MsgBody":`+replaced+`,"CloudCustomData":"new"}`)
	send(map[string]any{"Random": 4}, 0)
	h := s.MustOK(t, cmdHist, map[string]any{"GroupId": "room", "ReqMsgNumber": 1}).Fields
	newest := h["RspMsgList"].([]any)[0].(map[string]any)
	if !jsonEqual(newest["MsgBody"], decoded(t, replaced)) || newest["CloudCustomData"] != "new" {
		t.Errorf("the stored message after a replacing answer: %v", newest)
	}
	rc.answer(webhook.BeforeSendMsg, `{"ActionStatus":"OK","ErrorCode":1}`)
	send(map[string]any{"Random": 5, "ForbidCallbackControl": []string{"ForbidBeforeSendMsgCallback"}}, 0)
	send(map[string]any{"Random": 6, "ForbidCallbackControl": []string{"ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"}}, 0)
	send(map[string]any{"Random": 7, "ForbidCallbackControl": []string{"ForbidBeforeSendMsgCallback"}}, 0)
	// Stored: Random 77, 4, 5, 6 and 7; Random 6 forbids its after-callback. The refused
	// and dropped sends have none. Callbacks arrive asynchronously: wait for the four,
	// then make sure no fifth follows.
	rc.mustWait(t, webhook.AfterSendMsg, "room", 4)
	time.Sleep(300 * time.Millisecond)
	var randoms []string
	for _, c := range rc.of(webhook.AfterSendMsg, "room") {
		randoms = append(randoms, fmt.Sprint(c.Body["Random"]))
	}
	if want := []string{"77", "4", "5", "7"}; !cmp.Equal(randoms, want) {
		t.Errorf("after-callbacks by Random: got %v, want %v (6 forbade its own)", randoms, want)
	}
}

// TestCallbackSendMsgDenyOnFailure checks that a before-callback that fails refuses the
// message with 80003 when the app denies on failure.
func TestCallbackSendMsgDenyOnFailure(t *testing.T) {
	s, rc := newCBServer(t, func(c *webhook.Config) { c.DenyOnFailure = true })
	mustGroup(t, s, "room", "bob")
	rc.answer(webhook.BeforeSendMsg, `not json`)
	mustCode(t, s, cmdSend, map[string]any{"GroupId": "room", "Random": 1, "MsgBody": json.RawMessage(textMsg)}, 80003)
}

// TestCallbackRecallMsg checks Group.CallbackAfterRecallMsg.
func TestCallbackRecallMsg(t *testing.T) {
	s, rc := newCBServer(t, nil)
	mustGroup(t, s, "room", "bob")
	seq := mustCode(t, s, cmdSend, map[string]any{"GroupId": "room", "Random": 1, "MsgBody": json.RawMessage(textMsg)}, 0).Fields["MsgSeq"]
	s.MustOK(t, cmdRecall, map[string]any{"GroupId": "room", "MsgSeqList": []any{map[string]any{"MsgSeq": seq}, map[string]any{"MsgSeq": 999}}})
	got := rc.mustWait(t, webhook.AfterRecallMsg, "room", 1)
	mustCallback(t, s, got[0], map[string]any{
		"GroupId": "room", "Type": "Public", "Operator_Account": s.Admin(), "MsgSeqList": []any{map[string]any{"MsgSeq": seq}},
	})
}
