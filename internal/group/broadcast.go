package group

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// broadcastPage is how many AVChatRooms one read of a broadcast lists.
const broadcastPage = 1000

// BroadcastRequest is a send_broadcast_msg request: a message for every AVChatRoom of
// the app.
type BroadcastRequest struct {
	From            string  // "" sends as the caller
	Random          *Number // required: a uint32
	Body            im.MsgBody
	CloudCustomData string
}

// Broadcast is send_broadcast_msg: the message goes to every AVChatRoom of the app, each
// send made as send_group_msg makes it (its callbacks included), and the answer is the
// next number of the app's broadcast sequence (docs/compatibility.md §10). A room that
// refuses the message with a code (a sender muted or banned there, a before-callback
// that says no) is skipped; the others get it.
func (s *Service) Broadcast(ctx context.Context, c im.Caller, r BroadcastRequest) (int64, error) {
	if !c.App.Features.Broadcast {
		return 0, im.Errorf(im.CodeNotAllowed, "broadcast messages are a feature of the Ultimate edition, turned off for this app")
	}
	send := SendRequest{From: r.From, Random: r.Random, Body: r.Body, CloudCustomData: r.CloudCustomData}
	if err := checkContent(&send); err != nil {
		return 0, err
	}
	var rooms []string
	var seq int64
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		if err := checkBroadcastSender(ctx, tx, c, r.From); err != nil {
			return err
		}
		var err error
		rooms, err = listRooms(ctx, tx, c.App.SDKAppID)
		return err
	})
	if err != nil {
		return 0, err
	}
	if !s.broadcasts.allow(c.App.SDKAppID, "", s.now(), c.App.Messages.BroadcastRate) {
		return 0, im.Errorf(im.CodeSendFrequency, "send_broadcast_msg is over this app's rate of %d per second", c.App.Messages.BroadcastRate)
	}
	err = s.store.Update(ctx, func(ctx context.Context, tx im.Tx) (err error) {
		seq, err = tx.NextBroadcastSeq(ctx, c.App.SDKAppID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("take a broadcast seq: %w", err)
	}
	for _, room := range rooms {
		send.GroupID = room
		if _, err := s.SendMessage(ctx, c, send); err != nil && im.CodeOf(err) == im.CodeInternal {
			return 0, fmt.Errorf("broadcast to %q: %w", room, err)
		}
	}
	return seq, nil
}

// checkBroadcastSender checks a broadcast's From_Account as send_group_msg does (§8 row
// 6): absent, or an imported account (10004).
func checkBroadcastSender(ctx context.Context, tx im.Tx, c im.Caller, from string) error {
	if from == "" {
		return nil
	}
	if !im.ValidUserID(c.App.Limits, from) {
		return im.Errorf(im.CodeInvalidParam, "From_Account %q is not a valid UserID", from)
	}
	if err := checkImported(ctx, tx, c.App.SDKAppID, from); err != nil {
		return im.Errorf(im.CodeInvalidParam, "From_Account %q has not been imported", from)
	}
	return nil
}

// listRooms returns the IDs of every AVChatRoom of app, in creation order.
func listRooms(ctx context.Context, tx im.Tx, app uint64) ([]string, error) {
	var out []string
	q := im.GroupQuery{Type: im.TypeAVChatRoom, Limit: broadcastPage}
	for {
		gs, err := tx.ListGroups(ctx, app, q)
		if err != nil {
			return nil, fmt.Errorf("list AVChatRooms: %w", err)
		}
		for _, g := range gs {
			out = append(out, g.ID)
		}
		if len(gs) < broadcastPage {
			return out, nil
		}
		q.AfterSeq = gs[len(gs)-1].Seq
	}
}

// OnlineMemberNum is get_online_member_num: how many members of the group have an event
// stream open now (docs/compatibility.md §10, §14). In group_open_http_svc it serves an AVChatRoom, and other
// types when the app has the member online status feature; the Community variant
// (million_group_open_http_svc, community true) serves Communities only. Other groups
// answer 10007.
func (s *Service) OnlineMemberNum(ctx context.Context, c im.Caller, groupID string, community bool) (int64, error) {
	if err := checkGroupID(c.App.Limits, groupID); err != nil {
		return 0, err
	}
	var members []im.Member
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		switch {
		case err != nil:
			return err
		case community && g.Type != im.TypeCommunity:
			return im.Errorf(im.CodeNotAllowed, "million_group_open_http_svc counts the online members of a Community only")
		case g.Type != im.TypeAVChatRoom && !c.App.Features.MemberOnlineStatus:
			return im.Errorf(im.CodeNotAllowed, "online member counts of groups other than AVChatRooms are a feature of the Ultimate edition, turned off for this app")
		case s.presence == nil:
			return nil
		}
		members, err = tx.ListMembers(ctx, g.App, g.ID, im.MemberQuery{})
		return err
	})
	if err != nil || s.presence == nil {
		return 0, err
	}
	accounts := memberAccounts(members)
	return int64(len(s.presence.Online(c.App.SDKAppID, accounts))), nil
}
