package group

import (
	"context"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// maxRecall caps the seqs of one group_msg_recall.
const maxRecall = 10

// deleteBySenderScope is how many of a group's newest messages delete_group_msg_by_sender
// looks through.
const deleteBySenderScope = 1000

// RecallResult is one seq's outcome of group_msg_recall: CodeOK, CodeNoSuchMessage or
// CodeNotRecallable.
type RecallResult struct {
	Seq  int64
	Code im.Code
}

// Recall is group_msg_recall: each seq of the group's stream, or of its topic topicID's,
// is recalled on its own, and one MessagesRecalled reports those that were
// (docs/compatibility.md §8). A recalled message keeps its place in the stream without
// its body.
func (s *Service) Recall(ctx context.Context, c im.Caller, groupID, topicID string, seqs []int64) ([]RecallResult, error) {
	if err := checkGroupID(c.App.Limits, groupID); err != nil {
		return nil, err
	}
	if err := checkOptionalTopicID(groupID, topicID); err != nil {
		return nil, err
	}
	if len(seqs) == 0 {
		return nil, im.Errorf(im.CodeInvalidParam, "MsgSeqList is required")
	}
	if len(seqs) > maxRecall {
		return nil, im.Errorf(im.CodeInvalidParam, "MsgSeqList has %d seqs, over the limit of %d", len(seqs), maxRecall)
	}
	out := make([]RecallResult, len(seqs))
	err := s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		if err := allow(g.Type, OpHistory, ""); err != nil {
			return err
		}
		st, err := openStream(ctx, tx, c.App, g, topicID)
		if err != nil {
			return err
		}
		var recalled []int64
		for i, seq := range seqs {
			out[i] = RecallResult{Seq: seq, Code: im.CodeOK}
			m, err := s.liveMessage(ctx, tx, c.App, st.id, seq)
			if err != nil {
				out[i].Code = im.CodeOf(err)
				if out[i].Code == im.CodeInternal {
					return err
				}
				continue
			}
			m.State, m.Body, m.CloudCustomData = im.MsgRecalled, nil, ""
			if err := tx.UpdateMessage(ctx, m); err != nil {
				return err
			}
			recalled = append(recalled, seq)
		}
		if len(recalled) == 0 {
			return nil
		}
		return s.record(ctx, tx, c, im.KindMessagesRecalled, func() im.Event {
			return im.MessagesRecalled{EventHead: s.eventHead(c, g), Topic: st.topicID(), Seqs: recalled}
		})
	})
	return out, err
}

// liveMessage returns message seq of a stream (a group's or a topic's) if it can be
// recalled or modified: 10030 when there is no such message or it has expired, 10032 for
// a tip or a message already recalled.
func (s *Service) liveMessage(ctx context.Context, tx im.Tx, app *im.App, streamID string, seq int64) (im.Message, error) {
	m, err := tx.GetMessage(ctx, app.SDKAppID, streamID, seq)
	switch {
	case errors.Is(err, im.ErrNotFound):
		return im.Message{}, im.Errorf(im.CodeNoSuchMessage, "%q has no message %d", streamID, seq)
	case err != nil:
		return im.Message{}, fmt.Errorf("get message %d: %w", seq, err)
	case m.Tip != nil:
		return im.Message{}, im.Errorf(im.CodeNotRecallable, "message %d of %q is a tip", seq, streamID)
	case m.State == im.MsgRecalled:
		return im.Message{}, im.Errorf(im.CodeNotRecallable, "message %d of %q was recalled already", seq, streamID)
	case m.State == im.MsgDeleted || s.expired(app, m):
		return im.Message{}, im.Errorf(im.CodeNoSuchMessage, "message %d of %q has expired", seq, streamID)
	}
	return m, nil
}

// DeleteBySender is delete_group_msg_by_sender: the sender's messages among the last
// 1,000 of the group's stream, or of its topic topicID's, are recalled silently (no
// callback). It succeeds when none matched, and in an AVChatRoom, which keeps no
// messages, it does nothing.
func (s *Service) DeleteBySender(ctx context.Context, c im.Caller, groupID, topicID, sender string) error {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return err
	}
	if err := checkOptionalTopicID(groupID, topicID); err != nil {
		return err
	}
	if err := checkAccount(l, "Sender_Account", sender); err != nil {
		return err
	}
	return s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil || g.Type == im.TypeAVChatRoom {
			return err
		}
		st, err := openStream(ctx, tx, c.App, g, topicID)
		if err != nil {
			return err
		}
		_, err = tx.RecallSent(ctx, g.App, st.id, sender, st.next-deleteBySenderScope)
		return err
	})
}

