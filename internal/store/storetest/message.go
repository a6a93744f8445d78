package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
)

var messageScenarios = []scenario{
	{"Message/RoundTrip", testMessageRoundTrip},
	{"Message/SeqConflict", testMessageSeqConflict},
	{"Message/ListWindow", testMessageListWindow},
	{"Message/FindSent", testMessageFindSent},
	{"Message/UpdateAndRecall", testMessageUpdateAndRecall},
	{"Message/Unread", testMessageUnread},
	{"Message/GoneWithGroupAndApp", testMessageGone},
	{"NoSpeaking/RoundTrip", testNoSpeaking},
	{"BroadcastSeq", testBroadcastSeq},
}

// testBroadcastSeq checks that each app's broadcast sequence counts 1, 2, 3 on its own
// and goes on counting after DeleteApp.
func testBroadcastSeq(t *testing.T, s im.Store) {
	next := func(app uint64) int64 {
		t.Helper()
		var seq int64
		MustUpdate(t, s, func(ctx context.Context, tx im.Tx) (err error) {
			seq, err = tx.NextBroadcastSeq(ctx, app)
			return err
		})
		return seq
	}
	for want := int64(1); want <= 3; want++ {
		if got := next(app1); got != want {
			t.Errorf("app 1: got %d, want %d", got, want)
		}
	}
	if got := next(app2); got != 1 {
		t.Errorf("app 2: got %d, want 1", got)
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, app1) })
	if got := next(app1); got != 4 {
		t.Errorf("app 1 after DeleteApp: got %d, want 4", got)
	}
}

// message returns message seq of group g of app1 from sender, at time t.
func message(g string, seq int64, sender string, t int64) im.Message {
	return im.Message{
		App: app1, Group: g, Seq: seq, From: sender, Random: uint32(seq * 7), Priority: im.PriorityNormal,
		Time: t, Body: []byte(`[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]`), Unread: true,
	}
}

// mustAppend appends ms, in order, each in its own Update.
func mustAppend(tb testing.TB, s im.Store, ms ...im.Message) {
	tb.Helper()
	for _, m := range ms {
		MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error { return tx.AppendMessage(ctx, m) })
	}
}

// mustListMessages reads a window of group g of app1.
func mustListMessages(tb testing.TB, s im.Store, g string, q im.MessageQuery) []im.Message {
	tb.Helper()
	var out []im.Message
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		out, err = tx.ListMessages(ctx, app1, g, q)
		return err
	})
	return out
}

func seqs(ms []im.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

// testMessageRoundTrip checks that a message and a tip read back as appended, with
// bytes kept as sent (and a message's To and At), and that AppendMessage advances the
// group.
func testMessageRoundTrip(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	m := message("g", 1, "alice", 1000)
	m.Random, m.Priority, m.CloudCustomData = 4294967295, im.PriorityLow, "c\x00\xff"
	m.Body = []byte("[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"\xff\"}}]")
	m.To, m.At = []string{"bob", "carol"}, []im.AtInfo{{All: true}, {Account: "bob"}}
	tip := im.Message{App: app1, Group: "g", Seq: 2, From: im.SystemSender, Priority: im.PriorityNormal, Time: 1001,
		Tip: &im.Tip{Op: im.TipGroupInfoChange, Operator: "admin", InfoChanges: []im.KV{{Key: "Name", Value: "new"}},
			MuteChanges: []im.MuteChange{{Account: "bob", Seconds: 60}}}}
	mustAppend(t, s, m, tip)
	var got1, got2 im.Message
	MustView(t, s, func(ctx context.Context, tx im.Tx) (err error) {
		if got1, err = tx.GetMessage(ctx, app1, "g", 1); err != nil {
			return err
		}
		got2, err = tx.GetMessage(ctx, app1, "g", 2)
		return err
	})
	if d := cmp.Diff(m, got1); d != "" {
		t.Errorf("message (-want +got):\n%s", d)
	}
	if d := cmp.Diff(tip, got2); d != "" {
		t.Errorf("tip (-want +got):\n%s", d)
	}
	g := mustGetGroup(t, s, app1, "g")
	if g.NextMsgSeq != 3 || g.LastMsgTime != 1001 {
		t.Errorf("group after two appends: NextMsgSeq %d LastMsgTime %d, want 3 1001", g.NextMsgSeq, g.LastMsgTime)
	}
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		if _, err := tx.GetMessage(ctx, app1, "g", 3); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("GetMessage of a seq not taken: got %v, want ErrNotFound", err)
		}
		if _, err := tx.GetMessage(ctx, app2, "g", 1); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("GetMessage of another app: got %v, want ErrNotFound", err)
		}
		return nil
	})
}

