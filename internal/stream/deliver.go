package stream

import (
	"context"
	"sync"
	"time"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// Kind names a frame.
type Kind string

// The kinds of frames.
const (
	KindPing      Kind = "ping"      // keep-alive
	KindSkip      Kind = "skip"      // a stored message the receiver does not get: its stream moves past it
	KindMessage   Kind = "message"   // a message or a tip
	KindRecall    Kind = "recall"    // messages recalled
	KindModify    Kind = "modify"    // a stored message modified
	KindSystem    Kind = "system"    // a system notification
	KindJoined    Kind = "joined"    // the receiver became a member
	KindRemoved   Kind = "removed"   // the receiver was removed from the group
	KindDestroyed Kind = "destroyed" // the group was destroyed
)

// Frame is one thing a connection receives. Frames are shared by every receiver that
// gets the same thing: they must not be changed once handed over.
type Frame struct {
	Kind  Kind
	Group string
	// Stored tells that Msg is stored in the group's stream at Msg.Seq: the frame is a
	// position a client may resume from.
	Stored   bool
	Msg      im.Message
	Delivery Delivery
	Seqs     []int64 // KindRecall: the recalled Seqs
	Content  string  // KindSystem
	Operator string  // who made the change
	// NextSeq is the group's next MsgSeq at the change (KindJoined): a new member's
	// stream starts there.
	NextSeq int64

	once sync.Once
	enc  []byte
}

// Encoded returns f encoded by enc, encoding it once for all its receivers.
func (f *Frame) Encoded(enc func(*Frame) []byte) []byte {
	f.once.Do(func() { f.enc = enc(f) })
	return f.enc
}

// readTimeout bounds the store reads of one event's delivery.
const readTimeout = 10 * time.Second

// deliver hands one event to the connections that receive it.
func (h *Hub) deliver(c im.Caller, ev im.Event) {
	users := h.users(c.App.SDKAppID)
	if users.n == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	g := ev.Head().Group
	base := Frame{Group: g.ID, Operator: ev.Head().Operator}
	if changesMembers(ev) {
		h.forgetMembers(c.App.SDKAppID, g.ID)
	}
	defer h.deliverWatchers(c, ev)
	switch e := ev.(type) {
	case im.MessageSent:
		stored := e.Msg.Seq > 0 && !e.Msg.OnlineOnly && g.Type != im.TypeAVChatRoom
		h.deliverMessage(ctx, c, users, &base, e.Msg.Message, stored, KindMessage, g.MemberNum)
	case im.TipAppended:
		h.deliverMessage(ctx, c, users, &base, e.Msg, true, KindMessage, g.MemberNum)
	case im.MessageModified:
		h.deliverMessage(ctx, c, users, &base, e.Msg, false, KindModify, g.MemberNum)
	case im.MessagesRecalled:
		base.Kind, base.Seqs = KindRecall, e.Seqs
		h.deliverToMembers(ctx, c, users, g.ID, nil, &base)
	case im.SystemNotified:
		base.Kind, base.Content = KindSystem, e.Content
		h.deliverToMembers(ctx, c, users, g.ID, e.To, &base)
	case im.MembersJoined:
		base.Kind, base.NextSeq = KindJoined, g.NextMsgSeq
		h.deliverTo(users, e.Accounts, &base)
	case im.GroupCreated:
		base.Kind, base.NextSeq = KindJoined, g.NextMsgSeq
		h.deliverTo(users, append([]string{g.Owner}, e.Members...), &base)
	case im.MembersLeft:
		base.Kind = KindRemoved
		h.deliverTo(users, e.Accounts, &base)
	case im.GroupDestroyed:
		base.Kind = KindDestroyed
		h.deliverTo(users, e.Members, &base)
	}
}

// deliverMessage hands m to the connected members that receive it, each marked as
// group.Deliver says; receivers marked alike share one frame.
func (h *Hub) deliverMessage(ctx context.Context, c im.Caller, users connected, base *Frame, m im.Message, stored bool, kind Kind, memberNum int64) {
	members, err := h.members(ctx, c, users, base.Group, nil, memberNum)
	if err != nil {
		h.logFailure(err, base.Group)
		return
	}
	frames := make(map[Delivery]*Frame, 4)
	var skip *Frame
	h.mu.RLock()
	defer h.mu.RUnlock()
	conns := h.apps[users.app]
	for _, mb := range members {
		d, ok := group.Deliver(m, mb)
		if !ok {
			if stored && kind == KindMessage {
				if skip == nil {
					skip = &Frame{Kind: KindSkip, Group: base.Group, Stored: true, Msg: im.Message{Seq: m.Seq}}
				}
				for _, conn := range conns[mb.Account] {
					conn.push(skip)
				}
			}
			continue
		}
		f := frames[d]
		if f == nil {
			f = &Frame{Kind: kind, Group: base.Group, Operator: base.Operator, Stored: stored, Msg: m, Delivery: d}
			frames[d] = f
		}
		for _, conn := range conns[mb.Account] {
			conn.push(f)
		}
	}
}

// deliverToMembers hands f to the connected members of a group (only those of to, when
// given) whose MsgFlag is not Discard, or, for a system notification, to all of them.
func (h *Hub) deliverToMembers(ctx context.Context, c im.Caller, users connected, groupID string, to []string, f *Frame) {
	members, err := h.members(ctx, c, users, groupID, to, 0)
	if err != nil {
		h.logFailure(err, groupID)
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	conns := h.apps[users.app]
	for _, mb := range members {
		if mb.MsgFlag == im.MsgDiscard && f.Kind != KindSystem {
			continue
		}
		for _, conn := range conns[mb.Account] {
			conn.push(f)
		}
	}
}

// deliverTo hands f to the connections of accounts.
func (h *Hub) deliverTo(users connected, accounts []string, f *Frame) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	conns := h.apps[users.app]
	for _, a := range accounts {
		for _, conn := range conns[a] {
			conn.push(f)
		}
	}
}

// changesMembers reports whether ev may change who is a member of its group, or with
// which MsgFlag.
func changesMembers(ev im.Event) bool {
	switch ev.Kind() {
	case im.KindMembersJoined, im.KindMembersLeft, im.KindGroupDestroyed, im.KindGroupCreated, im.KindMemberFieldChanged:
		return true
	}
	return false
}

// memberCacheAge bounds how long a group's cached member list is used: a safety net,
// since the events that change members clear it.
const memberCacheAge = time.Minute

// cachedMembers is a group's whole member list, as read at a time.
type cachedMembers struct {
	at      time.Time
	members []im.Member
}

// groupKey names a group of an app.
type groupKey struct {
	app   uint64
	group string
}

// forgetMembers drops the cached member list of a group.
func (h *Hub) forgetMembers(app uint64, groupID string) {
	delete(h.memberCache, groupKey{app, groupID})
}

// members returns the memberships in a group of the connected users (only those of
// only, when given). When at least a tenth of a group's members are connected, its
// whole member list is read and kept until a change of its members, for a minute at
// most; otherwise only the connected users' memberships are read.
func (h *Hub) members(ctx context.Context, c im.Caller, users connected, groupID string, only []string, memberNum int64) ([]im.Member, error) {
	k := groupKey{c.App.SDKAppID, groupID}
	if m, ok := h.memberCache[k]; ok && len(only) == 0 && time.Since(m.at) < memberCacheAge {
		return m.members, nil
	}
	var accounts []string
	switch {
	case len(only) == 0 && memberNum > 0 && memberNum <= 10*int64(users.n):
		ms, err := h.reader.StreamMembers(ctx, c, groupID, nil)
		if err == nil {
			h.memberCache[k] = &cachedMembers{at: time.Now(), members: ms}
		}
		return ms, err
	case len(only) > 0:
		accounts = h.connectedOf(users.app, only)
	default:
		accounts = h.connectedOf(users.app, nil)
	}
	if len(accounts) == 0 {
		return nil, nil
	}
	return h.reader.StreamMembers(ctx, c, groupID, accounts)
}

// logFailure logs a delivery that failed: its receivers miss it until they resume.
func (h *Hub) logFailure(err error, groupID string) {
	if err != nil {
		h.log.Warn("stream: delivery failed; receivers get it when they resume", "group", groupID, "err", err)
	}
}

// deliverWatchers hands an event of a group to the connections watching it: messages
// (without Notify), recalls, modifications, system notifications, and the group's end.
func (h *Hub) deliverWatchers(c im.Caller, ev im.Event) {
	g := ev.Head().Group
	ws := h.watching(c.App.SDKAppID, g.ID)
	if len(ws) == 0 {
		return
	}
	f := &Frame{Group: g.ID, Operator: ev.Head().Operator}
	switch e := ev.(type) {
	case im.MessageSent:
		f.Kind, f.Msg, f.Stored = KindMessage, e.Msg.Message, e.Msg.Seq > 0 && !e.Msg.OnlineOnly && g.Type != im.TypeAVChatRoom
	case im.TipAppended:
		f.Kind, f.Msg, f.Stored = KindMessage, e.Msg, true
	case im.MessageModified:
		f.Kind, f.Msg = KindModify, e.Msg
	case im.MessagesRecalled:
		f.Kind, f.Seqs = KindRecall, e.Seqs
	case im.SystemNotified:
		f.Kind, f.Content = KindSystem, e.Content
	case im.GroupDestroyed:
		f.Kind = KindDestroyed
	default:
		return
	}
	for _, conn := range ws {
		conn.push(f)
	}
}
