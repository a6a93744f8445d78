package stream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// Bus carries payloads between the replicas of one database: PostgreSQL's LISTEN/NOTIFY
// (*postgres.DB).
type Bus interface {
	// Notify sends payload to every replica listening, this one included.
	Notify(ctx context.Context, payload string) error
	// Listen calls fn with each payload heard until ctx ends; lost is called when
	// payloads may have been missed (the listening connection broke).
	Listen(ctx context.Context, fn func(payload string), lost func()) error
}

// SharedPresence is where the replicas record who has a stream open on each, so that
// every replica counts them all (*postgres.DB).
type SharedPresence interface {
	// Heartbeat says that replica is alive.
	Heartbeat(ctx context.Context, replica string) error
	// SetPresence records who came online and who went offline on replica.
	SetPresence(ctx context.Context, replica string, app uint64, online, offline []string) error
	// Online returns which of accounts have a stream open on a replica alive.
	Online(ctx context.Context, app uint64, accounts []string) ([]string, error)
	// DropReplica forgets replica and its streams.
	DropReplica(ctx context.Context, replica string) error
}

// presenceEvery is how often a replica records who came and went: the lag of an online
// count on another replica. A heartbeat goes every tenth time.
const presenceEvery = time.Second

// PGRelay carries a hub's events to the hubs of the other replicas over a Bus. A stored
// event (a message, a tip, a modification) travels as a pointer, its group and MsgSeq,
// and each replica reads it from the store; the others carry what they need, which is
// small but for the member list of a destroyed group or a large message sent online
// only, which the Bus keeps in the store for a few minutes.
type PGRelay struct {
	hub    *Hub
	bus    Bus
	apps   func(uint64) *im.App
	id     string // this replica's, to skip what it sent itself
	log    *slog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// presence, when the bus keeps one, is where this replica records its streams.
	presence SharedPresence

	mu    sync.Mutex
	queue []string
	wake  chan struct{}
}

// NewRelay starts relaying the hub's events over bus, apps naming the apps served, and
// makes the hub use it. Stop it with Close, before the bus closes.
func NewRelay(h *Hub, bus Bus, apps func(uint64) *im.App, log *slog.Logger) *PGRelay {
	var b [8]byte
	_, _ = rand.Read(b[:])
	ctx, cancel := context.WithCancel(context.Background())
	r := &PGRelay{hub: h, bus: bus, apps: apps, id: hex.EncodeToString(b[:]), log: log, cancel: cancel, wake: make(chan struct{}, 1)}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.wg.Add(2)
	go r.send(ctx)
	go r.listen(ctx)
	h.SetRelay(r)
	if p, ok := bus.(SharedPresence); ok {
		r.presence = p
		h.shared = p.Online
		r.wg.Add(1)
		go r.syncPresence(ctx)
	}
	return r
}

// Close stops relaying, and forgets this replica's streams in the shared presence.
func (r *PGRelay) Close() {
	r.cancel()
	r.wg.Wait()
	if r.presence != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.presence.DropReplica(ctx, r.id)
	}
}

