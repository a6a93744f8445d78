package group_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// mustCommunity creates a Community that holds topics, owned by owner with members, and
// returns its ID.
func (e *env) mustCommunity(tb testing.TB, owner string, members ...string) string {
	tb.Helper()
	r := group.CreateRequest{Type: "Community", Name: "c", Owner: owner, SupportTopic: group.Int(1)}
	for _, m := range members {
		r.Members = append(r.Members, group.NewMember{Account: m})
	}
	c, err := e.svc.CreateGroup(tb.Context(), e.caller, r)
	if err != nil {
		tb.Fatalf("create Community: %v", err)
	}
	e.events.take()
	return c.GroupID
}

// mustTopic creates a topic of g named name, with the ID g@TOPIC#_suffix ("" mints one).
func (e *env) mustTopic(tb testing.TB, g, suffix, name string) string {
	tb.Helper()
	r := group.TopicRequest{GroupID: g, Name: &name}
	if suffix != "" {
		r.TopicID = g + im.TopicInfix + suffix
	}
	id, err := e.svc.CreateTopic(tb.Context(), e.caller, r)
	if err != nil {
		tb.Fatalf("create topic %q: %v", suffix, err)
	}
	return id
}

// sendTo sends text from from into topic of g ("" for the group's own stream).
func (e *env) sendTo(tb testing.TB, g, topic, from, text string, random int64) (group.Sent, error) {
	tb.Helper()
	return e.svc.SendMessage(tb.Context(), e.caller, group.SendRequest{
		GroupID: g, TopicID: topic, From: from, Random: group.Int(random),
		Body: im.MsgBody{Text: []byte(`[{"MsgType":"TIMTextElem","MsgContent":{"Text":"` + text + `"}}]`), Types: []string{"TIMTextElem"}},
	})
}

// TestTopics checks create, get, modify and destroy of topics and their callbacks
// (docs/compatibility.md §12).
func TestTopics(t *testing.T) {
	e := newEnv(t, "owner", "m1")
	ctx := t.Context()
	g := e.mustCommunity(t, "owner", "m1")
	name, intro := "news", "the news"
	id, err := e.svc.CreateTopic(ctx, e.caller, group.TopicRequest{GroupID: g, TopicID: g + "@TOPIC#_news", From: "m1", Name: &name, Introduction: &intro})
	if err != nil || id != g+"@TOPIC#_news" {
		t.Fatalf("create_topic with a custom ID: got %q, %v", id, err)
	}
	minted := e.mustTopic(t, g, "", "chat")
	if !strings.HasPrefix(minted, g+"@TOPIC#_@TOPIC#c") || len(minted) != len(g)+len("@TOPIC#_@TOPIC#c")+10 {
		t.Errorf("minted topic ID: got %q, want %s@TOPIC#_@TOPIC#c and 10 characters", minted, g)
	}
	evs := e.events.take()
	if len(evs) != 2 {
		t.Fatalf("events of two creates: got %d (%v), want 2", len(evs), evs)
	}
	created := evs[0].(im.TopicCreated)
	if created.Topic.ID != id || created.Operator != "m1" || created.Group.ID != g || created.Topic.Name != "news" {
		t.Errorf("TopicCreated: got %+v", created)
	}
	var asked []im.CreatingTopic
	for _, ev := range e.events.asked {
		if ct, ok := ev.(im.CreatingTopic); ok {
			asked = append(asked, ct)
		}
	}
	if len(asked) != 2 || asked[0].Topic.Name != "news" || asked[0].Operator != "m1" {
		t.Errorf("CreatingTopic asked: got %+v, want one per create, by the From_Account", asked)
	}

	got, err := e.svc.Topics(ctx, e.caller, g, "m1", nil)
	if err != nil {
		t.Fatalf("get_topic: %v", err)
	}
	if len(got) != 2 || got[0].Topic.ID != minted || got[1].Topic.ID != id {
		t.Fatalf("get_topic of all: got %+v, want the minted topic, then %q (byte order)", got, id)
	}
	want := im.Topic{App: e.caller.App.SDKAppID, Group: g, ID: id, Name: "news", Introduction: "the news", CreateTime: 1_800_000_000, NextMsgSeq: 1}
	if d := cmp.Diff(want, got[1].Topic); d != "" {
		t.Errorf("topic (-want +got):\n%s", d)
	}
	if got[1].Self != (group.TopicSelf{MsgFlag: im.MsgAcceptAndNotify}) {
		t.Errorf("SelfInfo of m1: got %+v", got[1].Self)
	}

	notice, on := "read me", "On"
	if err := e.svc.ModifyTopic(ctx, e.caller, group.TopicRequest{GroupID: g, TopicID: id, Notification: &notice, MuteAllMember: &on}); err != nil {
		t.Fatalf("modify_topic: %v", err)
	}
	changed := e.events.take()
	if len(changed) != 1 || changed[0].(im.TopicInfoChanged).Notification == nil || changed[0].(im.TopicInfoChanged).Name != nil {
		t.Errorf("TopicInfoChanged: got %+v, want one with the Notification alone", changed)
	}
	if err := e.svc.ModifyTopic(ctx, e.caller, group.TopicRequest{GroupID: g, TopicID: id, MuteAllMember: ptr("Off")}); err != nil {
		t.Fatalf("modify_topic MuteAllMember alone: %v", err)
	}
	if evs := e.events.take(); len(evs) != 0 {
		t.Errorf("MuteAllMember alone: got events %v, want none", evs)
	}

	res, err := e.svc.DestroyTopics(ctx, e.caller, g, []string{id, id, g + "@TOPIC#_none"})
	if err != nil {
		t.Fatalf("destroy_topic: %v", err)
	}
	codes := []im.Code{res[0].Code, res[1].Code, res[2].Code}
	if !cmp.Equal(codes, []im.Code{im.CodeOK, im.CodeTopicGone, im.CodeTopicGone}) {
		t.Errorf("destroy_topic codes: got %v, want 0, 110003 (named twice), 110003", codes)
	}
	if evs := e.events.take(); len(evs) != 1 || !cmp.Equal(evs[0].(im.TopicsDestroyed).Topics, []string{id}) {
		t.Errorf("TopicsDestroyed: got %+v, want one listing %q", evs, id)
	}
	got, err = e.svc.Topics(ctx, e.caller, g, "m1", []string{id, minted})
	if err != nil || got[0].Code != im.CodeTopicGone || got[1].Code != im.CodeOK {
		t.Errorf("get_topic after destroy: got %+v, %v; want 110003 then the minted topic", got, err)
	}
}

