package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
)

var topicScenarios = []scenario{
	{"Topic/RoundTrip", testTopicRoundTrip},
	{"Topic/Messages", testTopicMessages},
	{"Topic/GoneWithTopicGroupAndApp", testTopicGone},
}

// community is the Community "@TGS#_c" of app with SupportTopic set.
func community(app uint64) im.Group {
	g := newGroup(app, "@TGS#_c")
	g.Type, g.SupportTopic = im.TypeCommunity, true
	return g
}

// newTopic returns a topic of group g of app with every field set.
func newTopic(app uint64, g, suffix string, created int64) im.Topic {
	id := g + im.TopicInfix + suffix
	return im.Topic{
		App: app, Group: g, ID: id, Name: "name of " + suffix, FaceURL: "https://example.com/" + suffix,
		Notification: "notice of " + suffix, Introduction: "intro of " + suffix, CustomString: "custom \x01 " + suffix,
		CreateTime: created, LastMsgTime: 0, NextMsgSeq: 1, MuteAllMember: suffix == "muted",
	}
}

// mustCreateTopics creates ts in one Update.
func mustCreateTopics(tb testing.TB, s im.Store, ts ...im.Topic) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error {
		for _, tp := range ts {
			if err := tx.CreateTopic(ctx, tp); err != nil {
				return err
			}
		}
		return nil
	})
}

// mustListTopics reads the topics of group g of app.
func mustListTopics(tb testing.TB, s im.Store, app uint64, g string) []im.Topic {
	tb.Helper()
	var out []im.Topic
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		out, err = tx.ListTopics(ctx, app, g)
		return err
	})
	return out
}

// getTopic reads one topic.
func getTopic(tb testing.TB, s im.Store, app uint64, g, id string) (im.Topic, error) {
	tb.Helper()
	var out im.Topic
	err := s.View(tb.Context(), func(ctx context.Context, tx im.Tx) (err error) {
		out, err = tx.GetTopic(ctx, app, g, id)
		return err
	})
	return out, err
}

// testTopicRoundTrip checks that a Community keeps SupportTopic, that topics read back as
// created, listed in byte order of ID, apart per group and app; that a second topic
// with an ID is ErrConflict and leaves the transaction usable; and that UpdateTopic writes
// the texts and MuteAllMember.
func testTopicRoundTrip(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, community(app1))
	mustCreateGroup(t, s, community(app2))
	mustCreateGroup(t, s, newGroup(app1, "other"))
	g := mustGetGroup(t, s, app1, "@TGS#_c")
	if !g.SupportTopic {
		t.Errorf("SupportTopic of a Community created with it: got false, want true")
	}
	if g := mustGetGroup(t, s, app1, "other"); g.SupportTopic {
		t.Errorf("SupportTopic of a group created without it: got true, want false")
	}
	b, a, muted := newTopic(app1, "@TGS#_c", "b", 20), newTopic(app1, "@TGS#_c", "a", 20), newTopic(app1, "@TGS#_c", "muted", 10)
	mustCreateTopics(t, s, b, a, muted, newTopic(app1, "other", "a", 5), newTopic(app2, "@TGS#_c", "z", 1))
	if d := cmp.Diff([]im.Topic{a, b, muted}, mustListTopics(t, s, app1, "@TGS#_c")); d != "" {
		t.Errorf("ListTopics (-want +got):\n%s", d)
	}
	got, err := getTopic(t, s, app1, "@TGS#_c", a.ID)
	if err != nil || !cmp.Equal(got, a) {
		t.Errorf("GetTopic: got %+v, %v; want %+v", got, err, a)
	}
	if _, err := getTopic(t, s, app1, "other", a.ID); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetTopic of another group's ID: got %v, want ErrNotFound", err)
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.CreateTopic(ctx, a); !errors.Is(err, im.ErrConflict) {
			t.Errorf("CreateTopic of a taken ID: got %v, want ErrConflict", err)
		}
		a.Name, a.FaceURL, a.Notification, a.Introduction, a.CustomString, a.MuteAllMember = "n", "f", "no", "in", "", true
		if err := tx.UpdateTopic(ctx, a); err != nil {
			return err
		}
		missing := newTopic(app1, "@TGS#_c", "missing", 1)
		if err := tx.UpdateTopic(ctx, missing); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("UpdateTopic of no topic: got %v, want ErrNotFound", err)
		}
		return nil
	})
	if got, err := getTopic(t, s, app1, "@TGS#_c", a.ID); err != nil || !cmp.Equal(got, a) {
		t.Errorf("after UpdateTopic: got %+v, %v; want %+v", got, err, a)
	}
	if got := mustListTopics(t, s, app2, "@TGS#_c"); len(got) != 1 || got[0].Name != "name of z" {
		t.Errorf("topics of another app: got %+v, want z alone", got)
	}
}

