package group

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/timdhq/timd/internal/im"
)

// maxMessageBytes bounds a message: its MsgBody text plus its CloudCustomData (80002).
const maxMessageBytes = 12000

// dedupWindow is how long a retried send is recognised, in seconds.
const dedupWindow = 5 * 60

// maxToAccounts bounds a targeted message's receivers.
const maxToAccounts = 50

// MsgDropFreq is the MsgDropReason of a message over the group's send rate, and
// MsgDropCallback the one of a message the app's before-callback dropped.
const (
	MsgDropFreq     = "MsgFreqCtrl"
	MsgDropCallback = "CallbackDrop"
)

// ForbidCallbackControl and SendMsgControl values.
const (
	ForbidBefore = "ForbidBeforeSendMsgCallback"
	ForbidAfter  = "ForbidAfterSendMsgCallback"
	NoUnread     = "NoUnread"
	NoLastMsg    = "NoLastMsg"
)

// SendRequest is a send_group_msg request.
type SendRequest struct {
	GroupID         string
	TopicID         string  // "" for the group's own stream
	From            string  // "" sends as the caller
	Random          *Number // required: a uint32
	Priority        string  // High, Normal or Low; "" is Normal
	Body            im.MsgBody
	CloudCustomData string
	OnlineOnly      bool
	SendMsgControl  []string
	ForbidCallback  []string
	ToAccounts      []string
	AtInfo          []im.AtInfo
	OfflinePush     []byte // the OfflinePushInfo object as sent, kept for callbacks
	NeedReceipt     bool   // NeedReadReceipt 1: the members' read receipts are wanted
}

// Sent is the answer to a send.
type Sent struct {
	Seq        int64 // 0 when nothing was stored
	Time       int64
	DropReason string
}

// priorities maps a request's MsgPriority to the one history reports.
var priorities = map[string]im.MsgPriority{"": im.PriorityNormal, "High": im.PriorityHigh, "Normal": im.PriorityNormal, "Low": im.PriorityLow}

// SendMessage is send_group_msg: the checks of docs/compatibility.md §8 in their order,
// first failure wins, then one transaction that takes the group's next MsgSeq.
func (s *Service) SendMessage(ctx context.Context, c im.Caller, r SendRequest) (Sent, error) {
	out, err := s.checkSendRequest(c, &r) // rows 1-4
	if err != nil {
		return Sent{}, err
	}
	if s.wants(c, im.KindSendingMessage) && !slices.Contains(r.ForbidCallback, ForbidBefore) {
		var g im.Group
		var first Sent
		var retry bool
		if err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error { // rows 5-9
			var err error
			if g, _, _, err = s.checkSender(ctx, tx, c, &r); err != nil || !stored(g, &r) {
				return err
			}
			probe := out
			probe.Time = s.now()
			first, retry, err = s.findRetry(ctx, tx, g, probe)
			return err
		}); err != nil || retry {
			return first, err // a retry is answered without asking the app again
		}
		dropped, err := s.askSend(ctx, c, g, &r, &out) // row 10
		if err != nil || dropped {
			return Sent{Time: s.now(), DropReason: dropReason(dropped)}, err
		}
	}
	var sent Sent
	err = s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
		var err error
		sent, err = s.storeMessage(ctx, tx, c, &r, &out)
		return err
	})
	return sent, err
}

// stored reports whether a send of r to g is kept in g's stream: not online only, not in
// an AVChatRoom. Only a stored message can be recognised when it is sent again.
func stored(g im.Group, r *SendRequest) bool { return !r.OnlineOnly && g.Type != im.TypeAVChatRoom }

// dropReason is the MsgDropReason of a send the before-callback dropped, or "".
func dropReason(dropped bool) string {
	if dropped {
		return MsgDropCallback
	}
	return ""
}

// checkSendRequest checks rows 1 to 4, which need no store, and returns the message to
// send, without its Seq and time.
func (s *Service) checkSendRequest(c im.Caller, r *SendRequest) (im.Outgoing, error) {
	if err := checkGroupID(c.App.Limits, r.GroupID); err != nil { // row 1
		return im.Outgoing{}, err
	}
	if err := checkOptionalTopicID(r.GroupID, r.TopicID); err != nil { // row 1
		return im.Outgoing{}, err
	}
	if err := checkContent(r); err != nil { // rows 2 to 4
		return im.Outgoing{}, err
	}
	from := r.From
	if from == "" {
		from = c.Identifier
	}
	return im.Outgoing{
		Message: im.Message{
			App: c.App.SDKAppID, Group: r.GroupID, Topic: r.TopicID, From: from, Random: uint32(r.Random.Int),
			Priority: priorities[r.Priority], Body: r.Body.Text, CloudCustomData: r.CloudCustomData,
			Unread:      !slices.Contains(r.SendMsgControl, NoUnread) && len(r.ToAccounts) == 0,
			NeedReceipt: r.NeedReceipt, To: r.ToAccounts, At: r.AtInfo,
		},
		OnlineOnly: r.OnlineOnly, OfflinePush: r.OfflinePush,
	}, nil
}

