// Package stream delivers what happens in groups to the users connected to timd, as it
// happens: a Hub hears the group rules' committed events (im.Live), decides with the
// rules (group.Deliver) which connected member receives what, and hands each connection
// its frames through a bounded buffer. A connection that falls behind is closed, never
// waited for: its client resumes from the store. The hub knows nothing of the wire; the
// Server-Sent Events encoding is internal/httpapi's.
package stream

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// Reader reads what the hub delivers: the group rules' stream reads
// (*group.Service).
type Reader interface {
	// StreamMembers returns the memberships of the listed accounts in a group.
	StreamMembers(ctx context.Context, c im.Caller, groupID string, accounts []string) ([]im.Member, error)
	// StreamMessage returns one stored message as a stream delivers it.
	StreamMessage(ctx context.Context, c im.Caller, groupID string, seq int64) (im.Message, bool, error)
}

// Options tune a Hub. The zero value is valid.
type Options struct {
	// KeepAlive is how often every connection gets a keep-alive frame, from one shared
	// ticker; default 30s.
	KeepAlive time.Duration
	// Buffer is how many frames a connection may have waiting before it is closed as
	// lagging; default 64.
	Buffer int
	// Logger logs what fails; default discard.
	Logger *slog.Logger
}

// Close reasons a connection reports.
const (
	ReasonLagging  = "Lagging"  // its buffer filled up: resume from the store
	ReasonKicked   = "Kicked"   // im_open_login_svc/kick
	ReasonShutdown = "Shutdown" // the server is stopping: reconnect, to another replica
)

// Hub fans committed events out to connections. Its methods are safe for concurrent
// use.
type Hub struct {
	reader Reader
	opts   Options
	log    *slog.Logger

	mu    sync.RWMutex
	apps  map[uint64]map[string][]*Conn // connections by app and user
	qmu   sync.Mutex
	queue []published // events waiting for the dispatcher; guarded by qmu
	wake  chan struct{}
	done  chan struct{}
	stop  sync.Once
	wg    sync.WaitGroup
	// remote, when set, carries events to the other replicas (see Relay).
	remote Relay
	// kicks holds the unix second of each user's last kick, for KickWindow.
	kicks map[userKey]int64
	// memberCache holds the member lists of big groups; only the dispatcher uses it.
	memberCache map[groupKey]*cachedMembers
	// watchers are the connections that watch a group without being members of it.
	watchers map[groupKey][]*Conn
	// dirty holds the users whose first connection opened or last one closed since the
	// shared presence last heard (see Relay).
	dirty map[userKey]struct{}
	// shared, when set, tells who is connected to the other replicas.
	shared func(ctx context.Context, app uint64, accounts []string) ([]string, error)
}

// userKey names a user of an app.
type userKey struct {
	app  uint64
	user string
}

// KickWindow is how long a kick refuses the usersigs issued before it: longer than a
// client keeps retrying with the sig it has.
const KickWindow = 24 * time.Hour

// published is an event handed to the hub, with the caller whose request made it.
type published struct {
	c  im.Caller
	ev im.Event
}

// Relay carries events between replicas (PostgreSQL LISTEN/NOTIFY). The hub hands it
// every event published here; it hands back, through Hub.Deliver, events published on
// other replicas.
type Relay interface {
	// Send carries ev to the other replicas. It must not block for long.
	Send(c im.Caller, ev im.Event)
}

// New returns a running Hub reading through r. Stop it with Close.
func New(r Reader, opts Options) *Hub {
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = 30 * time.Second
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 64
	}
	h := &Hub{reader: r, opts: opts, log: opts.Logger, apps: make(map[uint64]map[string][]*Conn), kicks: make(map[userKey]int64),
		memberCache: make(map[groupKey]*cachedMembers), watchers: make(map[groupKey][]*Conn), dirty: make(map[userKey]struct{}),
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.wg.Add(2)
	go h.dispatch()
	go h.keepAlive()
	return h
}

// SetReader sets what the hub reads through, when New could not be given it. Call it
// before the first Publish.
func (h *Hub) SetReader(r Reader) { h.reader = r }

// SetRelay makes the hub send what is published here to the other replicas too. Call it
// before the first Publish.
func (h *Hub) SetRelay(r Relay) { h.remote = r }

// Publish hands over a committed event (im.Live). It never blocks: the dispatcher
// delivers it, in the order events were published.
func (h *Hub) Publish(c im.Caller, ev im.Event) {
	if ofTopic(ev) {
		return
	}
	if h.remote != nil {
		h.remote.Send(c, ev)
	}
	h.Deliver(c, ev)
}

