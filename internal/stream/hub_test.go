package stream_test

import (
	"context"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/stream"
)

// members is a Reader whose groups have every account as a member.
type members struct{}

func (members) StreamMembers(_ context.Context, _ im.Caller, g string, accounts []string) ([]im.Member, error) {
	out := make([]im.Member, len(accounts))
	for i, a := range accounts {
		out[i] = im.Member{Group: g, Account: a, MsgFlag: im.MsgAcceptAndNotify}
	}
	return out, nil
}

func (members) StreamMessage(context.Context, im.Caller, string, int64) (im.Message, bool, error) {
	return im.Message{}, false, nil
}

// sent is a MessageSent of seq in group g of app.
func sent(app *im.App, g string, seq int64) (im.Caller, im.Event) {
	msg := im.Message{App: app.SDKAppID, Group: g, Seq: seq, From: "alice", Body: []byte(`[]`)}
	return im.Caller{App: app}, im.MessageSent{EventHead: im.EventHead{Group: im.Group{App: app.SDKAppID, ID: g}}, Msg: im.Outgoing{Message: msg}}
}

// TestSlowConsumer checks that a connection that does not read is closed as lagging
// once its buffer is full, while another one goes on receiving.
func TestSlowConsumer(t *testing.T) {
	h := stream.New(members{}, stream.Options{Buffer: 4})
	defer h.Close()
	app := &im.App{SDKAppID: 1}
	slow := h.Connect(1, "slow")
	defer slow.Close()
	fast := h.Connect(1, "fast")
	defer fast.Close()
	got := make(chan int64, 100)
	go func() {
		for f := range fast.Frames() {
			got <- f.Msg.Seq
		}
	}()
	for seq := int64(1); seq <= 10; seq++ {
		h.Publish(sent(app, "g", seq))
		select {
		case got := <-got:
			if got != seq {
				t.Fatalf("fast: got seq %d, want %d", got, seq)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("fast: seq %d did not arrive", seq)
		}
	}
	select {
	case <-slow.Done():
		if slow.Reason() != stream.ReasonLagging {
			t.Errorf("slow: got reason %q, want %q", slow.Reason(), stream.ReasonLagging)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the slow connection was not closed")
	}
}

// TestKick checks that a kick closes the user's connections and is remembered.
func TestKick(t *testing.T) {
	h := stream.New(members{}, stream.Options{})
	defer h.Close()
	c := h.Connect(1, "bob")
	defer c.Close()
	if on := h.Online(1, []string{"bob", "carol"}); !on["bob"] || on["carol"] {
		t.Errorf("online: got %v, want bob only", on)
	}
	h.Kick(1, "bob", 100)
	<-c.Done()
	if c.Reason() != stream.ReasonKicked || h.KickedAt(1, "bob") != 100 {
		t.Errorf("after a kick: reason %q, KickedAt %d; want %q, 100", c.Reason(), h.KickedAt(1, "bob"), stream.ReasonKicked)
	}
}
