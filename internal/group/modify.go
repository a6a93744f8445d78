package group

import (
	"context"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// ModifyMemberRequest is a modify_group_member_info request. A nil field is absent.
type ModifyMemberRequest struct {
	GroupID  string
	Account  string
	Role     *string
	MsgFlag  *string
	NameCard *string
	AppData  []KV // nil or empty: absent
	MuteTime *Number
}

// empty reports whether r asks for no change at all (docs/compatibility.md §5 row 17).
func (r *ModifyMemberRequest) empty() bool {
	return r.Role == nil && r.MsgFlag == nil && r.NameCard == nil && len(r.AppData) == 0 && r.MuteTime == nil
}

// groupLock is how modify r holds its group. A Role or a mute may count the group's
// admins and store a tip, which takes the group's next MsgSeq, so they exclude the
// group's other writers. A NameCard, MsgFlag or custom-field change writes the member
// alone, and changes to different members of one group need not wait for each other,
// unless it records a callback: a group's callbacks are delivered in the order of their
// outbox IDs, which only the group's lock makes the order of the commits.
func (s *Service) groupLock(c im.Caller, r *ModifyMemberRequest) im.GroupLock {
	reports := r.NameCard != nil || len(r.AppData) > 0
	if r.Role != nil || r.MuteTime != nil || reports && s.wants(c, im.KindMemberFieldChanged) {
		return im.WriteGroup
	}
	return im.KeepGroup
}

// ModifyMember is modify_group_member_info. It validates every field first, in the order
// of docs/compatibility.md §5 (first failure wins), then applies all of them in one transaction:
// either every change lands or none does.
func (s *Service) ModifyMember(ctx context.Context, c im.Caller, r ModifyMemberRequest) error {
	if err := checkGroupID(c.App.Limits, r.GroupID); err != nil { // row 1
		return err
	}
	if r.Account == "" { // row 2
		return im.Errorf(im.CodeInvalidParam, "Member_Account is required")
	}
	return s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
		return s.modifyMember(ctx, tx, c, &r)
	})
}

// modifyMember runs rows 3 to 17 of docs/compatibility.md §5 inside tx and applies the change.
func (s *Service) modifyMember(ctx context.Context, tx im.Tx, c im.Caller, r *ModifyMemberRequest) error {
	app := c.App
	g, m, found, err := loadGroupTarget(ctx, tx, app, r.GroupID, r.Account, s.groupLock(c, r)) // row 3
	if err != nil {
		return err
	}
	if err := allow(g.Type, OpModifyMember, ""); err != nil { // row 4
		return err
	}
	if !found { // rows 5 and 6
		return missingTarget(ctx, tx, app, g.ID, r.Account)
	}
	ch, err := s.memberChange(ctx, tx, app, g, m, r) // rows 7-16
	if err != nil || r.empty() {                     // row 17
		return err
	}
	if err := ch.apply(ctx, tx, app.SDKAppID, m); err != nil {
		return err
	}
	if err := s.fieldTips(ctx, tx, c, &g, m, ch); err != nil {
		return err
	}
	if r.MsgFlag != nil { // it decides what the member's streams receive
		note(ctx, c, im.MemberFieldChanged{EventHead: s.eventHead(c, g), Account: m.Account})
	}
	return s.recordFieldChanged(ctx, tx, c, g, m.Account, ch)
}

// fieldTips appends the tips of a modify: admin set (5) or cancelled (6), and a mute (8)
// with the seconds set (docs/compatibility.md §8).
func (s *Service) fieldTips(ctx context.Context, tx im.Tx, c im.Caller, g *im.Group, m im.Member, ch memberChange) error {
	switch {
	case ch.role == im.RoleAdmin && m.Role != im.RoleAdmin:
		if err := s.tip(ctx, tx, c, g, im.Tip{Op: im.TipSetAdmin, Members: []string{m.Account}}); err != nil {
			return err
		}
	case ch.role == im.RoleMember && m.Role == im.RoleAdmin:
		if err := s.tip(ctx, tx, c, g, im.Tip{Op: im.TipCancelAdmin, Members: []string{m.Account}}); err != nil {
			return err
		}
	}
	if !ch.mute {
		return nil
	}
	return s.tip(ctx, tx, c, g, muteTip(ch.seconds, m.Account))
}