// testMessageSeqConflict checks that a Seq taken is ErrConflict, leaving the transaction
// usable and the group as it was.
func testMessageSeqConflict(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAppend(t, s, message("g", 1, "alice", 1000))
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.AppendMessage(ctx, message("g", 1, "bob", 2000)); !errors.Is(err, im.ErrConflict) {
			t.Errorf("AppendMessage of a taken Seq: got %v, want ErrConflict", err)
		}
		return tx.AppendMessage(ctx, message("g", 2, "bob", 2000))
	})
	if g := mustGetGroup(t, s, app1, "g"); g.NextMsgSeq != 3 {
		t.Errorf("NextMsgSeq: got %d, want 3", g.NextMsgSeq)
	}
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return tx.AppendMessage(ctx, message("nogroup", 1, "bob", 2000))
	})
	if err == nil {
		t.Errorf("AppendMessage to a missing group: got nil error")
	}
}

// testMessageListWindow checks that ListMessages answers Seq <= MaxSeq, newest first, at
// most Limit, and only the group's own.
func testMessageListWindow(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustCreateGroup(t, s, newGroup(app1, "h"))
	for i := int64(1); i <= 5; i++ {
		mustAppend(t, s, message("g", i, "alice", 1000+i), message("h", i, "bob", 1000+i))
	}
	for _, tc := range []struct {
		q    im.MessageQuery
		want []int64
	}{
		{im.MessageQuery{MaxSeq: 5, Limit: 2}, []int64{5, 4}},
		{im.MessageQuery{MaxSeq: 3, Limit: 20}, []int64{3, 2, 1}},
		{im.MessageQuery{MaxSeq: 100, Limit: 3}, []int64{5, 4, 3}},
		{im.MessageQuery{MaxSeq: 0, Limit: 3}, []int64{}},
	} {
		got := mustListMessages(t, s, "g", tc.q)
		if d := cmp.Diff(tc.want, seqs(got)); d != "" {
			t.Errorf("ListMessages %+v (-want +got):\n%s", tc.q, d)
		}
		for _, m := range got {
			if m.Group != "g" || m.From != "alice" {
				t.Errorf("ListMessages of g answered %q from %q", m.Group, m.From)
			}
		}
	}
}

// testMessageFindSent checks the lookup of a retried send: same sender and Random, at or
// after since.
func testMessageFindSent(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	a, b, c := message("g", 1, "alice", 1000), message("g", 2, "alice", 1100), message("g", 3, "bob", 1200)
	a.Random, b.Random, c.Random = 9, 9, 9
	mustAppend(t, s, a, b, c)
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		for _, tc := range []struct {
			sender string
			random uint32
			since  int64
			want   []int64
		}{
			{"alice", 9, 0, []int64{2, 1}},
			{"alice", 9, 1050, []int64{2}},
			{"alice", 8, 0, nil},
			{"bob", 9, 0, []int64{3}},
		} {
			got, err := tx.FindSent(ctx, app1, "g", tc.sender, tc.random, tc.since)
			if err != nil {
				return err
			}
			if d := cmp.Diff(tc.want, seqs(got), equateEmpty); d != "" {
				t.Errorf("FindSent %+v (-want +got):\n%s", tc, d)
			}
		}
		return nil
	})
}

// testMessageUpdateAndRecall checks UpdateMessage and RecallSent, which skips tips,
// messages already recalled, other senders and messages before minSeq.
func testMessageUpdateAndRecall(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	tip := im.Message{App: app1, Group: "g", Seq: 4, From: "alice", Time: 1004, Tip: &im.Tip{Op: im.TipJoin}}
	mustAppend(t, s, message("g", 1, "alice", 1001), message("g", 2, "alice", 1002), message("g", 3, "bob", 1003), tip,
		message("g", 5, "alice", 1005))
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		m := message("g", 5, "alice", 1005)
		m.Body, m.CloudCustomData = []byte(`[]`), "new"
		if err := tx.UpdateMessage(ctx, m); err != nil {
			return err
		}
		if err := tx.UpdateMessage(ctx, message("g", 99, "alice", 1)); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("UpdateMessage of a missing message: got %v, want ErrNotFound", err)
		}
		n, err := tx.RecallSent(ctx, app1, "g", "alice", 2)
		if n != 2 {
			t.Errorf("RecallSent: got %d, want 2 (seqs 2 and 5)", n)
		}
		return err
	})
	want := map[int64]im.MsgState{1: im.MsgNormal, 2: im.MsgRecalled, 3: im.MsgNormal, 4: im.MsgNormal, 5: im.MsgRecalled}
	for _, m := range mustListMessages(t, s, "g", im.MessageQuery{MaxSeq: 10, Limit: 10}) {
		if m.State != want[m.Seq] {
			t.Errorf("seq %d: state %d, want %d", m.Seq, m.State, want[m.Seq])
		}
		if m.Seq == 5 && (string(m.Body) != "[]" || m.CloudCustomData != "new") {
			t.Errorf("seq 5 after UpdateMessage: body %s data %q", m.Body, m.CloudCustomData)
		}
	}
}

