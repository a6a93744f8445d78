package group

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/timdhq/timd/internal/im"
)

// Topic ID rules (Tencent's "Custom Topic IDs"): GroupId + "@TOPIC#_" + a suffix of
// printable ASCII, at most 96 bytes in all; a custom suffix may not contain "@TGS#_" nor
// start with "@TOPIC#", which minted suffixes do.
const (
	topicMark       = "@TOPIC#"
	topicIDMax      = 96
	mintedTopicMark = "@TOPIC#c"
)

// Limits of a topic's texts in bytes (Tencent's create_topic page).
const (
	topicNameMax         = 30
	topicCustomStringMax = 3000
	topicFaceURLMax      = 100
	topicNotificationMax = 300
	topicIntroductionMax = 240
)

// TopicRequest is a create_topic, import_topic or modify_topic request; a nil field is
// absent.
type TopicRequest struct {
	GroupID       string
	TopicID       string // create, import: "" to mint one
	From          string // the account acting, "" for the caller
	Name          *string
	FaceURL       *string
	Notification  *string
	Introduction  *string
	CustomString  *string
	MuteAllMember *string // modify_topic only: "On" or "Off"
	CreateTime    *Number // import_topic only: unix seconds; nil for now
	Type          *string // import_topic only: "Community" when given
}

// TopicResult is one topic of a get_topic or destroy_topic answer: the topic (only its
// ID for destroy_topic), or the code of why not. Self is the From_Account's view of it.
type TopicResult struct {
	Code  im.Code
	Info  string
	Topic im.Topic
	Self  TopicSelf
}

// TopicSelf is what get_topic's SelfInfo reports for an account: its mute end in the
// Community (0 for none), its message flag, and its read position in the topic.
type TopicSelf struct {
	MuteUntil int64
	MsgFlag   im.MsgFlag
	MsgSeq    int64
}

// CreateTopic is create_topic: a topic of a Community that supports topics, after the
// app's Group.CallbackBeforeCreateTopic, reported by Group.CallbackAfterCreateTopic. It
// answers the topic's ID (docs/compatibility.md §12).
func (s *Service) CreateTopic(ctx context.Context, c im.Caller, r TopicRequest) (string, error) {
	return s.createTopic(ctx, c, r, false)
}

// ImportTopic is import_topic: create_topic for a migration, with an optional CreateTime
// and no callbacks.
func (s *Service) ImportTopic(ctx context.Context, c im.Caller, r TopicRequest) (string, error) {
	return s.createTopic(ctx, c, r, true)
}

// createTopic checks r, asks the app (unless importing) and creates the topic.
func (s *Service) createTopic(ctx context.Context, c im.Caller, r TopicRequest, importing bool) (string, error) {
	tp, err := s.newTopic(c, r, importing)
	if err != nil {
		return "", err
	}
	operator := c
	if r.From != "" {
		operator.Identifier = r.From
	}
	if !importing && s.wants(c, im.KindCreatingTopic) {
		var g im.Group
		if err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) (err error) {
			g, err = s.topicGroup(ctx, tx, c, r.GroupID, r.From)
			return err
		}); err != nil {
			return "", err
		}
		if _, err := s.ask(ctx, c, im.CreatingTopic{EventHead: s.eventHead(operator, g), Topic: tp}); err != nil {
			return "", err
		}
	}
	var id string
	err = s.update(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := s.topicGroup(ctx, tx, c, r.GroupID, r.From)
		if err != nil {
			return err
		}
		t := tp // a retried transaction mints again
		if err := s.insertTopic(ctx, tx, c, &t); err != nil {
			return err
		}
		id = t.ID
		if importing {
			return nil
		}
		return s.record(ctx, tx, c, im.KindTopicCreated, func() im.Event {
			return im.TopicCreated{EventHead: s.eventHead(operator, g), Topic: t}
		})
	})
	return id, err
}

