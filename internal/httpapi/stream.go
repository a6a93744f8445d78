package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/stream"
)

// StreamPath is the path of the event stream: GET, Server-Sent Events, authenticated as
// a user (docs/compatibility.md §14).
const StreamPath = "/v4/stream"

// maxResume bounds the groups a reconnecting client may name with since.
const maxResume = 1000

// Stream is what the event stream needs of the hub and of the login state.
type Stream interface {
	// Connect registers a connection of user.
	Connect(app uint64, user string) *stream.Conn
	// Watch makes the connection receive every event of the groups.
	Watch(c *stream.Conn, groups []string)
	// KickedAt returns the unix second of user's last kick, 0 for none: usersigs issued
	// at or before it are refused.
	KickedAt(app uint64, user string) int64
}

// streamGroup is one group of the ready event: where the stream starts in it.
type streamGroup struct {
	GroupID string `json:"GroupId"`
	MsgSeq  int64  `json:"MsgSeq"`
}

type readyEvent struct {
	Identifier string        `json:"Identifier"`
	Groups     []streamGroup `json:"Groups"`
}

type messageEvent struct {
	GroupID string     `json:"GroupId"`
	Notify  bool       `json:"Notify"`
	Own     bool       `json:"Own"`
	Message historyMsg `json:"Message"`
}

type recallEvent struct {
	GroupID         string      `json:"GroupId"`
	OperatorAccount string      `json:"Operator_Account"`
	MsgSeqList      []recallSeq `json:"MsgSeqList"`
}

type recallSeq struct {
	MsgSeq int64 `json:"MsgSeq"`
}

type modifyEvent struct {
	GroupID string     `json:"GroupId"`
	Message historyMsg `json:"Message"`
}

type systemEvent struct {
	GroupID string `json:"GroupId"`
	Content string `json:"Content"`
}

type memberEvent struct {
	GroupID         string `json:"GroupId"`
	OperatorAccount string `json:"Operator_Account"`
}

type closeEvent struct {
	Reason string `json:"Reason"`
}

// serveStream serves GET /v4/stream: the user's groups' events as Server-Sent Events,
// from where the client resumes (Last-Event-ID, or since per group) and then live,
// until the client leaves, the hub closes the connection, or the server stops.
func (a *API) serveStream(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeBody(w, http.StatusMethodNotAllowed, failBody(im.CodeBadURL, "the stream takes GET only"))
		return
	}
	if a.stream == nil {
		writeBody(w, http.StatusNotFound, failBody(im.CodeBadPath, "the stream is not served here"))
		return
	}
	q := r.URL.Query()
	app, user, issued, err := a.authenticateUser(q)
	if err == nil && issued <= a.stream.KickedAt(app.SDKAppID, user) {
		err = im.Errorf(im.CodeSigExpired, "usersig was issued before %q was kicked: sign again", user)
	}
	var resume map[string]int64
	if err == nil {
		resume, err = parseResume(r.Header.Get("Last-Event-ID"), q["since"])
	}
	if err != nil {
		writeBody(w, http.StatusOK, failBody(im.CodeOf(err), im.InfoOf(err)))
		return
	}
	c := im.Caller{App: app.App, Identifier: user, ClientIP: r.RemoteAddr, RequestID: RequestID(r.Context())}
	conn := a.stream.Connect(app.SDKAppID, user)
	s := &streamWriter{a: a, c: c, conn: conn, pos: make(map[string]int64), watch: len(q["group"]) > 0}
	joined, err := a.streamGroups(r.Context(), c, app, q["group"])
	if err == nil && s.watch {
		a.stream.Watch(conn, q["group"])
	}
	if err != nil {
		conn.Close()
		if im.CodeOf(err) == im.CodeInternal {
			a.log.Error("stream: cannot read the user's groups", "request_id", c.RequestID, "identifier", user, "err", err)
		}
		writeBody(w, http.StatusOK, failBody(im.CodeOf(err), im.InfoOf(err)))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	// The UserSig is in the URL, not in a cookie: a page of any origin may read it.
	h.Set("Access-Control-Allow-Origin", "*")
	if r.ProtoMajor == 1 {
		if nc, ok := s.hijack(w, h); ok {
			if s.start(r.Context(), joined, resume) {
				// The stream goes on in a goroutine of its own, with a small stack: the
				// request's goroutine ends, and with it what net/http kept for the
				// connection.
				go s.serveHijacked(nc)
				return
			}
			nc.Close()
			conn.Close()
			return
		}
	}
	defer conn.Close()
	// A stream outlives the server's read and write timeouts, which are for REST calls.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	w.WriteHeader(http.StatusOK)
	s.out = bufio.NewWriterSize(w, 512)
	s.flush = func() error {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if err := s.out.Flush(); err != nil {
			return err
		}
		return rc.Flush()
	}
	if s.start(r.Context(), joined, resume) {
		s.loop(r.Context())
	}
}