// syncPresence records in the shared presence who came and went here, every second,
// with a heartbeat every ten, until ctx ends. After a failure it records everyone again.
func (r *PGRelay) syncPresence(ctx context.Context) {
	defer r.wg.Done()
	t := time.NewTicker(presenceEvery)
	defer t.Stop()
	all := true
	for n := 0; ; n++ {
		changes := r.hub.takePresence()
		if all {
			// Start over: what this replica recorded before may be stale.
			_ = r.presence.DropReplica(ctx, r.id)
			changes, all, n = r.hub.everyone(), false, 0
		}
		if n%10 == 0 {
			if err := r.presence.Heartbeat(ctx, r.id); err != nil && ctx.Err() == nil {
				r.log.Warn("stream: presence heartbeat failed", "err", err)
			}
		}
		for app, ch := range changes {
			if err := r.presence.SetPresence(ctx, r.id, app, ch.online, ch.offline); err != nil && ctx.Err() == nil {
				r.log.Warn("stream: recording who is connected failed", "err", err)
				all = true
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// wireEvent is an event as it travels between replicas.
type wireEvent struct {
	Replica    string      `json:"r"`
	App        uint64      `json:"a"`
	Kind       string      `json:"k"`
	Operator   string      `json:"o,omitempty"`
	Group      string      `json:"g,omitempty"`
	GroupType  string      `json:"t,omitempty"`
	Owner      string      `json:"w,omitempty"`
	MemberNum  int64       `json:"mn,omitempty"`
	NextSeq    int64       `json:"n,omitempty"`
	Seq        int64       `json:"s,omitempty"`
	Seqs       []int64     `json:"q,omitempty"`
	Accounts   []string    `json:"u,omitempty"`
	Content    string      `json:"c,omitempty"`
	Msg        *im.Message `json:"m,omitempty"` // a message never stored
	OnlineOnly bool        `json:"ol,omitempty"`
	At         int64       `json:"at,omitempty"` // a kick's time
}

// kickEvent is a kick, relayed like an event.
type kickEvent struct {
	im.EventHead
	App     uint64
	Account string
	At      int64
}

// kindKicked names a kickEvent.
const kindKicked im.EventKind = "Kicked"

// Kind returns kindKicked.
func (kickEvent) Kind() im.EventKind { return kindKicked }

// Send queues ev for the other replicas; it never blocks.
func (r *PGRelay) Send(c im.Caller, ev im.Event) {
	w, ok := r.encode(c, ev)
	if !ok {
		return
	}
	b, err := json.Marshal(w)
	if err != nil {
		return
	}
	r.mu.Lock()
	r.queue = append(r.queue, string(b))
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// encode turns ev into what travels; false for an event no stream hears.
func (r *PGRelay) encode(c im.Caller, ev im.Event) (wireEvent, bool) {
	h := ev.Head()
	w := wireEvent{Replica: r.id, Kind: string(ev.Kind()), Operator: h.Operator, Group: h.Group.ID,
		GroupType: string(h.Group.Type), MemberNum: h.Group.MemberNum, NextSeq: h.Group.NextMsgSeq}
	if c.App != nil {
		w.App = c.App.SDKAppID
	}
	switch e := ev.(type) {
	case im.MessageSent:
		if e.Msg.OnlineOnly || h.Group.Type == im.TypeAVChatRoom || e.Msg.Seq == 0 {
			m := e.Msg.Message
			w.Msg, w.OnlineOnly = &m, e.Msg.OnlineOnly
		}
		w.Seq = e.Msg.Seq
	case im.TipAppended:
		w.Seq = e.Msg.Seq
	case im.MessageModified:
		w.Seq = e.Msg.Seq
	case im.MessagesRecalled:
		w.Seqs = e.Seqs
	case im.SystemNotified:
		w.Accounts, w.Content = e.To, e.Content
	case im.MembersJoined:
		w.Accounts = e.Accounts
	case im.GroupCreated:
		w.Accounts, w.Owner = e.Members, h.Group.Owner
	case im.MembersLeft:
		w.Accounts = e.Accounts
	case im.GroupDestroyed:
		w.Accounts = e.Members
	case im.MemberFieldChanged:
		w.Accounts = []string{e.Account}
	case kickEvent:
		w.App, w.Accounts, w.At = e.App, []string{e.Account}, e.At
	default:
		return wireEvent{}, false
	}
	return w, true
}

// send notifies the queued payloads, in order, until ctx ends.
func (r *PGRelay) send(ctx context.Context) {
	defer r.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		}
		r.mu.Lock()
		q := r.queue
		r.queue = nil
		r.mu.Unlock()
		for _, p := range q {
			nctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			if err := r.bus.Notify(nctx, p); err != nil {
				// The other replicas' streams get the event when they resume.
				r.log.Warn("stream: relaying an event to the other replicas failed", "err", err)
			}
			cancel()
		}
	}
}

// listen hands the other replicas' events to the hub until ctx ends. When events may
// have been missed, every stream of this replica is closed so that it resumes from the
// store.
func (r *PGRelay) listen(ctx context.Context) {
	defer r.wg.Done()
	for ctx.Err() == nil {
		err := r.bus.Listen(ctx, r.receive, func() { r.hub.closeAll(ReasonLagging) })
		if ctx.Err() == nil {
			r.log.Warn("stream: cannot listen to the other replicas; retrying", "err", err)
			r.hub.closeAll(ReasonLagging)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// receive delivers one payload from another replica to this replica's streams.
func (r *PGRelay) receive(payload string) {
	var w wireEvent
	if err := json.Unmarshal([]byte(payload), &w); err != nil || w.Replica == r.id {
		return
	}
	app := r.apps(w.App)
	if app == nil {
		return
	}
	if im.EventKind(w.Kind) == kindKicked && len(w.Accounts) == 1 {
		r.hub.kickLocal(w.App, w.Accounts[0], w.At)
		return
	}
	c := im.Caller{App: app, Identifier: w.Operator}
	ev, ok := r.decode(c, w)
	if ok {
		r.hub.Deliver(c, ev)
	}
}

// decode rebuilds the event w carries, reading a stored message from the store.
func (r *PGRelay) decode(c im.Caller, w wireEvent) (im.Event, bool) {
	head := im.EventHead{Operator: w.Operator, Group: im.Group{App: w.App, ID: w.Group, Type: im.GroupType(w.GroupType),
		Owner: w.Owner, MemberNum: w.MemberNum, NextMsgSeq: w.NextSeq}}
	stored := func() (im.Message, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
		defer cancel()
		m, ok, err := r.hub.reader.StreamMessage(ctx, c, w.Group, w.Seq)
		r.hub.logFailure(err, w.Group)
		return m, ok && err == nil
	}
	switch im.EventKind(w.Kind) {
	case im.KindMessageSent:
		if w.Msg != nil {
			return im.MessageSent{EventHead: head, Msg: im.Outgoing{Message: *w.Msg, OnlineOnly: w.OnlineOnly}}, true
		}
		m, ok := stored()
		return im.MessageSent{EventHead: head, Msg: im.Outgoing{Message: m}}, ok
	case im.KindTipAppended:
		m, ok := stored()
		return im.TipAppended{EventHead: head, Msg: m}, ok
	case im.KindMessageModified:
		m, ok := stored()
		return im.MessageModified{EventHead: head, Msg: m}, ok
	case im.KindMessagesRecalled:
		return im.MessagesRecalled{EventHead: head, Seqs: w.Seqs}, true
	case im.KindSystemNotified:
		return im.SystemNotified{EventHead: head, To: w.Accounts, Content: w.Content}, true
	case im.KindMembersJoined:
		return im.MembersJoined{EventHead: head, JoinType: im.JoinInvited, Accounts: w.Accounts}, true
	case im.KindGroupCreated:
		return im.GroupCreated{EventHead: head, Members: w.Accounts}, true
	case im.KindMembersLeft:
		return im.MembersLeft{EventHead: head, ExitType: im.ExitKicked, Accounts: w.Accounts}, true
	case im.KindGroupDestroyed:
		return im.GroupDestroyed{EventHead: head, Members: w.Accounts}, true
	case im.KindMemberFieldChanged:
		return im.MemberFieldChanged{EventHead: head, Account: strings.Join(w.Accounts, "")}, true
	}
	return nil, false
}
