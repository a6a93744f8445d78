package timtest

import (
	"context"
	"testing"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/server"
)

// Message is one entry of a group's message stream as a test sees it: a message someone
// sent, or a tip (a group event timd recorded in the stream).
type Message struct {
	Seq    int64
	From   string // "@TIM#SYSTEM" for a tip
	Random uint32
	Time   int64 // unix seconds
	// Body is the MsgBody JSON as sent (nil for a tip).
	Body            []byte
	CloudCustomData string
	// TipType is a tip's OpType (1 join, 2 invite, 3 quit, 4 kicked, 5 set admin,
	// 6 cancel admin, 7 group info change, 8 member info change); 0 for a message.
	TipType int
	// TipMembers are the accounts a tip concerns.
	TipMembers []string
	Recalled   bool
	Unread     bool // counts as unread for members who have not read it
}

// SystemNotification is one send_group_system_notification that timd delivered.
type SystemNotification struct {
	GroupID string
	To      []string // the members addressed; empty for everyone
	Content string
}

// Messages returns every stored message and tip of a group, oldest first, read from the
// store without paging through group_msg_get_simple.
func (s *Server) Messages(tb testing.TB, groupID string) []Message {
	tb.Helper()
	var out []Message
	s.seed(tb, "read messages", func(ctx context.Context, srv *server.Server, c im.Caller) error {
		return srv.Store().View(ctx, func(ctx context.Context, tx im.Tx) error {
			g, err := tx.GetGroup(ctx, c.App.SDKAppID, groupID)
			if err != nil {
				return err
			}
			for top := g.NextMsgSeq - 1; top > 0; {
				ms, err := tx.ListMessages(ctx, c.App.SDKAppID, groupID, im.MessageQuery{MaxSeq: top, Limit: 1000})
				if err != nil || len(ms) == 0 {
					return err
				}
				for _, m := range ms {
					out = append(out, message(m))
				}
				top = ms[len(ms)-1].Seq - 1
			}
			return nil
		})
	})
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Tips returns the tips of a group, oldest first.
func (s *Server) Tips(tb testing.TB, groupID string) []Message {
	tb.Helper()
	var out []Message
	for _, m := range s.Messages(tb, groupID) {
		if m.TipType != 0 {
			out = append(out, m)
		}
	}
	return out
}

// message turns a stored message into a Message.
func message(m im.Message) Message {
	out := Message{
		Seq: m.Seq, From: m.From, Random: m.Random, Time: m.Time, Body: m.Body,
		CloudCustomData: m.CloudCustomData, Recalled: m.State == im.MsgRecalled, Unread: m.Unread,
	}
	if m.Tip != nil {
		out.TipType, out.TipMembers = int(m.Tip.Op), m.Tip.Members
	}
	return out
}

// SystemNotifications returns the system notifications sent in the first app since the
// server started (or was last reset), oldest first, at most the last 1,000.
func (s *Server) SystemNotifications() []SystemNotification {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []SystemNotification
	for _, ev := range s.srv.LiveEvents(s.SDKAppID()) {
		if n, ok := ev.(im.SystemNotified); ok {
			out = append(out, SystemNotification{GroupID: n.Group.ID, To: n.To, Content: n.Content})
		}
	}
	return out
}