// newTopic checks what create_topic and import_topic can be judged on alone, in this
// order: GroupId (10015), TopicId (10004), the texts (10004), From_Account (10004),
// CreateTime and Type (import_topic, 10004). It returns the topic to create, its ID ""
// when it is to be minted.
func (s *Service) newTopic(c im.Caller, r TopicRequest, importing bool) (im.Topic, error) {
	l := c.App.Limits
	if err := checkGroupID(l, r.GroupID); err != nil {
		return im.Topic{}, err
	}
	if r.TopicID != "" {
		if err := checkCustomTopicID(r.GroupID, r.TopicID); err != nil {
			return im.Topic{}, err
		}
	}
	if !importing && (r.Name == nil || *r.Name == "") {
		return im.Topic{}, im.Errorf(im.CodeInvalidParam, "TopicName is required")
	}
	if err := checkTopicTexts(r); err != nil {
		return im.Topic{}, err
	}
	if r.From != "" {
		if err := checkAccount(l, "From_Account", r.From); err != nil {
			return im.Topic{}, err
		}
	}
	now := s.now()
	created := now
	if r.CreateTime != nil {
		n := r.CreateTime
		if !n.Exact || n.Int <= 0 || n.Int > now {
			return im.Topic{}, im.Errorf(im.CodeInvalidParam, "CreateTime %s is not a unix time in the past", n.Text)
		}
		created = n.Int
	}
	if r.Type != nil && *r.Type != string(im.TypeCommunity) {
		return im.Topic{}, im.Errorf(im.CodeInvalidParam, "Type %q: topics belong to a Community", *r.Type)
	}
	return im.Topic{
		App: c.App.SDKAppID, Group: r.GroupID, ID: r.TopicID, Name: deref(r.Name, ""),
		FaceURL: deref(r.FaceURL, ""), Notification: deref(r.Notification, ""),
		Introduction: deref(r.Introduction, ""), CustomString: deref(r.CustomString, ""),
		CreateTime: created, NextMsgSeq: 1,
	}, nil
}

// checkTopicTexts checks the texts of a topic request against their byte limits.
func checkTopicTexts(r TopicRequest) error {
	checks := []struct {
		field string
		v     *string
		limit int
	}{
		{"TopicName", r.Name, topicNameMax}, {"FaceUrl", r.FaceURL, topicFaceURLMax},
		{"Notification", r.Notification, topicNotificationMax}, {"Introduction", r.Introduction, topicIntroductionMax},
		{"CustomString", r.CustomString, topicCustomStringMax},
	}
	for _, c := range checks {
		if c.v == nil {
			continue
		}
		if err := checkText(c.field, *c.v, c.limit); err != nil {
			return err
		}
	}
	return nil
}

// checkTopicID returns 10004 unless id is a well-formed topic ID of group: group +
// "@TOPIC#_" + a suffix of printable ASCII, at most 96 bytes in all.
func checkTopicID(group, id string) error {
	suffix, ok := strings.CutPrefix(id, group+im.TopicInfix)
	switch {
	case !ok || suffix == "":
		return im.Errorf(im.CodeInvalidParam, "TopicId %q is not %q + %q + a suffix", id, group, im.TopicInfix)
	case len(id) > topicIDMax || !im.PrintableASCII(id):
		return im.Errorf(im.CodeInvalidParam, "TopicId must be at most %d bytes of printable ASCII", topicIDMax)
	}
	return nil
}

// checkCustomTopicID is checkTopicID for an ID chosen by create_topic or import_topic:
// its suffix may not contain "@TGS#_" nor start with "@TOPIC#", which is how minted
// suffixes start.
func checkCustomTopicID(group, id string) error {
	if err := checkTopicID(group, id); err != nil {
		return err
	}
	suffix := strings.TrimPrefix(id, group+im.TopicInfix)
	if strings.Contains(suffix, communityPrefix) || strings.HasPrefix(suffix, topicMark) {
		return im.Errorf(im.CodeInvalidParam, "a custom TopicId's suffix must not contain %s nor start with %s", communityPrefix, topicMark)
	}
	return nil
}