// recordFieldChanged records the one MemberFieldChanged of a successful
// modify_group_member_info that changed Role, NameCard, MuteTime or custom data, with
// every such field it set (docs/compatibility.md §5). MsgFlag is the member's own
// business and reports nothing.
func (s *Service) recordFieldChanged(ctx context.Context, tx im.Tx, c im.Caller, g im.Group, account string, ch memberChange) error {
	if ch.role == "" && ch.nameCard == nil && !ch.mute && len(ch.appData) == 0 {
		return nil
	}
	return s.record(ctx, tx, c, im.KindMemberFieldChanged, func() im.Event {
		ev := im.MemberFieldChanged{
			EventHead: s.eventHead(c, g), Account: account,
			Role: ch.role, NameCard: ch.nameCard, AppData: ch.appData,
		}
		if ch.mute {
			ev.MuteTime = &ch.seconds
		}
		return ev
	})
}

// loadGroupTarget reads the group of a modify and the member it targets, in one store
// call when it can, holding the group as lock says: 10010 if the group does not exist
// (row 3); found is false when the account is no member. An account ID that is no
// well-formed UserID was never imported, and the store is not asked about it
// (PostgreSQL refuses a NUL in a text parameter).
func loadGroupTarget(ctx context.Context, tx im.Tx, app *im.App, groupID, account string, lock im.GroupLock) (im.Group, im.Member, bool, error) {
	if !im.ValidUserID(app.Limits, account) {
		g, err := loadGroup(ctx, tx, app.SDKAppID, groupID)
		return g, im.Member{}, false, err
	}
	g, m, found, err := tx.GetGroupMember(ctx, app.SDKAppID, groupID, account, lock)
	if errors.Is(err, im.ErrNotFound) {
		return im.Group{}, im.Member{}, false, im.Errorf(im.CodeGroupNotFound, "group %q does not exist", groupID)
	}
	if err != nil {
		return im.Group{}, im.Member{}, false, fmt.Errorf("load group %q and member %q: %w", groupID, account, err)
	}
	return g, m, found, nil
}

// missingTarget is the error of a modify whose account is no member: 10019 if the account
// was never imported (row 5), else 10007 (row 6). A membership implies an imported
// account (deleting an account deletes its memberships), so the account is looked up only
// when the membership is missing, which keeps the common path to one read.
func missingTarget(ctx context.Context, tx im.Tx, app *im.App, group, account string) error {
	if !im.ValidUserID(app.Limits, account) {
		return im.Errorf(im.CodeAccountNotFound, "account %q has not been imported", account)
	}
	if err := checkImported(ctx, tx, app.SDKAppID, account); err != nil {
		return err
	}
	return im.Errorf(im.CodeNotAllowed, "%q is not a member of group %q", account, group)
}

// memberChange is a validated modify_group_member_info change.
type memberChange struct {
	role     im.Role // "" for no change
	msgFlag  im.MsgFlag
	nameCard *string
	appData  []KV
	mute     bool
	seconds  int64 // the MuteTime asked for
	until    int64 // the mute end it gives
}