// TestTopicChecks checks the codes of the topic commands in their order
// (docs/compatibility.md §12).
func TestTopicChecks(t *testing.T) {
	e := newEnv(t, "owner", "m1")
	ctx := t.Context()
	g := e.mustCommunity(t, "owner", "m1")
	plain, err := e.svc.CreateGroup(ctx, e.caller, group.CreateRequest{Type: "Community", Name: "c", Owner: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	pub := e.mustCreate(t, im.TypePublic, "owner")
	name := func(s string) *string { return &s }
	create := func(r group.TopicRequest) error {
		_, err := e.svc.CreateTopic(ctx, e.caller, r)
		return err
	}
	for _, tc := range []struct {
		what string
		r    group.TopicRequest
		code im.Code
	}{
		{"no GroupId", group.TopicRequest{Name: name("x")}, im.CodeInvalidGroupID},
		{"TopicId of another group", group.TopicRequest{GroupID: g, TopicID: "@TGS#_x@TOPIC#_a", Name: name("x")}, im.CodeInvalidParam},
		{"TopicId without a suffix", group.TopicRequest{GroupID: g, TopicID: g + "@TOPIC#_", Name: name("x")}, im.CodeInvalidParam},
		{"TopicId in the minted form", group.TopicRequest{GroupID: g, TopicID: g + "@TOPIC#_@TOPIC#cABC", Name: name("x")}, im.CodeInvalidParam},
		{"TopicId holding @TGS#_", group.TopicRequest{GroupID: g, TopicID: g + "@TOPIC#_a@TGS#_b", Name: name("x")}, im.CodeInvalidParam},
		{"TopicId over 96 bytes", group.TopicRequest{GroupID: g, TopicID: g + "@TOPIC#_" + strings.Repeat("a", 97-len(g)-8), Name: name("x")}, im.CodeInvalidParam},
		{"no TopicName", group.TopicRequest{GroupID: g}, im.CodeInvalidParam},
		{"TopicName of 31 bytes", group.TopicRequest{GroupID: g, Name: name(strings.Repeat("a", 31))}, im.CodeInvalidParam},
		{"CustomString of 3001 bytes", group.TopicRequest{GroupID: g, Name: name("x"), CustomString: name(strings.Repeat("a", 3001))}, im.CodeInvalidParam},
		{"From_Account malformed", group.TopicRequest{GroupID: g, Name: name("x"), From: "a\x01"}, im.CodeInvalidParam},
		{"no such group", group.TopicRequest{GroupID: "@TGS#_none", Name: name("x")}, im.CodeGroupNotFound},
		{"a Public group", group.TopicRequest{GroupID: pub, Name: name("x")}, im.CodeNoTopics},
		{"a Community without SupportTopic", group.TopicRequest{GroupID: plain.GroupID, Name: name("x")}, im.CodeNoTopics},
		{"From_Account not imported", group.TopicRequest{GroupID: g, Name: name("x"), From: "nobody"}, im.CodeInvalidParam},
	} {
		wantCode(t, "create_topic "+tc.what, create(tc.r), tc.code)
	}
	if _, err := e.svc.CreateTopic(ctx, e.caller, group.TopicRequest{GroupID: g, TopicID: g + "@TOPIC#_a", Name: name("a")}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "create_topic of a taken ID", create(group.TopicRequest{GroupID: g, TopicID: g + "@TOPIC#_a", Name: name("x")}), im.CodeGroupIDInUse)
	wantCode(t, "SupportTopic 1 for a Public group", func() error {
		_, err := e.svc.CreateGroup(ctx, e.caller, group.CreateRequest{Type: "Public", Name: "p", SupportTopic: group.Int(1)})
		return err
	}(), im.CodeInvalidParam)
	wantCode(t, "SupportTopic 2", func() error {
		_, err := e.svc.CreateGroup(ctx, e.caller, group.CreateRequest{Type: "Community", Name: "p", SupportTopic: group.Int(2)})
		return err
	}(), im.CodeInvalidParam)
	wantCode(t, "a Community ID holding @TOPIC#", func() error {
		_, err := e.svc.CreateGroup(ctx, e.caller, group.CreateRequest{Type: "Community", Name: "p", GroupID: "@TGS#_x@TOPIC#_y"})
		return err
	}(), im.CodeInvalidGroupID)

	_, err = e.svc.Topics(ctx, e.caller, g, "", nil)
	wantCode(t, "get_topic without From_Account", err, im.CodeInvalidParam)
	wantCode(t, "modify_topic of no topic", e.svc.ModifyTopic(ctx, e.caller, group.TopicRequest{GroupID: g, TopicID: g + "@TOPIC#_none", Name: name("x")}), im.CodeGroupNotFound)
	wantCode(t, "modify_topic MuteAllMember Maybe", e.svc.ModifyTopic(ctx, e.caller, group.TopicRequest{GroupID: g, TopicID: g + "@TOPIC#_a", MuteAllMember: name("Maybe")}), im.CodeInvalidParam)
	_, err = e.svc.DestroyTopics(ctx, e.caller, g, nil)
	wantCode(t, "destroy_topic without TopicIdList", err, im.CodeInvalidParam)

	e.caller.App.Features.Topics = false
	wantCode(t, "create_topic with the feature off", create(group.TopicRequest{GroupID: g, Name: name("x")}), im.CodeNoTopics)
	_, err = e.svc.History(ctx, e.caller, group.HistoryRequest{GroupID: g, TopicID: g + "@TOPIC#_a", Number: group.Int(5)})
	wantCode(t, "history of a topic with the feature off", err, im.CodeNoTopics)
	e.caller.App.Features.Topics = true

	e.caller.App.Limits.TopicsPerCommunity = 2
	e.events.take()
	if _, err := e.svc.ImportTopic(ctx, e.caller, group.TopicRequest{GroupID: g, TopicID: g + "@TOPIC#_b"}); err != nil {
		t.Fatalf("import_topic without a name: %v", err)
	}
	if evs := e.events.take(); len(evs) != 0 {
		t.Errorf("import_topic: got events %v, want none", evs)
	}
	wantCode(t, "a third topic over the limit of 2", create(group.TopicRequest{GroupID: g, Name: name("x")}), im.CodeTooManyTopics)
}

// TestTopicMessages checks that each topic has its own MsgSeq and history, apart from the
// Community's own stream; that recall, modify and import work per topic; that a topic's
// MuteAllMember silences ordinary members only; and that destroying the Community
// destroys its topics and their messages (docs/compatibility.md §12).
func TestTopicMessages(t *testing.T) {
	e := newEnv(t, "owner", "m1", "m2")
	ctx := t.Context()
	g := e.mustCommunity(t, "owner", "m1", "m2")
	a, b := e.mustTopic(t, g, "a", "a"), e.mustTopic(t, g, "b", "b")
	e.events.take()
	for i, to := range []string{a, a, b, "", a} {
		if _, err := e.sendTo(t, g, to, "m1", "hi", int64(i)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	seqs := func(topic string) []int64 {
		t.Helper()
		page, err := e.svc.History(ctx, e.caller, group.HistoryRequest{GroupID: g, TopicID: topic, Number: group.Int(20), WithRecalled: true})
		if err != nil {
			t.Fatalf("history of %q: %v", topic, err)
		}
		var out []int64
		for _, m := range page.Messages {
			out = append(out, m.Seq)
			if m.Topic != topic || m.Group != g {
				t.Errorf("message %d of %q: got Group %q Topic %q", m.Seq, topic, m.Group, m.Topic)
			}
		}
		return out
	}
	if got := seqs(a); !cmp.Equal(got, []int64{3, 2, 1}) {
		t.Errorf("topic a: got seqs %v, want 3 2 1", got)
	}
	if got := seqs(b); !cmp.Equal(got, []int64{1}) {
		t.Errorf("topic b: got seqs %v, want 1", got)
	}
	if got := seqs(""); len(got) != 1 {
		t.Errorf("the Community's own stream: got seqs %v, want one message", got)
	}
	sent := e.events.take()
	last := sent[len(sent)-1].(im.MessageSent)
	if last.Msg.Topic != a || last.Msg.Seq != 3 {
		t.Errorf("MessageSent of the last send: got Topic %q Seq %d, want %q and 3", last.Msg.Topic, last.Msg.Seq, a)
	}
	if again, err := e.sendTo(t, g, a, "m1", "hi", 4); err != nil || again.Seq != 3 {
		t.Errorf("a retried send into a topic: got %+v, %v; want the first MsgSeq 3", again, err)
	}

	res, err := e.svc.Recall(ctx, e.caller, g, a, []int64{2, 9})
	if err != nil || res[0].Code != im.CodeOK || res[1].Code != im.CodeNoSuchMessage {
		t.Errorf("recall in topic a: got %+v, %v; want 0 then 10030", res, err)
	}
	if evs := e.events.take(); len(evs) != 1 || evs[0].(im.MessagesRecalled).Topic != a {
		t.Errorf("MessagesRecalled: got %+v, want one of topic a", evs)
	}
	ccd := "x"
	if err := e.svc.ModifyMessage(ctx, e.caller, group.ModifyMessageRequest{GroupID: g, TopicID: b, Seq: group.Int(1), CloudCustomData: &ccd}); err != nil {
		t.Errorf("modify a message of topic b: %v", err)
	}
	imported, err := e.svc.ImportMessages(ctx, e.caller, g, b, []group.ImportedMessage{{From: "m2", SendTime: 1_800_000_000, Body: im.MsgBody{Text: []byte(`[]`)}}})
	if err != nil || imported[0].Code != im.CodeOK || imported[0].Seq != 2 {
		t.Errorf("import into topic b: got %+v, %v; want MsgSeq 2", imported, err)
	}

	on := "On"
	if err := e.svc.ModifyTopic(ctx, e.caller, group.TopicRequest{GroupID: g, TopicID: b, MuteAllMember: &on}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sendTo(t, g, b, "m2", "muted", 10)
	wantCode(t, "an ordinary member's send into a topic that mutes all", err, im.CodeMuted)
	if _, err := e.sendTo(t, g, b, "owner", "owner speaks", 11); err != nil {
		t.Errorf("the owner's send into a topic that mutes all: %v", err)
	}
	if _, err := e.sendTo(t, g, a, "m2", "other topic", 12); err != nil {
		t.Errorf("a send into another topic: %v", err)
	}
	if err := e.svc.ForbidSendMsg(ctx, e.caller, g, []string{"m2"}, group.Int(60)); err != nil {
		t.Fatal(err)
	}
	_, err = e.sendTo(t, g, a, "m2", "muted in the Community", 16)
	wantCode(t, "a send into a topic by a member muted in the Community", err, im.CodeMuted)
	_, err = e.sendTo(t, g, g+"@TOPIC#_none", "m1", "x", 13)
	wantCode(t, "a send into no topic", err, im.CodeGroupNotFound)
	_, err = e.sendTo(t, g, "@TGS#_other@TOPIC#_a", "m1", "x", 14)
	wantCode(t, "a send with another group's TopicId", err, im.CodeInvalidParam)
	pub := e.mustCreate(t, im.TypePublic, "owner", "m1")
	_, err = e.sendTo(t, pub, pub+"@TOPIC#_a", "m1", "x", 15)
	wantCode(t, "a send into a topic of a Public group", err, im.CodeNoTopics)

	if err := e.svc.DeleteBySender(ctx, e.caller, g, a, "m1"); err != nil {
		t.Fatalf("delete_group_msg_by_sender in topic a: %v", err)
	}
	page, err := e.svc.History(ctx, e.caller, group.HistoryRequest{GroupID: g, TopicID: a, Number: group.Int(20)})
	if err != nil || len(page.Messages) != 1 || page.Messages[0].From != "m2" {
		t.Errorf("topic a after deleting m1's: got %+v, %v; want m2's alone", page.Messages, err)
	}

	if err := e.svc.DestroyGroup(ctx, e.caller, g); err != nil {
		t.Fatal(err)
	}
	g2 := e.mustCommunity(t, "owner") // the same ID is not reused, but the topics must be gone
	if got, err := e.svc.Topics(ctx, e.caller, g2, "owner", nil); err != nil || len(got) != 0 {
		t.Errorf("topics of a new Community: got %+v, %v", got, err)
	}
}