// Deliver delivers an event to this replica's connections only: what Publish does
// without relaying, for events that come from another replica.
func (h *Hub) Deliver(c im.Caller, ev im.Event) {
	h.qmu.Lock()
	h.queue = append(h.queue, published{c, ev})
	h.qmu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// dispatch delivers queued events until Close.
func (h *Hub) dispatch() {
	defer h.wg.Done()
	for {
		select {
		case <-h.done:
			return
		case <-h.wake:
		}
		h.qmu.Lock()
		q := h.queue
		h.queue = nil
		h.qmu.Unlock()
		for _, p := range q {
			h.deliver(p.c, p.ev)
		}
	}
}

// keepAlive hands every connection a keep-alive frame on one shared ticker.
func (h *Hub) keepAlive() {
	defer h.wg.Done()
	t := time.NewTicker(h.opts.KeepAlive)
	defer t.Stop()
	for {
		select {
		case <-h.done:
			return
		case now := <-t.C:
			h.forgetKicks(now)
		}
		for _, c := range h.all() {
			select {
			case c.ch <- pingFrame:
			default: // a full buffer needs no keep-alive
			}
		}
	}
}

// pingFrame is the keep-alive every connection shares.
var pingFrame = &Frame{Kind: KindPing}

// Close closes every connection (ReasonShutdown) and stops the hub.
func (h *Hub) Close() {
	h.stop.Do(func() {
		close(h.done)
		h.closeAll(ReasonShutdown)
		h.wg.Wait()
		// Give the streams a moment to tell their clients.
		for start := time.Now(); len(h.all()) > 0 && time.Since(start) < 5*time.Second; {
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// closeAll closes every connection for reason.
func (h *Hub) closeAll(reason string) {
	for _, c := range h.all() {
		c.close(reason)
	}
}

// all returns every connection.
func (h *Hub) all() []*Conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []*Conn
	for _, users := range h.apps {
		for _, cs := range users {
			out = append(out, cs...)
		}
	}
	return out
}

// Connect registers a connection of user in app; frames reach it from now on. The
// caller reads Frames until Done and then calls Close.
func (h *Hub) Connect(app uint64, user string) *Conn {
	c := &Conn{hub: h, app: app, user: user, ch: make(chan *Frame, h.opts.Buffer), done: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.done:
		c.close(ReasonShutdown)
		return c
	default:
	}
	users := h.apps[app]
	if users == nil {
		users = make(map[string][]*Conn)
		h.apps[app] = users
	}
	users[user] = append(users[user], c)
	if len(users[user]) == 1 {
		h.dirty[userKey{app, user}] = struct{}{}
	}
	return c
}

// presenceChange is, per app, who came online here and who went offline since the last
// call of takePresence.
type presenceChange struct {
	online, offline []string
}

// takePresence returns the users whose presence here changed since the last call.
func (h *Hub) takePresence() map[uint64]*presenceChange {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[uint64]*presenceChange)
	for k := range h.dirty {
		ch := out[k.app]
		if ch == nil {
			ch = &presenceChange{}
			out[k.app] = ch
		}
		if len(h.apps[k.app][k.user]) > 0 {
			ch.online = append(ch.online, k.user)
		} else {
			ch.offline = append(ch.offline, k.user)
		}
	}
	clear(h.dirty)
	return out
}

// everyone returns every user connected here, per app.
func (h *Hub) everyone() map[uint64]*presenceChange {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make(map[uint64]*presenceChange)
	for app, users := range h.apps {
		ch := &presenceChange{}
		for u := range users {
			ch.online = append(ch.online, u)
		}
		out[app] = ch
	}
	return out
}

// Watch makes c receive every event of the groups, as an app admin does who watches
// them without being a member: every message, marked without Notify.
func (h *Hub) Watch(c *Conn, groups []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, g := range groups {
		k := groupKey{c.app, g}
		h.watchers[k] = append(h.watchers[k], c)
		c.watching = append(c.watching, g)
	}
}

// watching returns the connections watching a group.
func (h *Hub) watching(app uint64, group string) []*Conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return append([]*Conn(nil), h.watchers[groupKey{app, group}]...)
}

// remove unregisters c.
func (h *Hub) remove(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, g := range c.watching {
		k := groupKey{c.app, g}
		h.watchers[k] = slices.DeleteFunc(h.watchers[k], func(x *Conn) bool { return x == c })
		if len(h.watchers[k]) == 0 {
			delete(h.watchers, k)
		}
	}
	c.watching = nil
	users := h.apps[c.app]
	cs := users[c.user]
	for i, x := range cs {
		if x == c {
			cs = append(cs[:i:i], cs[i+1:]...)
			break
		}
	}
	if len(cs) == 0 {
		if _, ok := users[c.user]; ok {
			h.dirty[userKey{c.app, c.user}] = struct{}{}
		}
		delete(users, c.user)
	} else {
		users[c.user] = cs
	}
}

// Online reports which of accounts have a connection to this hub or, with a relay, to
// another replica.
func (h *Hub) Online(app uint64, accounts []string) map[string]bool {
	out := h.onlineHere(app, accounts)
	if h.shared == nil || len(out) == len(accounts) {
		return out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	there, err := h.shared(ctx, app, accounts)
	if err != nil {
		h.log.Warn("stream: cannot read who is connected to the other replicas", "err", err)
	}
	for _, a := range there {
		out[a] = true
	}
	return out
}

// onlineHere reports which of accounts have a connection to this hub.
func (h *Hub) onlineHere(app uint64, accounts []string) map[string]bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make(map[string]bool)
	for _, a := range accounts {
		if len(h.apps[app][a]) > 0 {
			out[a] = true
		}
	}
	return out
}

// Kick closes every connection of user (ReasonKicked), on every replica, and remembers,
// for KickWindow, that usersigs issued at or before at (unix seconds) are refused.
func (h *Hub) Kick(app uint64, user string, at int64) {
	if h.remote != nil {
		h.remote.Send(im.Caller{}, kickEvent{App: app, Account: user, At: at})
	}
	h.kickLocal(app, user, at)
}

// kickLocal is Kick on this replica only.
func (h *Hub) kickLocal(app uint64, user string, at int64) {
	h.mu.Lock()
	cs := append([]*Conn(nil), h.apps[app][user]...)
	k := userKey{app, user}
	h.kicks[k] = max(h.kicks[k], at)
	h.mu.Unlock()
	for _, c := range cs {
		c.close(ReasonKicked)
	}
}

// KickedAt returns the unix second of user's last kick within KickWindow, 0 for none.
func (h *Hub) KickedAt(app uint64, user string) int64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.kicks[userKey{app, user}]
}

// forgetKicks forgets the kicks older than KickWindow.
func (h *Hub) forgetKicks(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, at := range h.kicks {
		if now.Unix()-at > int64(KickWindow/time.Second) {
			delete(h.kicks, k)
		}
	}
}

// connected is how many users of an app have a connection, when an event came.
type connected struct {
	app uint64
	n   int
}

// users returns how many users of app have a connection.
func (h *Hub) users(app uint64) connected {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return connected{app, len(h.apps[app])}
}

// connectedOf returns those of accounts (every user, for nil) that have a connection to
// app.
func (h *Hub) connectedOf(app uint64, accounts []string) []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	users := h.apps[app]
	var out []string
	if accounts == nil {
		out = make([]string, 0, len(users))
		for a := range users {
			out = append(out, a)
		}
		return out
	}
	for _, a := range accounts {
		if len(users[a]) > 0 {
			out = append(out, a)
		}
	}
	return out
}