// memberChange checks rows 7 to 16 of docs/compatibility.md §5 for target m of group g.
func (s *Service) memberChange(ctx context.Context, tx im.Tx, app *im.App, g im.Group, m im.Member, r *ModifyMemberRequest) (memberChange, error) {
	var ch memberChange
	if r.Role != nil {
		role, err := s.checkRole(g, m, *r.Role) // rows 7-9
		if err != nil {
			return ch, err
		}
		ch.role = role
	}
	if r.MsgFlag != nil { // row 10
		if !im.ValidMsgFlag(im.MsgFlag(*r.MsgFlag)) {
			return ch, im.Errorf(im.CodeInvalidParam, "MsgFlag %q is not AcceptAndNotify, AcceptNotNotify, Discard or AcceptNotNotifyExceptAt", *r.MsgFlag)
		}
		ch.msgFlag = im.MsgFlag(*r.MsgFlag)
	}
	if r.NameCard != nil { // row 11
		if err := checkText("NameCard", *r.NameCard, app.Limits.NameCardMax); err != nil {
			return ch, err
		}
		ch.nameCard = r.NameCard
	}
	if err := checkCustomData("AppMemberDefinedData", r.AppData, app.HasMemberField, app.Limits.MemberValueMax); err != nil { // row 12
		return ch, err
	}
	ch.appData = r.AppData
	if r.MuteTime != nil {
		seconds, until, err := s.checkMute(g, m, "MuteTime", *r.MuteTime) // rows 13-15
		if err != nil {
			return ch, err
		}
		ch.mute, ch.seconds, ch.until = true, seconds, until
	}
	if ch.role == im.RoleAdmin && m.Role != im.RoleAdmin { // row 16
		if err := checkAdminLimit(ctx, tx, app, g); err != nil {
			return ch, err
		}
	}
	return ch, nil
}

// checkRole validates a requested Role for target m (rows 7 to 9).
func (s *Service) checkRole(g im.Group, m im.Member, role string) (im.Role, error) {
	if r := im.Role(role); r != im.RoleAdmin && r != im.RoleMember {
		return "", im.Errorf(im.CodeInvalidParam, "Role %q is not Admin or Member", role)
	}
	if err := allow(g.Type, OpSetRole, m.Role); err != nil {
		return "", err
	}
	return im.Role(role), nil
}

// checkMute validates a mute of target m for the given MuteTime (rows 13 to 15) and
// returns its seconds and the mute end to store.
func (s *Service) checkMute(g im.Group, m im.Member, field string, muteTime Number) (seconds, until int64, err error) {
	if err := allow(g.Type, OpMute, m.Role); err != nil {
		return 0, 0, err
	}
	n, err := checkMuteTime(field, muteTime)
	if err != nil {
		return 0, 0, err
	}
	return n, im.MuteEnd(s.now(), n), nil
}

// checkAdminLimit returns 10004 if g already has as many admins as the app allows.
func checkAdminLimit(ctx context.Context, tx im.Tx, app *im.App, g im.Group) error {
	limit := app.Limits.AdminsPerGroup
	if limit <= 0 {
		return nil
	}
	n, err := tx.CountMembers(ctx, app.SDKAppID, g.ID, im.RoleAdmin)
	if err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if n >= int64(limit) {
		return im.Errorf(im.CodeInvalidParam, "group %q already has %d admins, the limit", g.ID, n)
	}
	return nil
}

// apply writes the change to member m inside tx.
func (ch memberChange) apply(ctx context.Context, tx im.Tx, app uint64, m im.Member) error {
	if ch.role != "" {
		m.Role = ch.role
	}
	if ch.msgFlag != "" {
		m.MsgFlag = ch.msgFlag
	}
	if ch.nameCard != nil {
		m.NameCard = *ch.nameCard
	}
	m.AppData = applyCustomData(m.AppData, ch.appData)
	if ch.role != "" || ch.msgFlag != "" || ch.nameCard != nil || len(ch.appData) > 0 {
		if err := tx.UpdateMember(ctx, app, m); err != nil {
			return fmt.Errorf("update member %q: %w", m.Account, err)
		}
	}
	if ch.mute {
		if err := tx.SetMute(ctx, app, m.Group, m.Account, ch.until); err != nil {
			return fmt.Errorf("set mute of %q: %w", m.Account, err)
		}
	}
	return nil
}
