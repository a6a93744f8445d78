package server

import (
	"sync"

	"github.com/timdhq/timd/internal/im"
)

// liveLogSize bounds the events a liveLog keeps per app.
const liveLogSize = 1000

// liveLog keeps the most recent events that are never stored (system notifications,
// messages sent online only or to an AVChatRoom), per app, so that tests and the
// development tools can see them. Nothing reads them back into the API: they are, as
// Tencent documents, delivered only to members online at that moment.
type liveLog struct {
	mu     sync.Mutex
	events map[uint64][]im.Event
}

func newLiveLog() *liveLog { return &liveLog{events: make(map[uint64][]im.Event)} }

// Publish records ev when it is never stored, dropping the oldest event of the app
// beyond liveLogSize.
func (l *liveLog) Publish(c im.Caller, ev im.Event) {
	switch e := ev.(type) {
	case im.SystemNotified:
	case im.MessageSent:
		if !e.Msg.OnlineOnly && e.Group.Type != im.TypeAVChatRoom {
			return
		}
	default:
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	app := c.App.SDKAppID
	evs := append(l.events[app], ev)
	if len(evs) > liveLogSize {
		evs = append(evs[:0:0], evs[len(evs)-liveLogSize:]...)
	}
	l.events[app] = evs
}

// Events returns the app's recorded events, oldest first.
func (l *liveLog) Events(app uint64) []im.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]im.Event(nil), l.events[app]...)
}

// LiveEvents returns the app's most recent events that are never stored (system
// notifications, messages sent online only or to an AVChatRoom), oldest first, at most
// 1,000.
func (s *Server) LiveEvents(app uint64) []im.Event { return s.live.Events(app) }

// lives hands each event to every Live in it.
type lives []im.Live

// Publish hands ev to each Live.
func (ls lives) Publish(c im.Caller, ev im.Event) {
	for _, l := range ls {
		l.Publish(c, ev)
	}
}
