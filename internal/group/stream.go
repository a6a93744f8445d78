package group

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/timdhq/timd/internal/im"
)

// Delivery is how one message reaches one member's stream (docs/compatibility.md §14).
type Delivery struct {
	// Notify tells the client to alert its user, by the member's MsgFlag.
	Notify bool
	// Own marks the member's own send, echoed back to it.
	Own bool
}

// Deliver decides whether member receives m on its stream, and how: a member whose
// MsgFlag is Discard receives nothing of the group; a message sent To_Account reaches
// only those accounts and its sender; the sender receives its own send marked Own,
// without Notify; others are notified by their MsgFlag (AcceptAndNotify always,
// AcceptNotNotify never, AcceptNotNotifyExceptAt when m mentions them or everyone).
func Deliver(m im.Message, member im.Member) (Delivery, bool) {
	if member.MsgFlag == im.MsgDiscard {
		return Delivery{}, false
	}
	if m.From == member.Account {
		return Delivery{Own: true}, true
	}
	if len(m.To) > 0 && !slices.Contains(m.To, member.Account) {
		return Delivery{}, false
	}
	switch member.MsgFlag {
	case im.MsgAcceptNotNotify:
		return Delivery{}, true
	case im.MsgAcceptNotNotifyExceptAt:
		return Delivery{Notify: mentions(m, member.Account)}, true
	}
	return Delivery{Notify: true}, true
}

// Watcher is the membership an app admin watching a group (not a member) has on its
// stream: it receives every message, none notified.
func Watcher(account string) im.Member {
	return im.Member{Account: account, MsgFlag: im.MsgAcceptNotNotify}
}

// StreamWatch returns the group an app admin asks to watch: 10010 if there is none.
func (s *Service) StreamWatch(ctx context.Context, c im.Caller, groupID string) (im.Group, error) {
	if err := checkGroupID(c.App.Limits, groupID); err != nil {
		return im.Group{}, err
	}
	var g im.Group
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) (err error) {
		g, err = loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		return err
	})
	return g, err
}

// mentions reports whether m mentions account, or everyone.
func mentions(m im.Message, account string) bool {
	for _, at := range m.At {
		if at.All || at.Account == account {
			return true
		}
	}
	return false
}

// StreamGroups returns every group account is a member of, with its membership: where
// its stream starts.
func (s *Service) StreamGroups(ctx context.Context, c im.Caller, account string) ([]im.Joined, error) {
	var out []im.Joined
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) (err error) {
		out, err = tx.ListJoined(ctx, c.App.SDKAppID, account)
		return err
	})
	return out, err
}

// StreamMembers returns the memberships of the listed accounts in a group, in any
// order, leaving out the accounts that are no members: who of those connected receives
// the group's events, and with which MsgFlag. nil accounts returns every member.
func (s *Service) StreamMembers(ctx context.Context, c im.Caller, groupID string, accounts []string) ([]im.Member, error) {
	var out []im.Member
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) (err error) {
		if accounts == nil {
			out, err = tx.ListMembers(ctx, c.App.SDKAppID, groupID, im.MemberQuery{})
			return err
		}
		out, err = tx.GetMembers(ctx, c.App.SDKAppID, groupID, accounts)
		return err
	})
	return out, err
}

// StreamMessage returns one stored message of a group as a stream delivers it (an
// expired one without its body), or false when it is not stored.
func (s *Service) StreamMessage(ctx context.Context, c im.Caller, groupID string, seq int64) (im.Message, bool, error) {
	ms, err := s.readStream(ctx, c, groupID, seq-1, seq)
	if err != nil || len(ms) == 0 {
		return im.Message{}, false, err
	}
	return ms[0], true, nil
}

// maxReplayPage bounds the messages of one replay read.
const maxReplayPage = 100

// StreamReplay returns what account missed of a group: the stored messages with Seq in
// (after, upTo], oldest first, at most 100 of them, each with how it reaches account
// (Deliver), leaving out those it does not receive; recalled messages come as recalled
// and expired ones without their bodies, so that no Seq goes missing without a reason.
// next is the Seq to read on from (past upTo when nothing is left); member is false
// when account is no longer a member. With watch, account is an app admin watching the
// group: it gets every message, without Notify, member or not.
func (s *Service) StreamReplay(ctx context.Context, c im.Caller, account, groupID string, after, upTo int64, watch bool) (out []Replayed, next int64, member bool, err error) {
	var m im.Member
	var ms []im.Message
	err = s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		g, mm, found, err := tx.GetGroupMember(ctx, c.App.SDKAppID, groupID, account, im.KeepGroup)
		if watch && err == nil {
			mm, found = Watcher(account), true
		}
		if err != nil || !found {
			return ignoreNotFound(err)
		}
		m, member = mm, true
		upTo = min(upTo, g.NextMsgSeq-1, after+maxReplayPage)
		if upTo <= after {
			return nil
		}
		ms, err = tx.ListMessages(ctx, g.App, g.ID, im.MessageQuery{MaxSeq: upTo, Limit: int(upTo - after)})
		return err
	})
	if err != nil || !member {
		return nil, 0, member, err
	}
	next = max(upTo, after) + 1
	for i := len(ms) - 1; i >= 0; i-- {
		msg := s.asStreamed(c.App, ms[i])
		if watch {
			out = append(out, Replayed{Msg: msg})
		} else if d, ok := Deliver(msg, m); ok {
			out = append(out, Replayed{Msg: msg, Delivery: d})
		}
	}
	return out, next, true, nil
}

// Replayed is one message of a replay and how it reaches its member.
type Replayed struct {
	Msg      im.Message
	Delivery Delivery
}

// readStream reads the stored messages of a group with Seq in (after, upTo], oldest
// first, as a stream delivers them.
func (s *Service) readStream(ctx context.Context, c im.Caller, groupID string, after, upTo int64) ([]im.Message, error) {
	var ms []im.Message
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) (err error) {
		ms, err = tx.ListMessages(ctx, c.App.SDKAppID, groupID, im.MessageQuery{MaxSeq: upTo, Limit: int(upTo - after)})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read stream of %q: %w", groupID, err)
	}
	slices.Reverse(ms)
	for i := range ms {
		ms[i] = s.asStreamed(c.App, ms[i])
	}
	return ms, nil
}

// asStreamed is a stored message as a stream delivers it: past the app's retention it
// has no body, as in history.
func (s *Service) asStreamed(app *im.App, m im.Message) im.Message {
	if s.expired(app, m) {
		m.State, m.Body, m.CloudCustomData = im.MsgDeleted, nil, ""
	}
	return m
}

// ignoreNotFound turns im.ErrNotFound into nil.
func ignoreNotFound(err error) error {
	if errors.Is(err, im.ErrNotFound) {
		return nil
	}
	return err
}