// streamWriteTimeout bounds one write of a stream: a client that reads nothing for that
// long is dropped.
const streamWriteTimeout = 30 * time.Second

// hijack takes an HTTP/1 connection over from net/http and writes the answer's head
// with the header h, the body then running until the connection closes. It reports
// false, having done nothing, when the connection cannot be taken over.
func (s *streamWriter) hijack(w http.ResponseWriter, h http.Header) (net.Conn, bool) {
	nc, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, false
	}
	_ = nc.SetDeadline(time.Time{})
	// No deadline per write (each would arm a timer): a client that reads nothing fills
	// its buffer in the hub, which then closes the stream, and the last writes get a
	// second.
	s.conn.OnClose(func() { _ = nc.SetWriteDeadline(time.Now().Add(time.Second)) })
	s.out = bufio.NewWriterSize(nc, 512)
	s.flush = s.out.Flush
	_, _ = s.out.WriteString("HTTP/1.1 200 OK\r\n")
	h.Set("Connection", "close")
	_ = h.Write(s.out)
	_, _ = s.out.WriteString("\r\n")
	return nc, true
}

// serveHijacked serves a taken-over connection until the stream ends. A second
// goroutine waits for the client to close the connection (a client sends nothing on a
// stream), so that it goes offline at once.
func (s *streamWriter) serveHijacked(nc net.Conn) {
	defer s.conn.Close()
	defer nc.Close()
	go func() {
		var b [1]byte
		_, _ = nc.Read(b[:])
		s.conn.Close()
	}()
	s.loop(context.Background())
}

// maxWatch bounds the groups an app admin may watch on one stream.
const maxWatch = 100

// streamGroups returns the groups a stream carries: the user's groups, or the groups an
// app admin watches (group parameters), as if a member that is never notified.
func (a *API) streamGroups(ctx context.Context, c im.Caller, app *App, watch []string) ([]im.Joined, error) {
	if len(watch) == 0 {
		return a.groups.StreamGroups(ctx, c, c.Identifier)
	}
	if !app.IsAdmin(c.Identifier) {
		return nil, im.Errorf(im.CodeNotAdmin, "only an app admin may watch groups (group)")
	}
	if len(watch) > maxWatch {
		return nil, im.Errorf(im.CodeInvalidParam, "group names %d groups, over the limit of %d", len(watch), maxWatch)
	}
	out := make([]im.Joined, 0, len(watch))
	for _, id := range watch {
		g, err := a.groups.StreamWatch(ctx, c, id)
		if err != nil {
			return nil, err
		}
		out = append(out, im.Joined{Group: g, Self: group.Watcher(c.Identifier)})
	}
	return out, nil
}

// parseResume reads where a client resumes: Last-Event-ID "group:seq" and each since
// "group:seq"; a group named twice resumes after the greater MsgSeq (a browser that
// reconnects by itself sends its first since again with a newer Last-Event-ID). A group
// ID may hold ':'; the last one separates the MsgSeq.
func parseResume(lastID string, since []string) (map[string]int64, error) {
	if len(since) > maxResume {
		return nil, im.Errorf(im.CodeInvalidParam, "since names %d groups, over the limit of %d", len(since), maxResume)
	}
	out := make(map[string]int64)
	for _, v := range append([]string{lastID}, since...) {
		if v == "" {
			continue
		}
		i := strings.LastIndexByte(v, ':')
		seq, err := strconv.ParseInt(v[i+1:], 10, 64)
		if i <= 0 || err != nil || seq < 0 {
			return nil, im.Errorf(im.CodeInvalidParam, "resume point %q is not GroupId:MsgSeq", v)
		}
		out[v[:i]] = max(out[v[:i]], seq)
	}
	return out, nil
}

