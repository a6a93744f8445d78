package group_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// textBody is a MsgBody of one text element.
func textBody(text string) im.MsgBody {
	return im.MsgBody{Text: []byte(`[{"MsgType":"TIMTextElem","MsgContent":{"Text":"` + text + `"}}]`), Types: []string{"TIMTextElem"}}
}

// sentTo returns the groups of the MessageSent events committed since the last take.
func (e *env) sentTo() []string {
	var out []string
	for _, ev := range e.events.take() {
		if sent, ok := ev.(im.MessageSent); ok {
			out = append(out, sent.Group.ID)
		}
	}
	return out
}

// TestBroadcast checks send_broadcast_msg: every AVChatRoom of the app gets the message
// but one where the sender may not speak, the answer counts 1, 2, 3, and the app's rate
// is 1 per second by default (docs/compatibility.md §10).
func TestBroadcast(t *testing.T) {
	e := newEnv(t, "owner", "bob")
	ctx := t.Context()
	r1 := e.mustCreate(t, im.TypeAVChatRoom, "owner")
	r2 := e.mustCreate(t, im.TypeAVChatRoom, "owner")
	e.mustCreate(t, im.TypePublic, "owner", "bob")
	r3 := e.mustCreate(t, im.TypeAVChatRoom, "owner")
	if err := e.svc.BanMembers(ctx, e.caller, r2, []string{"bob"}, group.Int(60), ""); err != nil {
		t.Fatal(err)
	}
	e.events.take()
	req := group.BroadcastRequest{From: "bob", Random: group.Int(7), Body: textBody("hi all"), CloudCustomData: "cc"}
	seq, err := e.svc.Broadcast(ctx, e.caller, req)
	if err != nil || seq != 1 {
		t.Fatalf("first broadcast: got %d, %v, want 1", seq, err)
	}
	if d := cmp.Diff([]string{r1, r3}, e.sentTo()); d != "" {
		t.Errorf("rooms sent to, bob banned from the second (-want +got):\n%s", d)
	}
	_, err = e.svc.Broadcast(ctx, e.caller, group.BroadcastRequest{Random: group.Int(8), Body: textBody("again")})
	wantCode(t, "a second broadcast in the same second", err, im.CodeSendFrequency)
	e.clock.advance(time.Second)
	if seq, err := e.svc.Broadcast(ctx, e.caller, group.BroadcastRequest{Random: group.Int(8), Body: textBody("again")}); err != nil || seq != 2 {
		t.Errorf("a broadcast a second later: got %d, %v, want 2", seq, err)
	}
	if d := cmp.Diff([]string{r1, r2, r3}, e.sentTo()); d != "" {
		t.Errorf("rooms sent to by the admin (-want +got):\n%s", d)
	}
	e.caller.App.Messages.BroadcastRate = 0
	for want := int64(3); want <= 5; want++ {
		if seq, err := e.svc.Broadcast(ctx, e.caller, group.BroadcastRequest{Random: group.Int(9), Body: textBody("x")}); err != nil || seq != want {
			t.Errorf("broadcast with rate 0: got %d, %v, want %d", seq, err, want)
		}
	}
}

// TestBroadcastChecks checks the codes of send_broadcast_msg; a refused broadcast takes no
// number and sends nothing.
func TestBroadcastChecks(t *testing.T) {
	e := newEnv(t, "owner")
	ctx := t.Context()
	e.caller.App.Messages.BroadcastRate = 0
	e.mustCreate(t, im.TypeAVChatRoom, "owner")
	for _, tc := range []struct {
		name string
		req  group.BroadcastRequest
		want im.Code
	}{
		{"no Random", group.BroadcastRequest{Body: textBody("x")}, im.CodeInvalidParam},
		{"Random 2^32", group.BroadcastRequest{Random: group.Int(1 << 32), Body: textBody("x")}, im.CodeInvalidParam},
		{"bad MsgBody", group.BroadcastRequest{Random: group.Int(1), Body: im.MsgBody{Problem: "no elements"}}, im.CodeInvalidParam},
		{"12001 bytes", group.BroadcastRequest{Random: group.Int(1), Body: textBody("x"), CloudCustomData: strings.Repeat("c", 12001)}, im.CodeMessageTooLong},
		{"From_Account not imported", group.BroadcastRequest{From: "nobody", Random: group.Int(1), Body: textBody("x")}, im.CodeInvalidParam},
		{"From_Account malformed", group.BroadcastRequest{From: strings.Repeat("x", 33), Random: group.Int(1), Body: textBody("x")}, im.CodeInvalidParam},
	} {
		_, err := e.svc.Broadcast(ctx, e.caller, tc.req)
		wantCode(t, tc.name, err, tc.want)
	}
	if got := e.sentTo(); len(got) != 0 {
		t.Errorf("refused broadcasts sent to %v", got)
	}
	if seq, err := e.svc.Broadcast(ctx, e.caller, group.BroadcastRequest{Random: group.Int(1), Body: textBody("x")}); err != nil || seq != 1 {
		t.Errorf("the first broadcast after refused ones: got %d, %v, want 1", seq, err)
	}
	e.caller.App.Features.Broadcast = false
	_, err := e.svc.Broadcast(ctx, e.caller, group.BroadcastRequest{})
	wantCode(t, "feature off", err, im.CodeNotAllowed)
}

// TestOnlineMemberNum checks get_online_member_num in both services: 0 where it is
// served, 10007 elsewhere (docs/compatibility.md §10).
func TestOnlineMemberNum(t *testing.T) {
	e := newEnv(t, "owner")
	ctx := t.Context()
	ids := map[im.GroupType]string{}
	for _, typ := range im.GroupTypes {
		ids[typ] = e.mustCreate(t, typ, "owner")
	}
	check := func(what string, community bool, typ im.GroupType, want im.Code) {
		t.Helper()
		n, err := e.svc.OnlineMemberNum(ctx, e.caller, ids[typ], community)
		wantCode(t, what+" "+string(typ), err, want)
		if n != 0 {
			t.Errorf("%s %s: got %d online, want 0", what, typ, n)
		}
	}
	for _, typ := range im.GroupTypes {
		check("group service", false, typ, im.CodeOK)
		want := im.CodeNotAllowed
		if typ == im.TypeCommunity {
			want = im.CodeOK
		}
		check("Community service", true, typ, want)
	}
	e.caller.App.Features.MemberOnlineStatus = false
	for _, typ := range im.GroupTypes {
		want := im.CodeNotAllowed
		if typ == im.TypeAVChatRoom {
			want = im.CodeOK
		}
		check("group service without the feature", false, typ, want)
	}
	_, err := e.svc.OnlineMemberNum(ctx, e.caller, "", false)
	wantCode(t, "no GroupId", err, im.CodeInvalidGroupID)
	_, err = e.svc.OnlineMemberNum(ctx, e.caller, "nosuch", true)
	wantCode(t, "no such group", err, im.CodeGroupNotFound)
}