// Conn is one connected stream.
type Conn struct {
	hub       *Hub
	app       uint64
	user      string
	ch        chan *Frame
	done      chan struct{}
	closeOnce sync.Once
	reason    string
	watching  []string               // the groups it watches (Watch); guarded by the hub's mu
	onClose   atomic.Pointer[func()] // called when it is closed (OnClose)
}

// OnClose sets a function called once when the connection is closed, by the hub or by
// Close: what unblocks a write to a client that reads nothing. Call it before the
// connection can be closed, right after Connect.
func (c *Conn) OnClose(f func()) {
	c.onClose.Store(&f)
	select {
	case <-c.done:
		f()
	default:
	}
}

// Frames returns the connection's frames, in delivery order.
func (c *Conn) Frames() <-chan *Frame { return c.ch }

// Done is closed when the hub closes the connection; Reason then tells why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Reason tells why the hub closed the connection, once Done is closed.
func (c *Conn) Reason() string { return c.reason }

// Close unregisters the connection; the caller is done with it.
func (c *Conn) Close() {
	c.close("")
	c.hub.remove(c)
}

// close marks the connection closed for reason, once.
func (c *Conn) close(reason string) {
	c.closeOnce.Do(func() {
		c.reason = reason
		close(c.done)
		if f := c.onClose.Load(); f != nil {
			(*f)()
		}
	})
}

// push hands f to the connection without waiting: a connection whose buffer is full is
// closed as lagging.
func (c *Conn) push(f *Frame) {
	select {
	case c.ch <- f:
	default:
		c.close(ReasonLagging)
	}
}

// Delivery is how a frame reaches its receiver; see group.Deliver.
type Delivery = group.Delivery

// ofTopic reports whether ev belongs to a Community topic's stream. The stream does not
// carry topics yet: its event IDs and resume positions name a group and a MsgSeq of the
// group's own stream, and a topic's MsgSeq counts apart (docs/compatibility.md §14).
func ofTopic(ev im.Event) bool {
	switch e := ev.(type) {
	case im.MessageSent:
		return e.Msg.Topic != ""
	case im.TipAppended:
		return e.Msg.Topic != ""
	case im.MessageModified:
		return e.Msg.Topic != ""
	case im.MessagesRecalled:
		return e.Topic != ""
	}
	return false
}