// streamWriter writes one connection's events.
type streamWriter struct {
	a     *API
	c     im.Caller
	conn  *stream.Conn
	out   *bufio.Writer
	flush func() error
	// pos is, per group the user is a member of, the last MsgSeq the client has.
	pos map[string]int64
	// watch is set on an app admin's stream of the groups it watches.
	watch bool
	// early holds the MsgSeqs sent of a group being joined before its joined frame set
	// pos, when they may be past pos.
	early map[string]map[int64]bool
}

// noteEarly remembers that seq of group was sent before the stream knew the group.
func (s *streamWriter) noteEarly(group string, seq int64) {
	if s.early == nil {
		s.early = make(map[string]map[int64]bool)
	}
	if s.early[group] == nil {
		s.early[group] = make(map[int64]bool)
	}
	s.early[group][seq] = true
}

// start writes the ready event and what the client missed, and reports whether the
// stream goes on.
func (s *streamWriter) start(ctx context.Context, joined []im.Joined, resume map[string]int64) bool {
	ready := readyEvent{Identifier: s.c.Identifier, Groups: make([]streamGroup, 0, len(joined))}
	var replay []string
	for _, j := range joined {
		last := j.Group.NextMsgSeq - 1
		p, ok := resume[j.Group.ID]
		switch {
		case !ok || p >= last:
			s.pos[j.Group.ID] = last
		default:
			s.pos[j.Group.ID] = p
			replay = append(replay, j.Group.ID)
		}
		ready.Groups = append(ready.Groups, streamGroup{GroupID: j.Group.ID, MsgSeq: s.pos[j.Group.ID]})
	}
	s.event("ready", "", ready)
	for _, g := range replay {
		if !s.catchUp(ctx, g, 1<<62) {
			return false
		}
	}
	return s.flush() == nil
}

// loop writes live frames until ctx ends or the hub closes the connection.
func (s *streamWriter) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.conn.Done():
			s.closing(s.conn.Reason())
			return
		case f := <-s.conn.Frames():
			if !s.frame(ctx, f) || !s.drain(ctx) || s.flush() != nil {
				return
			}
		}
	}
}

// drain writes the frames already waiting, so that one flush sends them together.
func (s *streamWriter) drain(ctx context.Context) bool {
	for {
		select {
		case f := <-s.conn.Frames():
			if !s.frame(ctx, f) {
				return false
			}
		default:
			return true
		}
	}
}

// closing tells the client why the stream ends; it resumes unless kicked.
func (s *streamWriter) closing(reason string) {
	if reason != "" {
		s.event("close", "", closeEvent{Reason: reason})
		_ = s.flush()
	}
}

// frame writes one frame from the hub: a stored message the client has already is
// skipped, and one past a gap is preceded by what the gap holds, read from the store.
func (s *streamWriter) frame(ctx context.Context, f *stream.Frame) bool {
	if _, ok := s.pos[f.Group]; s.watch && !ok && f.Kind != stream.KindPing {
		return true // an admin watching groups gets theirs only
	}
	switch f.Kind {
	case stream.KindPing:
		_, err := s.out.WriteString(": keep-alive\n\n")
		return err == nil
	case stream.KindJoined:
		if _, ok := s.pos[f.Group]; ok {
			return true // the stream started after the join: its ready event said so
		}
		s.pos[f.Group] = f.NextSeq - 1
	case stream.KindRemoved, stream.KindDestroyed:
		if _, ok := s.pos[f.Group]; !ok {
			return true // the stream started after the change
		}
		delete(s.pos, f.Group)
		delete(s.early, f.Group)
	case stream.KindSkip:
		if p, ok := s.pos[f.Group]; ok && f.Msg.Seq > p {
			if f.Msg.Seq > p+1 && !s.catchUp(ctx, f.Group, f.Msg.Seq-1) {
				return false
			}
			s.pos[f.Group] = f.Msg.Seq
		}
		return true
	case stream.KindMessage:
		// A group the stream does not know yet is one being joined: its joined frame,
		// which follows, sets where the stream is in it; what came before is noted, so
		// that it is not sent again.
		p, ok := s.pos[f.Group]
		if !ok && f.Stored {
			s.noteEarly(f.Group, f.Msg.Seq)
		}
		if ok && f.Stored {
			if s.early[f.Group][f.Msg.Seq] {
				return true
			}
			if f.Msg.Seq <= p {
				return true
			}
			if f.Msg.Seq > p+1 && !s.catchUp(ctx, f.Group, f.Msg.Seq-1) {
				return false
			}
			s.pos[f.Group] = f.Msg.Seq
		}
	}
	_, err := s.out.Write(f.Encoded(encodeFrame))
	return err == nil
}