// topicGroup loads the Community of a topic command inside tx: 10010 when there is no
// such group, 11000 unless the app serves topics and the group is a Community created
// with SupportTopic, and 10004 when from is given and not an imported account.
func (s *Service) topicGroup(ctx context.Context, tx im.Tx, c im.Caller, groupID, from string) (im.Group, error) {
	g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
	if err != nil {
		return im.Group{}, err
	}
	if err := checkTopics(c.App, g); err != nil {
		return im.Group{}, err
	}
	if from != "" {
		if err := checkImported(ctx, tx, g.App, from); err != nil {
			return im.Group{}, im.Errorf(im.CodeInvalidParam, "From_Account %q has not been imported", from)
		}
	}
	return g, nil
}

// checkTopics returns 11000 unless g may hold topics.
func checkTopics(app *im.App, g im.Group) error {
	switch {
	case !app.Features.Topics:
		return im.Errorf(im.CodeNoTopics, "the app's Community topics are turned off")
	case g.Type != im.TypeCommunity:
		return im.Errorf(im.CodeNoTopics, "group %q is a %s group: only a Community holds topics", g.ID, g.Type)
	case !g.SupportTopic:
		return im.Errorf(im.CodeNoTopics, "Community %q was not created with SupportTopic 1", g.ID)
	}
	return nil
}

// insertTopic creates tp in its group, minting its ID when it has none: 10037 when the
// Community holds as many topics as allowed, 10021 when the ID is taken.
func (s *Service) insertTopic(ctx context.Context, tx im.Tx, c im.Caller, tp *im.Topic) error {
	topics, err := tx.ListTopics(ctx, tp.App, tp.Group)
	if err != nil {
		return fmt.Errorf("list topics of %q: %w", tp.Group, err)
	}
	if limit := c.App.Limits.TopicsPerCommunity; len(topics) >= limit {
		return im.Errorf(im.CodeTooManyTopics, "Community %q holds %d topics, the limit", tp.Group, limit)
	}
	minted := tp.ID == ""
	for range 8 {
		if minted {
			tp.ID = s.mintTopicID(tp.Group)
		}
		err := tx.CreateTopic(ctx, *tp)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, im.ErrConflict):
			return fmt.Errorf("create topic: %w", err)
		case !minted:
			return im.Errorf(im.CodeGroupIDInUse, "TopicId %q is taken", tp.ID)
		}
	}
	return fmt.Errorf("no unused topic id after 8 tries")
}

// mintTopicID returns a fresh random topic ID of group: group + "@TOPIC#_@TOPIC#c" + 10
// characters of A-Z 2-7, as Tencent's minted topic IDs look.
func (s *Service) mintTopicID(group string) string {
	b := make([]byte, 10)
	s.rand(b)
	for i, c := range b {
		b[i] = base32[c&31]
	}
	return group + im.TopicInfix + mintedTopicMark + string(b)
}

// Topics is get_topic: the topics named (all of the Community's, in byte order of
// TopicId, when none are), each with from's SelfInfo; a named topic that does not exist gets 110003.
func (s *Service) Topics(ctx context.Context, c im.Caller, groupID, from string, ids []string) ([]TopicResult, error) {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return nil, err
	}
	if err := checkAccount(l, "From_Account", from); err != nil {
		return nil, err
	}
	var out []TopicResult
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		if err := checkTopics(c.App, g); err != nil {
			return err
		}
		self, err := s.topicSelf(ctx, tx, g, from)
		if err != nil {
			return err
		}
		if out, err = readTopics(ctx, tx, g, ids); err != nil {
			return err
		}
		for i := range out {
			if out[i].Code == im.CodeOK {
				out[i].Self = self
				// timd keeps no read position per topic: no client reads here, so
				// a member has read every message (docs/compatibility.md §12).
				out[i].Self.MsgSeq = out[i].Topic.NextMsgSeq - 1
			}
		}
		return nil
	})
	return out, err
}