// checkContent checks rows 2 to 4: the MsgBody, the options and the size.
func checkContent(r *SendRequest) error {
	if r.Body.Problem != "" { // row 2
		return im.Errorf(im.CodeInvalidParam, "MsgBody: %s", r.Body.Problem)
	}
	if err := checkSendOptions(r); err != nil { // row 3
		return err
	}
	if n := len(r.Body.Text) + len(r.CloudCustomData); n > maxMessageBytes { // row 4
		return im.Errorf(im.CodeMessageTooLong, "the message is %d bytes (MsgBody and CloudCustomData), over %d", n, maxMessageBytes)
	}
	return nil
}

// checkSendOptions checks row 3: Random, MsgPriority and the control lists.
func checkSendOptions(r *SendRequest) error {
	if r.Random == nil {
		return im.Errorf(im.CodeInvalidParam, "Random is required")
	}
	if !r.Random.Exact || r.Random.Int < 0 || r.Random.Int > 4294967295 {
		return im.Errorf(im.CodeInvalidParam, "Random %s is not an integer from 0 to 4294967295", r.Random.Text)
	}
	if _, ok := priorities[r.Priority]; !ok {
		return im.Errorf(im.CodeInvalidParam, "MsgPriority %q is not High, Normal or Low", r.Priority)
	}
	if r.OnlineOnly && len(r.SendMsgControl) > 0 {
		return im.Errorf(im.CodeInvalidParam, "SendMsgControl cannot be used with OnlineOnlyFlag 1")
	}
	if r.OnlineOnly && r.NeedReceipt {
		return im.Errorf(im.CodeReceiptOnline, "an online message (OnlineOnlyFlag 1) takes no read receipts")
	}
	for _, v := range r.ForbidCallback {
		if v != ForbidBefore && v != ForbidAfter {
			return im.Errorf(im.CodeInvalidParam, "ForbidCallbackControl %q is not %s or %s", v, ForbidBefore, ForbidAfter)
		}
	}
	for _, v := range r.SendMsgControl {
		if v != NoUnread && v != NoLastMsg {
			return im.Errorf(im.CodeInvalidParam, "SendMsgControl %q is not %s or %s", v, NoUnread, NoLastMsg)
		}
	}
	return nil
}

// checkSender checks rows 5 to 9b inside tx and returns the group (locked in an Update),
// the sender's membership (nil when it is no member) and the stream the message goes to
// (its topic locked in an Update).
func (s *Service) checkSender(ctx context.Context, tx im.Tx, c im.Caller, r *SendRequest) (im.Group, *im.Member, stream, error) {
	g, sender, err := s.checkGroupSender(ctx, tx, c, r)
	if err != nil {
		return im.Group{}, nil, stream{}, err
	}
	st, err := openStream(ctx, tx, c.App, g, r.TopicID) // row 9a
	if err != nil {
		return im.Group{}, nil, stream{}, err
	}
	if st.topic != nil && st.topic.MuteAllMember && r.From != "" && !c.App.IsAdmin(r.From) && (sender == nil || sender.Role == im.RoleMember) {
		return im.Group{}, nil, stream{}, im.Errorf(im.CodeMuted, "topic %q mutes all members: only the Community's owner, its admins and app admins may send", st.id)
	}
	if r.NeedReceipt { // row 9b
		if err := checkReceiptGroup(c.App, g); err != nil {
			return im.Group{}, nil, stream{}, err
		}
	}
	return g, sender, st, nil
}

