package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/timtest"
)

const (
	cmdBroadcast       = "group_open_http_svc/send_broadcast_msg"
	cmdOnlineNum       = "group_open_http_svc/get_online_member_num"
	cmdCommunityOnline = "million_group_open_http_svc/get_online_member_num"
	codeSendFrequency  = 10023
)

// TestSendBroadcastMsg checks send_broadcast_msg on the wire: its MsgSeq counts the app's
// broadcasts, every AVChatRoom's stream advances, the rate is 1 per second by default
// (docs/compatibility.md §10).
func TestSendBroadcastMsg(t *testing.T) {
	s := newServer(t, timtest.Options{})
	s.MustImportAccounts(t, "owner", "bob")
	rooms := []string{s.MustCreateGroup(t, "AVChatRoom", "owner"), s.MustCreateGroup(t, "AVChatRoom", "owner")}
	pub := s.MustCreateGroup(t, "Public", "owner", "bob")
	nextSeq := func(g string) int64 {
		t.Helper()
		info := s.MustOK(t, cmdGroupInfo, map[string]any{"GroupIdList": []string{g}})
		return num(t, list(info.Fields["GroupInfo"])[0].(map[string]any), "NextMsgSeq")
	}
	before := []int64{nextSeq(rooms[0]), nextSeq(rooms[1]), nextSeq(pub)}
	body := map[string]any{"From_Account": "bob", "Random": 1, "MsgBody": json.RawMessage(textBody), "CloudCustomData": "cc"}
	wantRaw(t, "first broadcast", s.MustOK(t, cmdBroadcast, body), `,"MsgSeq":1`)
	for i, g := range rooms {
		if got := nextSeq(g); got != before[i]+1 {
			t.Errorf("room %d: NextMsgSeq %d, want %d", i, got, before[i]+1)
		}
	}
	if got := nextSeq(pub); got != before[2] {
		t.Errorf("the Public group: NextMsgSeq %d, want %d (no broadcast)", got, before[2])
	}
	// Ten more at 1 per second: unless they span ten seconds, some are refused.
	refused, last := 0, int64(1)
	for range 10 {
		r := s.MustCall(t, cmdBroadcast, body)
		switch r.ErrorCode {
		case codeSendFrequency:
			refused++
		case codeOK:
			if seq := num(t, r.Fields, "MsgSeq"); seq != last+1 {
				t.Errorf("MsgSeq %d after %d", seq, last)
			}
			last++
		default:
			t.Fatalf("broadcast: %s", r.Raw)
		}
	}
	if refused == 0 {
		t.Errorf("ten broadcasts at 1 per second: none refused")
	}
	mustCode(t, s, cmdBroadcast, map[string]any{"Random": 1}, codeInvalid)
	mustCode(t, s, cmdBroadcast, map[string]any{"From_Account": "nobody", "Random": 1, "MsgBody": json.RawMessage(textBody)}, codeInvalid)
}

// TestOnlineMemberNum checks both get_online_member_num on the wire: always 0, timd having
// no client connections; for groups other than AVChatRooms only with the member online
// status feature (docs/compatibility.md §10).
func TestOnlineMemberNum(t *testing.T) {
	for _, feature := range []bool{true, false} {
		s := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Features.MemberOnlineStatus = feature }})
		s.MustImportAccounts(t, "owner")
		av := s.MustCreateGroup(t, "AVChatRoom", "owner")
		pub := s.MustCreateGroup(t, "Public", "owner")
		comm := s.MustCreateGroup(t, "Community", "owner")
		wantRaw(t, "AVChatRoom", s.MustOK(t, cmdOnlineNum, map[string]any{"GroupId": av}), `,"OnlineMemberNum":0`)
		mustCode(t, s, cmdCommunityOnline, map[string]any{"GroupId": av}, codeNotAllowed)
		mustCode(t, s, cmdCommunityOnline, map[string]any{"GroupId": pub}, codeNotAllowed)
		if feature {
			wantRaw(t, "Public", s.MustOK(t, cmdOnlineNum, map[string]any{"GroupId": pub}), `,"OnlineMemberNum":0`)
			wantRaw(t, "Community", s.MustOK(t, cmdCommunityOnline, map[string]any{"GroupId": comm}), `,"OnlineMemberNum":0`)
		} else {
			mustCode(t, s, cmdOnlineNum, map[string]any{"GroupId": pub}, codeNotAllowed)
			mustCode(t, s, cmdCommunityOnline, map[string]any{"GroupId": comm}, codeNotAllowed)
		}
		mustCode(t, s, cmdOnlineNum, map[string]any{"GroupId": "nosuch"}, codeNoGroup)
		mustCode(t, s, cmdOnlineNum, map[string]any{}, codeBadGroupID)
	}
}

// TestBroadcastFeature checks that the broadcast feature turned off answers 10007.
func TestBroadcastFeature(t *testing.T) {
	s := newServer(t, timtest.Options{Configure: func(c *config.Config) { c.Apps[0].Features.Broadcast = false }})
	mustCode(t, s, cmdBroadcast, map[string]any{"Random": 1, "MsgBody": json.RawMessage(textBody)}, codeNotAllowed)
}