// catchUp writes the stored messages of a group after the client's position, up to
// upTo, and reports whether the stream goes on.
func (s *streamWriter) catchUp(ctx context.Context, groupID string, upTo int64) bool {
	for {
		after := s.pos[groupID]
		if after >= upTo {
			return true
		}
		msgs, next, member, err := s.a.groups.StreamReplay(ctx, s.c, s.c.Identifier, groupID, after, upTo, s.watch)
		if err != nil {
			s.a.log.Warn("stream: replay failed", "group", groupID, "err", err)
			s.closing(stream.ReasonLagging)
			return false
		}
		if !member || next <= after+1 && len(msgs) == 0 {
			return true
		}
		for _, m := range msgs {
			if s.early[groupID][m.Msg.Seq] {
				continue
			}
			f := &stream.Frame{Kind: stream.KindMessage, Group: groupID, Stored: true, Msg: m.Msg, Delivery: m.Delivery}
			if _, err := s.out.Write(encodeFrame(f)); err != nil {
				return false
			}
		}
		s.pos[groupID] = next - 1
		for seq := range s.early[groupID] {
			if seq <= next-1 {
				delete(s.early[groupID], seq)
			}
		}
		if next-1 >= upTo {
			return true
		}
	}
}

// event writes one event with a JSON data line.
func (s *streamWriter) event(name, id string, v any) {
	_, _ = s.out.Write(encodeEvent(name, id, v))
}

// encodeFrame is a frame as Server-Sent Events.
func encodeFrame(f *stream.Frame) []byte {
	switch f.Kind {
	case stream.KindMessage:
		id := ""
		if f.Stored {
			id = f.Group + ":" + strconv.FormatInt(f.Msg.Seq, 10)
		}
		return encodeEvent("message", id, messageEvent{GroupID: f.Group, Notify: f.Delivery.Notify, Own: f.Delivery.Own, Message: renderMessage(f.Msg)})
	case stream.KindModify:
		return encodeEvent("modify", "", modifyEvent{GroupID: f.Group, Message: renderMessage(f.Msg)})
	case stream.KindRecall:
		seqs := make([]recallSeq, len(f.Seqs))
		for i, q := range f.Seqs {
			seqs[i] = recallSeq{MsgSeq: q}
		}
		return encodeEvent("recall", "", recallEvent{GroupID: f.Group, OperatorAccount: f.Operator, MsgSeqList: seqs})
	case stream.KindSystem:
		return encodeEvent("system", "", systemEvent{GroupID: f.Group, Content: f.Content})
	}
	return encodeEvent(string(f.Kind), "", memberEvent{GroupID: f.Group, OperatorAccount: f.Operator})
}

// encodeEvent is one event: its name, its id when it has one, and its JSON on one data
// line.
func encodeEvent(name, id string, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil { // the events hold strings, numbers and raw JSON already checked
		data = []byte("{}")
	}
	b := make([]byte, 0, len(data)+len(name)+len(id)+24)
	b = append(b, "event: "...)
	b = append(b, name...)
	if id != "" {
		b = append(b, "\nid: "...)
		b = append(b, id...)
	}
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}