// testTopicMessages checks a topic's stream: AppendMessage with Topic advances the topic
// and not the group, the messages read back by the topic's ID with Group and Topic set,
// the group's own stream keeps its own seqs, and a taken seq is ErrConflict.
func testTopicMessages(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, community(app1))
	tp := newTopic(app1, "@TGS#_c", "t", 1)
	mustCreateTopics(t, s, tp)
	m1, m2 := message("@TGS#_c", 1, "alice", 1700000500), message("@TGS#_c", 2, "bob", 1700000600)
	m1.Topic, m2.Topic = tp.ID, tp.ID
	own := message("@TGS#_c", 42, "carol", 1700000700)
	mustAppend(t, s, m1, m2, own)
	if d := cmp.Diff([]im.Message{m2, m1}, mustListMessages(t, s, tp.ID, im.MessageQuery{MaxSeq: 10, Limit: 10})); d != "" {
		t.Errorf("topic stream (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]im.Message{own}, mustListMessages(t, s, "@TGS#_c", im.MessageQuery{MaxSeq: 100, Limit: 10})); d != "" {
		t.Errorf("group stream (-want +got):\n%s", d)
	}
	got, err := getTopic(t, s, app1, "@TGS#_c", tp.ID)
	if err != nil || got.NextMsgSeq != 3 || got.LastMsgTime != 1700000600 {
		t.Errorf("topic after two messages: got NextMsgSeq %d LastMsgTime %d (%v), want 3 and 1700000600", got.NextMsgSeq, got.LastMsgTime, err)
	}
	if g := mustGetGroup(t, s, app1, "@TGS#_c"); g.NextMsgSeq != 43 || g.LastMsgTime != 1700000700 {
		t.Errorf("group: got NextMsgSeq %d LastMsgTime %d, want 43 and 1700000700", g.NextMsgSeq, g.LastMsgTime)
	}
	m1.State, m1.Body = im.MsgRecalled, nil
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.AppendMessage(ctx, m2); !errors.Is(err, im.ErrConflict) {
			t.Errorf("AppendMessage of a taken topic seq: got %v, want ErrConflict", err)
		}
		return tx.UpdateMessage(ctx, m1)
	})
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		got, err := tx.GetMessage(ctx, app1, tp.ID, 1)
		if err != nil || !cmp.Equal(got, m1) {
			t.Errorf("GetMessage of the updated topic message: got %+v, %v; want %+v", got, err, m1)
		}
		return nil
	})
}

// testTopicGone checks that DestroyTopic deletes a topic with its messages (and then
// ErrNotFound), and that DestroyGroup and DeleteApp delete topics and their messages.
func testTopicGone(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, community(app1))
	a, b := newTopic(app1, "@TGS#_c", "a", 1), newTopic(app1, "@TGS#_c", "b", 2)
	mustCreateTopics(t, s, a, b)
	ma, mb := message("@TGS#_c", 1, "alice", 1700000500), message("@TGS#_c", 1, "alice", 1700000500)
	ma.Topic, mb.Topic = a.ID, b.ID
	mustAppend(t, s, ma, mb)
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DestroyTopic(ctx, app1, "@TGS#_c", a.ID) })
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error { return tx.DestroyTopic(ctx, app1, "@TGS#_c", a.ID) })
	if !errors.Is(err, im.ErrNotFound) {
		t.Errorf("DestroyTopic twice: got %v, want ErrNotFound", err)
	}
	if got := mustListMessages(t, s, a.ID, im.MessageQuery{MaxSeq: 10, Limit: 10}); len(got) != 0 {
		t.Errorf("messages of a destroyed topic: %v", got)
	}
	if got := mustListTopics(t, s, app1, "@TGS#_c"); len(got) != 1 || got[0].ID != b.ID {
		t.Errorf("topics after DestroyTopic: got %+v, want b alone", got)
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DestroyGroup(ctx, app1, "@TGS#_c") })
	if got := mustListTopics(t, s, app1, "@TGS#_c"); len(got) != 0 {
		t.Errorf("topics of a destroyed group: %v", got)
	}
	if got := mustListMessages(t, s, b.ID, im.MessageQuery{MaxSeq: 10, Limit: 10}); len(got) != 0 {
		t.Errorf("messages of a destroyed group's topic: %v", got)
	}
	mustCreateGroup(t, s, community(app1))
	mustCreateTopics(t, s, a)
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, app1) })
	if got := mustListTopics(t, s, app1, "@TGS#_c"); len(got) != 0 {
		t.Errorf("topics after DeleteApp: %v", got)
	}
}
