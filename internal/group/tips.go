package group

import (
	"context"

	"github.com/timdhq/timd/internal/im"
)

// tip appends a tip to g's stream inside tx, when the app keeps tips and g's type keeps
// tips of its kind (docs/compatibility.md §8), and advances g as the store did: a caller
// that writes g afterwards writes the new NextMsgSeq. A tip takes a MsgSeq and does not
// count as unread.
func (s *Service) tip(ctx context.Context, tx im.Tx, c im.Caller, g *im.Group, t im.Tip) error {
	if !c.App.Messages.Tips || !im.TipStored(g.Type, t.Op) {
		return nil
	}
	now := s.now()
	t.Operator = c.Identifier
	m := im.TipMessage(*g, now, t)
	if err := tx.AppendMessage(ctx, m); err != nil {
		return err
	}
	g.NextMsgSeq, g.LastMsgTime = m.Seq+1, now
	note(ctx, c, im.TipAppended{EventHead: s.eventHead(c, *g), Msg: m})
	return nil
}

// muteTip is the tip of mutes set to seconds on accounts.
func muteTip(seconds int64, accounts ...string) im.Tip {
	t := im.Tip{Op: im.TipMemberInfoChange, Members: accounts}
	for _, a := range accounts {
		t.MuteChanges = append(t.MuteChanges, im.MuteChange{Account: a, Seconds: seconds})
	}
	return t
}
