package group

import (
	"context"

	"github.com/timdhq/timd/internal/im"
)

// ModifyBaseRequest is a modify_group_base_info request. A nil field is absent.
type ModifyBaseRequest struct {
	GroupID          string
	Name             *string
	Introduction     *string
	Notification     *string
	FaceURL          *string
	MaxMemberNum     *int64
	ApplyJoinOption  *string
	InviteJoinOption *string
	MuteAllMember    *string // "On" or "Off"
	AppData          []KV    // an empty Value deletes the key
}

// ModifyBaseInfo is modify_group_base_info. Every field is checked before anything
// changes; a call that changes anything advances InfoSeq and LastInfoTime.
func (s *Service) ModifyBaseInfo(ctx context.Context, c im.Caller, r ModifyBaseRequest) error {
	l := c.App.Limits
	if err := checkGroupID(l, r.GroupID); err != nil {
		return err
	}
	if r.Name != nil && *r.Name == "" {
		return im.Errorf(im.CodeInvalidParam, "Name must not be empty")
	}
	if err := checkGroupTexts(l, r.Name, r.Introduction, r.Notification, r.FaceURL); err != nil {
		return err
	}
	if err := checkCustomData("AppDefinedData", r.AppData, c.App.HasGroupField, l.GroupValueMax); err != nil {
		return err
	}
	return s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, r.GroupID)
		if err != nil {
			return err
		}
		changed, err := applyBase(&g, r)
		if err != nil || !changed {
			return err
		}
		s.touchInfo(&g)
		if err := tx.UpdateGroup(ctx, g); err != nil {
			return err
		}
		// The callback and the tip report the four texts; a change of options or custom
		// data alone reports nothing.
		if r.Name == nil && r.Introduction == nil && r.Notification == nil && r.FaceURL == nil {
			return nil
		}
		if err := s.tip(ctx, tx, c, &g, infoTip(r)); err != nil {
			return err
		}
		return s.record(ctx, tx, c, im.KindGroupInfoChanged, func() im.Event {
			return im.GroupInfoChanged{
				EventHead: s.eventHead(c, g),
				Name:      r.Name, Introduction: r.Introduction, Notification: r.Notification, FaceURL: r.FaceURL,
			}
		})
	})
}

// infoTip is the tip of the texts r changes, by their REST names.
func infoTip(r ModifyBaseRequest) im.Tip {
	t := im.Tip{Op: im.TipGroupInfoChange}
	for _, f := range []struct {
		name string
		v    *string
	}{{"Name", r.Name}, {"Introduction", r.Introduction}, {"Notification", r.Notification}, {"FaceUrl", r.FaceURL}} {
		if f.v != nil {
			t.InfoChanges = append(t.InfoChanges, im.KV{Key: f.name, Value: *f.v})
		}
	}
	return t
}

// applyBase validates the options of r against g and applies r to g; changed reports
// whether r asked for any change.
func applyBase(g *im.Group, r ModifyBaseRequest) (changed bool, err error) {
	for _, f := range []struct {
		from *string
		to   *string
	}{{r.Name, &g.Name}, {r.Introduction, &g.Introduction}, {r.Notification, &g.Notification}, {r.FaceURL, &g.FaceURL}} {
		if f.from != nil {
			*f.to, changed = *f.from, true
		}
	}
	if r.MaxMemberNum != nil {
		if err := checkMaxMemberNum(*g, *r.MaxMemberNum); err != nil {
			return false, err
		}
		g.MaxMemberNum, changed = *r.MaxMemberNum, true
	}
	// An empty option is read as absent, as in create_group: a client that sends every
	// field of its struct must not reset the option to the type's default.
	if deref(r.ApplyJoinOption, "") != "" || deref(r.InviteJoinOption, "") != "" {
		apply, invite, err := joinOptions(g.Type, deref(r.ApplyJoinOption, g.ApplyJoinOption), deref(r.InviteJoinOption, g.InviteJoinOption))
		if err != nil {
			return false, err
		}
		g.ApplyJoinOption, g.InviteJoinOption, changed = apply, invite, true
	}
	if r.MuteAllMember != nil {
		on, err := parseOnOff("MuteAllMember", *r.MuteAllMember)
		if err != nil {
			return false, err
		}
		g.MuteAllMember, changed = on, true
	}
	if len(r.AppData) > 0 {
		g.AppData, changed = applyCustomData(g.AppData, r.AppData), true
	}
	return changed, nil
}

