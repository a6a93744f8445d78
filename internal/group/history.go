package group

import (
	"context"

	"github.com/timdhq/timd/internal/im"
)

// maxHistoryPage caps the messages of one group_msg_get_simple answer.
const maxHistoryPage = 20

// HistoryRequest is a group_msg_get_simple request.
type HistoryRequest struct {
	GroupID      string
	TopicID      string  // "" for the group's own stream
	Number       *Number // ReqMsgNumber: 1..20, more is taken as 20
	MaxSeq       *Number // ReqMsgSeq: nil for the newest
	WithRecalled bool
}

// Completeness values of a history page (IsFinished).
const (
	HistoryPartial    = 0 // some seqs of the window are not in the page
	HistoryComplete   = 1 // every seq of the window is in the page
	HistoryAllExpired = 2 // the window held only expired messages
)

// HistoryPage is a group_msg_get_simple answer: messages newest first, with State
// MsgDeleted (and no body) for those past the app's retention.
type HistoryPage struct {
	GroupID  string
	Finished int
	Messages []im.Message
}

// History is group_msg_get_simple: the messages with MsgSeq <= ReqMsgSeq, newest first,
// at most ReqMsgNumber; recalled ones only when asked for (docs/compatibility.md §8). A
// page is one range scan of the group's stream and never waits for a send.
func (s *Service) History(ctx context.Context, c im.Caller, r HistoryRequest) (HistoryPage, error) {
	if err := checkGroupID(c.App.Limits, r.GroupID); err != nil {
		return HistoryPage{}, err
	}
	if err := checkOptionalTopicID(r.GroupID, r.TopicID); err != nil {
		return HistoryPage{}, err
	}
	if r.Number == nil || !r.Number.Exact || r.Number.Int <= 0 {
		return HistoryPage{}, im.Errorf(im.CodeInvalidParam, "ReqMsgNumber must be an integer from 1 to %d", maxHistoryPage)
	}
	if r.MaxSeq != nil && (!r.MaxSeq.Exact || r.MaxSeq.Int < 0) {
		return HistoryPage{}, im.Errorf(im.CodeInvalidParam, "ReqMsgSeq %s is not a MsgSeq", r.MaxSeq.Text)
	}
	n := min(r.Number.Int, maxHistoryPage)
	page := HistoryPage{GroupID: r.GroupID}
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, r.GroupID)
		if err != nil {
			return err
		}
		if err := allow(g.Type, OpHistory, ""); err != nil {
			return err
		}
		st, err := openStream(ctx, tx, c.App, g, r.TopicID)
		if err != nil {
			return err
		}
		top := st.next - 1
		if r.MaxSeq != nil {
			top = min(top, r.MaxSeq.Int)
		}
		ms, err := tx.ListMessages(ctx, g.App, st.id, im.MessageQuery{MaxSeq: top, Limit: int(n)})
		if err != nil {
			return err
		}
		page.Messages, page.Finished = s.historyWindow(c.App, ms, top, n, r.WithRecalled)
		return nil
	})
	return page, err
}

// historyWindow turns the stored window of seqs top-n+1..top into the page: expired
// messages lose their bodies, recalled ones are left out unless asked for, and Finished
// tells whether every seq of the window is in the page.
func (s *Service) historyWindow(app *im.App, ms []im.Message, top, n int64, withRecalled bool) ([]im.Message, int) {
	window := min(n, top)
	out := make([]im.Message, 0, len(ms))
	expired := 0
	for _, m := range ms {
		if s.expired(app, m) {
			m.State, m.Body, m.CloudCustomData = im.MsgDeleted, nil, ""
			expired++
		}
		if m.State == im.MsgRecalled && !withRecalled {
			continue
		}
		out = append(out, m)
	}
	switch {
	case window > 0 && expired == len(ms) && int64(len(ms)) == window:
		return out, HistoryAllExpired
	case int64(len(out)) == window:
		return out, HistoryComplete
	}
	return out, HistoryPartial
}

// expired reports whether m is older than the app's retention.
func (s *Service) expired(app *im.App, m im.Message) bool {
	r := app.Messages.Retention
	return r > 0 && m.State != im.MsgRecalled && m.Time < s.now()-r
}