// checkGroupSender checks rows 5 to 9 inside tx and returns the group (locked in an
// Update) and the sender's membership (nil when it is no member).
func (s *Service) checkGroupSender(ctx context.Context, tx im.Tx, c im.Caller, r *SendRequest) (im.Group, *im.Member, error) {
	app := c.App
	from := r.From
	if from == "" {
		g, err := loadGroup(ctx, tx, app.SDKAppID, r.GroupID) // row 5
		if err != nil {
			return im.Group{}, nil, err
		}
		return g, nil, checkTargets(g, r) // an admin's own send: no mute applies
	}
	var g im.Group
	var sender *im.Member
	if im.ValidUserID(app.Limits, from) {
		gg, m, found, err := tx.GetGroupMember(ctx, app.SDKAppID, r.GroupID, from, im.WriteGroup)
		if errors.Is(err, im.ErrNotFound) {
			return im.Group{}, nil, im.Errorf(im.CodeGroupNotFound, "group %q does not exist", r.GroupID) // row 5
		}
		if err != nil {
			return im.Group{}, nil, fmt.Errorf("load group %q and sender %q: %w", r.GroupID, from, err)
		}
		g = gg
		if found {
			sender = &m
		}
	} else if _, err := loadGroup(ctx, tx, app.SDKAppID, r.GroupID); err != nil {
		return im.Group{}, nil, err
	}
	if sender == nil { // row 6: a membership implies an imported account
		if !im.ValidUserID(app.Limits, from) {
			return im.Group{}, nil, im.Errorf(im.CodeInvalidParam, "From_Account %q is not a valid UserID", from)
		}
		if err := checkImported(ctx, tx, app.SDKAppID, from); err != nil {
			return im.Group{}, nil, im.Errorf(im.CodeInvalidParam, "From_Account %q has not been imported", from)
		}
	}
	if err := s.checkMuted(ctx, tx, g, sender, from); err != nil { // row 7
		return im.Group{}, nil, err
	}
	if g.MuteAllMember && !app.IsAdmin(from) && (sender == nil || sender.Role == im.RoleMember) { // row 8
		return im.Group{}, nil, im.Errorf(im.CodeMuted, "group %q mutes all members: only its owner, its admins and app admins may send", g.ID)
	}
	return g, sender, checkTargets(g, r) // row 9
}

// checkMuted returns 10017 when from may not speak in g now: banned from an AVChatRoom,
// muted in the group, or muted in every group by setnospeaking.
func (s *Service) checkMuted(ctx context.Context, tx im.Tx, g im.Group, sender *im.Member, from string) error {
	if g.Type == im.TypeAVChatRoom {
		if err := s.checkBanned(ctx, tx, g, from); err != nil {
			return err
		}
	}
	now := s.now()
	until := int64(0)
	switch {
	case sender != nil:
		until = sender.MuteUntil
	case g.Type == im.TypeAVChatRoom: // AVChatRoom members are unknown here: mutes stand alone
		mutes, err := tx.ListMutes(ctx, g.App, g.ID, now, false)
		if err != nil {
			return fmt.Errorf("list mutes: %w", err)
		}
		for _, m := range mutes {
			if m.Account == from {
				until = m.Until
			}
		}
	}
	if effectiveMute(until, now) != 0 {
		return im.Errorf(im.CodeMuted, "%q is muted in group %q", from, g.ID)
	}
	ns, err := tx.GetNoSpeaking(ctx, g.App, from)
	if err != nil {
		return fmt.Errorf("read account-wide mute: %w", err)
	}
	if effectiveMute(ns.GroupUntil, now) != 0 {
		return im.Errorf(im.CodeMuted, "%q may not send group messages (setnospeaking)", from)
	}
	return nil
}

// checkTargets checks row 9: To_Account.
func checkTargets(g im.Group, r *SendRequest) error {
	if len(r.ToAccounts) == 0 {
		return nil
	}
	if g.Type == im.TypeAVChatRoom || g.Type == im.TypeCommunity {
		return im.Errorf(im.CodeInvalidParam, "To_Account is not for a %s group", g.Type)
	}
	if len(r.ToAccounts) > maxToAccounts {
		return im.Errorf(im.CodeInvalidParam, "To_Account has %d accounts, over the limit of %d", len(r.ToAccounts), maxToAccounts)
	}
	return nil
}

// askSend puts the message to the app's before-callback (row 10) and applies its
// verdict to out: refused (10016, or the app's code from 10100 to 10200), dropped, or
// allowed with what it replaces. A callback that fails allows the message unless the app
// denies on failure, which is 80003.
func (s *Service) askSend(ctx context.Context, c im.Caller, g im.Group, r *SendRequest, out *im.Outgoing) (dropped bool, err error) {
	v, err := s.events.Ask(ctx, c, im.SendingMessage{EventHead: s.eventHead(c, g), Msg: *out})
	if err != nil {
		return false, err
	}
	switch {
	case v.Failed && v.DenyOnFailure:
		return false, im.Errorf(im.CodeCallbackFailed, "the app's Group.CallbackBeforeSendMsg failed and the app refuses messages then")
	case v.Failed:
		return false, nil
	case v.Refused && v.AppCode == 2:
		return true, nil
	case v.Refused && v.AppCode >= 10100 && v.AppCode <= 10200:
		return false, im.Errorf(im.Code(v.AppCode), "%s", v.AppInfo)
	case v.Refused:
		return false, im.Errorf(im.CodeCallbackRefused, "the app's Group.CallbackBeforeSendMsg refused the message")
	}
	if v.Body != nil {
		if v.Body.Problem != "" {
			return false, fmt.Errorf("the app's Group.CallbackBeforeSendMsg answered a MsgBody that is no message: %s", v.Body.Problem)
		}
		out.Body, r.Body = v.Body.Text, *v.Body
	}
	if v.CloudCustomData != nil {
		out.CloudCustomData, r.CloudCustomData = *v.CloudCustomData, *v.CloudCustomData
	}
	return false, nil
}