// ModifyMessageRequest is a modify_group_msg request; a nil field is absent.
type ModifyMessageRequest struct {
	GroupID         string
	TopicID         string // "" for the group's own stream
	Seq             *Number
	Body            *im.MsgBody
	CloudCustomData *string
}

// ModifyMessage is modify_group_msg: it replaces the MsgBody and/or CloudCustomData of a
// stored message that is not recalled or expired. Its codes are the openim family's where
// Tencent documents them (docs/compatibility.md §8).
func (s *Service) ModifyMessage(ctx context.Context, c im.Caller, r ModifyMessageRequest) error {
	if err := checkGroupID(c.App.Limits, r.GroupID); err != nil {
		return err
	}
	if err := checkOptionalTopicID(r.GroupID, r.TopicID); err != nil {
		return err
	}
	if r.Body == nil && r.CloudCustomData == nil {
		return im.Errorf(im.CodeBadMsgBody, "give MsgBody, CloudCustomData or both")
	}
	if r.Body != nil && r.Body.Problem != "" {
		return im.Errorf(im.CodeBadMsgBody, "MsgBody: %s", r.Body.Problem)
	}
	if r.Seq == nil || !r.Seq.Exact || r.Seq.Int <= 0 {
		return im.Errorf(im.CodeNoSuchMessage, "MsgSeq must name a message")
	}
	return s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
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
		m, err := s.liveMessage(ctx, tx, c.App, st.id, r.Seq.Int)
		if err != nil {
			return err
		}
		if r.Body != nil {
			m.Body = r.Body.Text
		}
		if r.CloudCustomData != nil {
			m.CloudCustomData = *r.CloudCustomData
		}
		if n := len(m.Body) + len(m.CloudCustomData); n > maxMessageBytes {
			return im.Errorf(im.CodeMessageTooLong, "the message would be %d bytes, over %d", n, maxMessageBytes)
		}
		if err := tx.UpdateMessage(ctx, m); err != nil {
			return err
		}
		note(ctx, c, im.MessageModified{EventHead: s.eventHead(c, g), Msg: m})
		return nil
	})
}

// SystemNotification is send_group_system_notification: a notification to the listed
// members (every member when none are listed), delivered to those online and never
// stored: it takes no MsgSeq (docs/compatibility.md §8).
func (s *Service) SystemNotification(ctx context.Context, c im.Caller, groupID string, to []string, content string) error {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return err
	}
	if content == "" {
		return im.Errorf(im.CodeInvalidParam, "Content is required")
	}
	if len(to) > l.AccountListBatch {
		return im.Errorf(im.CodeBatchTooLarge, "ToMembers_Account has %d accounts, over the limit of %d", len(to), l.AccountListBatch)
	}
	for _, a := range to {
		if err := checkAccount(l, "ToMembers_Account entry", a); err != nil {
			return err
		}
	}
	var g im.Group
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		var err error
		if g, err = loadGroup(ctx, tx, c.App.SDKAppID, groupID); err != nil {
			return err
		}
		if len(to) == 0 {
			return nil
		}
		if g.Type == im.TypeAVChatRoom {
			return im.Errorf(im.CodeInvalidParam, "an AVChatRoom's system notifications go to every member: leave ToMembers_Account out")
		}
		ms, err := tx.GetMembers(ctx, g.App, g.ID, to)
		if err != nil {
			return fmt.Errorf("read members: %w", err)
		}
		found := make(map[string]bool, len(ms))
		for _, m := range ms {
			found[m.Account] = true
		}
		for _, a := range to {
			if !found[a] {
				return im.Errorf(im.CodeInvalidParam, "%q is not a member of group %q", a, g.ID)
			}
		}
		return nil
	})
	if err == nil && s.live != nil {
		s.live.Publish(c, im.SystemNotified{EventHead: s.eventHead(c, g), To: to, Content: content})
	}
	return err
}