// topicSelf returns from's mute end and message flag in g; zero for no member.
func (s *Service) topicSelf(ctx context.Context, tx im.Tx, g im.Group, from string) (TopicSelf, error) {
	m, err := tx.GetMember(ctx, g.App, g.ID, from)
	if errors.Is(err, im.ErrNotFound) {
		return TopicSelf{}, nil
	}
	if err != nil {
		return TopicSelf{}, fmt.Errorf("load member %q: %w", from, err)
	}
	return TopicSelf{MuteUntil: effectiveMute(m.MuteUntil, s.now()), MsgFlag: m.MsgFlag}, nil
}

// readTopics returns the topics of g named by ids, in their order, or all of them.
func readTopics(ctx context.Context, tx im.Tx, g im.Group, ids []string) ([]TopicResult, error) {
	if len(ids) == 0 {
		topics, err := tx.ListTopics(ctx, g.App, g.ID)
		if err != nil {
			return nil, fmt.Errorf("list topics of %q: %w", g.ID, err)
		}
		out := make([]TopicResult, len(topics))
		for i, tp := range topics {
			out[i] = TopicResult{Topic: tp}
		}
		return out, nil
	}
	out := make([]TopicResult, len(ids))
	for i, id := range ids {
		var tp im.Topic
		err := im.ErrNotFound // an ID no topic of g can have is not looked up
		if checkTopicID(g.ID, id) == nil {
			tp, err = tx.GetTopic(ctx, g.App, g.ID, id)
		}
		switch {
		case errors.Is(err, im.ErrNotFound):
			out[i] = TopicResult{Code: im.CodeTopicGone, Info: fmt.Sprintf("group %q has no topic %q", g.ID, id), Topic: im.Topic{ID: id}}
		case err != nil:
			return nil, fmt.Errorf("get topic %q: %w", id, err)
		default:
			out[i] = TopicResult{Topic: tp}
		}
	}
	return out, nil
}

// ModifyTopic is modify_topic: the texts, CustomString and MuteAllMember given replace
// the topic's; changed texts are reported by Group.CallbackAfterTopicInfoChanged.
func (s *Service) ModifyTopic(ctx context.Context, c im.Caller, r TopicRequest) error {
	l := c.App.Limits
	if err := checkGroupID(l, r.GroupID); err != nil {
		return err
	}
	if err := checkTopicID(r.GroupID, r.TopicID); err != nil {
		return err
	}
	if err := checkTopicTexts(r); err != nil {
		return err
	}
	var mute *bool
	if r.MuteAllMember != nil {
		on, err := parseOnOff("MuteAllMember", *r.MuteAllMember)
		if err != nil {
			return err
		}
		mute = &on
	}
	if r.From != "" {
		if err := checkAccount(l, "From_Account", r.From); err != nil {
			return err
		}
	}
	operator := c
	if r.From != "" {
		operator.Identifier = r.From
	}
	return s.update(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := s.topicGroup(ctx, tx, c, r.GroupID, r.From)
		if err != nil {
			return err
		}
		tp, err := loadTopic(ctx, tx, g, r.TopicID)
		if err != nil {
			return err
		}
		ev := im.TopicInfoChanged{EventHead: s.eventHead(operator, g), Topic: tp.ID}
		applyTopic(&tp, r, mute, &ev)
		if err := tx.UpdateTopic(ctx, tp); err != nil {
			return err
		}
		if ev.Name == nil && ev.Introduction == nil && ev.Notification == nil && ev.FaceURL == nil {
			return nil
		}
		return s.record(ctx, tx, c, im.KindTopicInfoChanged, func() im.Event { return ev })
	})
}

// applyTopic sets the fields r gives in tp, and in ev the texts it sets.
func applyTopic(tp *im.Topic, r TopicRequest, mute *bool, ev *im.TopicInfoChanged) {
	set := func(dst *string, v *string, report **string) {
		if v != nil {
			*dst, *report = *v, v
		}
	}
	set(&tp.Name, r.Name, &ev.Name)
	set(&tp.FaceURL, r.FaceURL, &ev.FaceURL)
	set(&tp.Notification, r.Notification, &ev.Notification)
	set(&tp.Introduction, r.Introduction, &ev.Introduction)
	if r.CustomString != nil {
		tp.CustomString = *r.CustomString
	}
	if mute != nil {
		tp.MuteAllMember = *mute
	}
}