// storeMessage does the send's transaction: the sender's checks again (rows 5-9, now
// with the group locked), a retried send recognised, the group's send rate (row 11),
// then the message stored with its stream's next MsgSeq (the group's, or its topic's). A
// message sent online only, or to an AVChatRoom, is not stored: an AVChatRoom's counter
// still gives it a MsgSeq. Live hears every message sent, once the transaction commits.
func (s *Service) storeMessage(ctx context.Context, tx im.Tx, c im.Caller, r *SendRequest, out *im.Outgoing) (Sent, error) {
	g, sender, st, err := s.checkSender(ctx, tx, c, r)
	if err != nil {
		return Sent{}, err
	}
	now := s.now()
	out.Time, out.Seq = now, 0
	if stored(g, r) {
		if first, ok, err := s.findRetry(ctx, tx, g, *out); err != nil || ok {
			return first, err
		}
	}
	if !s.sendAllowed(c, g.ID) { // row 11
		return Sent{Time: now, DropReason: MsgDropFreq}, nil
	}
	switch {
	case r.OnlineOnly:
	case g.Type == im.TypeAVChatRoom:
		out.Seq = g.NextMsgSeq
		g.NextMsgSeq, g.LastMsgTime = out.Seq+1, now
		if err := tx.UpdateGroup(ctx, g); err != nil {
			return Sent{}, fmt.Errorf("advance group %q: %w", g.ID, err)
		}
	default:
		if err := s.appendSent(ctx, tx, g, sender, st, out); err != nil {
			return Sent{}, err
		}
		if st.topic == nil {
			g.NextMsgSeq, g.LastMsgTime = out.Seq+1, now
		}
	}
	note(ctx, c, im.MessageSent{EventHead: s.eventHead(c, g), Msg: *out})
	return Sent{Seq: out.Seq, Time: now}, s.recordSent(ctx, tx, c, r, g, *out)
}

// appendSent stores out as the next message of its stream st and records the sender's
// last send time.
func (s *Service) appendSent(ctx context.Context, tx im.Tx, g im.Group, sender *im.Member, st stream, out *im.Outgoing) error {
	out.Seq = st.next
	if err := tx.AppendMessage(ctx, out.Message); err != nil {
		return err
	}
	if sender != nil {
		if err := tx.SetLastSendMsgTime(ctx, g.App, g.ID, sender.Account, out.Time); err != nil {
			return fmt.Errorf("update sender %q: %w", sender.Account, err)
		}
	}
	return nil
}

// findRetry looks for the same message (stream, sender, Random and MsgBody) stored within
// the last five minutes: a client's retry, answered with the first message's MsgSeq and
// time, storing nothing.
func (s *Service) findRetry(ctx context.Context, tx im.Tx, g im.Group, out im.Outgoing) (Sent, bool, error) {
	found, err := tx.FindSent(ctx, g.App, out.Stream(), out.From, out.Random, out.Time-dedupWindow)
	if err != nil {
		return Sent{}, false, fmt.Errorf("look for a retried send: %w", err)
	}
	for _, m := range found {
		if m.Tip == nil && bytes.Equal(m.Body, out.Body) && m.CloudCustomData == out.CloudCustomData {
			return Sent{Seq: m.Seq, Time: m.Time}, true, nil
		}
	}
	return Sent{}, false, nil
}

// recordSent records MessageSent for the after-callback, unless the request forbids it.
func (s *Service) recordSent(ctx context.Context, tx im.Tx, c im.Caller, r *SendRequest, g im.Group, out im.Outgoing) error {
	if slices.Contains(r.ForbidCallback, ForbidAfter) {
		return nil
	}
	return s.record(ctx, tx, c, im.KindMessageSent, func() im.Event {
		return im.MessageSent{EventHead: s.eventHead(c, g), Msg: out}
	})
}