// checkMaxMemberNum validates a new MaxMemberNum: positive, not for an AVChatRoom (whose
// size is unlimited), and not below the members the group already has.
func checkMaxMemberNum(g im.Group, n int64) error {
	switch {
	case g.Type == im.TypeAVChatRoom:
		return im.Errorf(im.CodeNotAllowed, "an AVChatRoom has no MaxMemberNum")
	case n <= 0:
		return im.Errorf(im.CodeInvalidParam, "MaxMemberNum %d must be positive", n)
	case n < g.MemberNum:
		return im.Errorf(im.CodeInvalidParam, "MaxMemberNum %d is below the group's %d members", n, g.MemberNum)
	}
	return nil
}

// parseOnOff parses "On" or "Off".
func parseOnOff(field, v string) (bool, error) {
	switch v {
	case "On":
		return true, nil
	case "Off":
		return false, nil
	}
	return false, im.Errorf(im.CodeInvalidParam, "%s %q is not On or Off", field, v)
}

// deref returns *p, or def when p is nil or empty.
func deref(p *string, def string) string {
	if p == nil || *p == "" {
		return def
	}
	return *p
}

// GroupInfo is one group of a get_group_info answer: the group, or the code of why not.
type GroupInfo struct {
	GroupID string
	Code    im.Code
	Info    string
	Group   im.Group
	// Listed tells whether the group's member list is part of the answer: when asked
	// for, and never for an AVChatRoom, whose members are unknown here. Members holds it.
	Listed  bool
	Members []im.Member
}

// GroupsInfo is get_group_info. Each group is answered on its own: a malformed ID is
// 10015 and a missing group 10010 in that group's entry, while the call succeeds. With
// withMembers, each group's members are read too (MuteUntil already reads 0 for expired
// mutes).
func (s *Service) GroupsInfo(ctx context.Context, c im.Caller, ids []string, withMembers bool) ([]GroupInfo, error) {
	l := c.App.Limits
	if len(ids) == 0 {
		return nil, im.Errorf(im.CodeInvalidParam, "GroupIdList is required")
	}
	if len(ids) > l.GroupInfoBatch {
		return nil, im.Errorf(im.CodeBatchTooLarge, "GroupIdList has %d groups, over the limit of %d", len(ids), l.GroupInfoBatch)
	}
	out := make([]GroupInfo, len(ids))
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		for i, id := range ids {
			info, err := s.groupInfo(ctx, tx, c.App, id, withMembers)
			if err != nil {
				return err
			}
			out[i] = info
		}
		return nil
	})
	return out, err
}

// groupInfo reads one group of get_group_info; a coded failure goes into the entry.
func (s *Service) groupInfo(ctx context.Context, tx im.Tx, app *im.App, id string, withMembers bool) (GroupInfo, error) {
	info := GroupInfo{GroupID: id}
	g, err := s.readGroup(ctx, tx, app, id)
	if code := im.CodeOf(err); code != im.CodeOK && code != im.CodeInternal {
		info.Code, info.Info = code, im.InfoOf(err)
		return info, nil
	}
	if err != nil {
		return info, err
	}
	info.Group = g
	info.Listed = withMembers && g.Type != im.TypeAVChatRoom
	if info.Listed {
		ms, err := tx.ListMembers(ctx, g.App, g.ID, im.MemberQuery{})
		if err != nil {
			return info, err
		}
		now := s.now()
		for i := range ms {
			ms[i].MuteUntil = effectiveMute(ms[i].MuteUntil, now)
		}
		info.Members = ms
	}
	return info, nil
}

// readGroup checks id and loads its group.
func (s *Service) readGroup(ctx context.Context, tx im.Tx, app *im.App, id string) (im.Group, error) {
	if err := checkGroupID(app.Limits, id); err != nil {
		return im.Group{}, err
	}
	return loadGroup(ctx, tx, app.SDKAppID, id)
}