// loadTopic reads topic id of g inside tx (locking it in an Update), turning a missing
// topic into 10010.
func loadTopic(ctx context.Context, tx im.Tx, g im.Group, id string) (im.Topic, error) {
	tp, err := tx.GetTopic(ctx, g.App, g.ID, id)
	if errors.Is(err, im.ErrNotFound) {
		return im.Topic{}, im.Errorf(im.CodeGroupNotFound, "group %q has no topic %q", g.ID, id)
	}
	if err != nil {
		return im.Topic{}, fmt.Errorf("load topic %q: %w", id, err)
	}
	return tp, nil
}

// DestroyTopics is destroy_topic: each topic named is destroyed with its messages, on
// its own: 0, or 110003 for one that does not exist (destroyed already, or named twice).
// One Group.CallbackAfterTopicDestroyed lists those destroyed.
func (s *Service) DestroyTopics(ctx context.Context, c im.Caller, groupID string, ids []string) ([]TopicResult, error) {
	if err := checkGroupID(c.App.Limits, groupID); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, im.Errorf(im.CodeInvalidParam, "TopicIdList is required")
	}
	for _, id := range ids {
		if err := checkTopicID(groupID, id); err != nil {
			return nil, err
		}
	}
	out := make([]TopicResult, len(ids))
	err := s.update(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := s.topicGroup(ctx, tx, c, groupID, "")
		if err != nil {
			return err
		}
		var destroyed []string
		for i, id := range ids {
			out[i] = TopicResult{Topic: im.Topic{ID: id}}
			err := tx.DestroyTopic(ctx, g.App, g.ID, id)
			switch {
			case errors.Is(err, im.ErrNotFound):
				out[i].Code, out[i].Info = im.CodeTopicGone, fmt.Sprintf("group %q has no topic %q", g.ID, id)
			case err != nil:
				return err
			default:
				destroyed = append(destroyed, id)
			}
		}
		if len(destroyed) == 0 {
			return nil
		}
		return s.record(ctx, tx, c, im.KindTopicsDestroyed, func() im.Event {
			return im.TopicsDestroyed{EventHead: s.eventHead(c, g), Topics: destroyed}
		})
	})
	return out, err
}

// stream is the message stream a message command works on: the group's own, or one of
// its topics'.
type stream struct {
	id      string    // the group's or the topic's ID
	next    int64     // the NextMsgSeq of the stream
	last    int64     // the LastMsgTime of the stream
	created int64     // the CreateTime of the group or topic
	topic   *im.Topic // nil for the group's own stream
}

// topicID returns the ID of the stream's topic, "" for the group's own stream.
func (st stream) topicID() string {
	if st.topic == nil {
		return ""
	}
	return st.topic.ID
}

// openStream returns the stream of g that topicID names ("" for the group's own),
// loading the topic inside tx (locked in an Update): 11000 when g holds no topics, 10010
// when it has no such topic. The caller has checked topicID with checkTopicID.
func openStream(ctx context.Context, tx im.Tx, app *im.App, g im.Group, topicID string) (stream, error) {
	if topicID == "" {
		return stream{id: g.ID, next: g.NextMsgSeq, last: g.LastMsgTime, created: g.CreateTime}, nil
	}
	if err := checkTopics(app, g); err != nil {
		return stream{}, err
	}
	tp, err := loadTopic(ctx, tx, g, topicID)
	if err != nil {
		return stream{}, err
	}
	return stream{id: tp.ID, next: tp.NextMsgSeq, last: tp.LastMsgTime, created: tp.CreateTime, topic: &tp}, nil
}

// checkOptionalTopicID checks the TopicId of a message command: absent, or a
// well-formed topic ID of group (10004).
func checkOptionalTopicID(group, topicID string) error {
	if topicID == "" {
		return nil
	}
	return checkTopicID(group, topicID)
}