// testMessageUnread checks CountUnread and NthUnread, which count only messages that
// count as unread.
func testMessageUnread(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	quiet := message("g", 3, "alice", 1003)
	quiet.Unread = false
	mustAppend(t, s, message("g", 1, "alice", 1001), message("g", 2, "alice", 1002), quiet, message("g", 4, "alice", 1004))
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		for after, want := range map[int64]int64{0: 3, 1: 2, 2: 1, 3: 1, 4: 0} {
			n, err := tx.CountUnread(ctx, app1, "g", after)
			if err != nil {
				return err
			}
			if n != want {
				t.Errorf("CountUnread after %d: got %d, want %d", after, n, want)
			}
		}
		for n, want := range map[int64]int64{1: 4, 2: 2, 3: 1, 4: 0} {
			seq, err := tx.NthUnread(ctx, app1, "g", n)
			if err != nil {
				return err
			}
			if seq != want {
				t.Errorf("NthUnread %d: got %d, want %d", n, seq, want)
			}
		}
		return nil
	})
}

// testMessageGone checks that destroying a group and deleting an app delete messages and
// account-wide mutes.
func testMessageGone(t *testing.T, s im.Store) {
	mustCreateGroup(t, s, newGroup(app1, "g"))
	mustAppend(t, s, message("g", 1, "alice", 1001))
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DestroyGroup(ctx, app1, "g") })
	mustCreateGroup(t, s, newGroup(app1, "g"))
	if got := mustListMessages(t, s, "g", im.MessageQuery{MaxSeq: 10, Limit: 10}); len(got) != 0 {
		t.Errorf("messages of a group created again with a destroyed ID: %v", seqs(got))
	}
	mustAppend(t, s, message("g", 1, "alice", 1001))
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.SetNoSpeaking(ctx, app1, "alice", im.NoSpeaking{GroupUntil: 5}); err != nil {
			return err
		}
		return tx.DeleteApp(ctx, app1)
	})
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		if ns, err := tx.GetNoSpeaking(ctx, app1, "alice"); err != nil || ns != (im.NoSpeaking{}) {
			t.Errorf("nospeaking after DeleteApp: %+v, %v", ns, err)
		}
		return nil
	})
	if got := mustListMessages(t, s, "g", im.MessageQuery{MaxSeq: 10, Limit: 10}); len(got) != 0 {
		t.Errorf("messages after DeleteApp: %v", seqs(got))
	}
}

// testNoSpeaking checks SetNoSpeaking and GetNoSpeaking, per app, and that a zero value,
// and deleting the account, delete the record.
func testNoSpeaking(t *testing.T, s im.Store) {
	mustPutAccounts(t, s, im.Account{App: app1, UserID: "alice"})
	get := func(app uint64) im.NoSpeaking {
		var ns im.NoSpeaking
		MustView(t, s, func(ctx context.Context, tx im.Tx) (err error) {
			ns, err = tx.GetNoSpeaking(ctx, app, "alice")
			return err
		})
		return ns
	}
	set := func(ns im.NoSpeaking) {
		MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.SetNoSpeaking(ctx, app1, "alice", ns) })
	}
	if got := get(app1); got != (im.NoSpeaking{}) {
		t.Errorf("before any set: %+v", got)
	}
	set(im.NoSpeaking{C2CUntil: 10, GroupUntil: im.MuteForever})
	if got := get(app1); got != (im.NoSpeaking{C2CUntil: 10, GroupUntil: im.MuteForever}) {
		t.Errorf("after set: %+v", got)
	}
	if got := get(app2); got != (im.NoSpeaking{}) {
		t.Errorf("another app: %+v", got)
	}
	set(im.NoSpeaking{GroupUntil: 20})
	if got := get(app1); got != (im.NoSpeaking{GroupUntil: 20}) {
		t.Errorf("after a second set: %+v", got)
	}
	set(im.NoSpeaking{})
	if got := get(app1); got != (im.NoSpeaking{}) {
		t.Errorf("after a zero set: %+v", got)
	}
	set(im.NoSpeaking{GroupUntil: 20})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteAccount(ctx, app1, "alice") })
	if got := get(app1); got != (im.NoSpeaking{}) {
		t.Errorf("after DeleteAccount: %+v", got)
	}
}
