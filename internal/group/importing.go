package group

import (
	"context"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// ImportGroup is import_group: create_group for groups moved from elsewhere, keeping their
// CreateTime (unix seconds in the past; 0 for now). It sends no callbacks.
func (s *Service) ImportGroup(ctx context.Context, c im.Caller, r CreateRequest) (Created, error) {
	if t, ok := im.ParseGroupType(r.Type); ok {
		if err := allow(t, OpImport, ""); err != nil {
			return Created{}, err
		}
	}
	return s.create(ctx, c, r, OpImport)
}

// ImportedMember is one entry of an import_group_member MemberList.
type ImportedMember struct {
	Account      string
	Role         string // "", "Member" or "Admin"
	JoinTime     int64  // unix seconds; 0 for now
	UnreadMsgNum int64
}

// ImportMembers is import_group_member: it adds members with their original JoinTime and
// reports each account's outcome like add_group_member. A member whose JoinTime is given
// but not after the group's CreateTime and before now, or whose account was never
// imported, fails on its own (Result 0); without a JoinTime a member joins now. Admins
// count against the app's admin limit (10004 over it), and ChatRoom members keep no
// UnreadMsgNum, as in set_unread_msg_num. It sends no callbacks.
func (s *Service) ImportMembers(ctx context.Context, c im.Caller, groupID string, list []ImportedMember) ([]AddOutcome, error) {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, im.Errorf(im.CodeInvalidParam, "MemberList is required")
	}
	if len(list) > l.AddMemberBatch {
		return nil, im.Errorf(im.CodeBatchTooLarge, "MemberList has %d accounts, over the limit of %d", len(list), l.AddMemberBatch)
	}
	for _, m := range list {
		if err := checkAccount(l, "Member_Account", m.Account); err != nil {
			return nil, err
		}
		if m.UnreadMsgNum < 0 {
			return nil, im.Errorf(im.CodeInvalidParam, "UnreadMsgNum %d is negative", m.UnreadMsgNum)
		}
	}
	var out []AddOutcome
	err := s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		var err error
		out, err = s.importMembers(ctx, tx, c.App, groupID, list)
		return err
	})
	return out, err
}

// importMembers does the work of ImportMembers inside tx.
func (s *Service) importMembers(ctx context.Context, tx im.Tx, app *im.App, groupID string, list []ImportedMember) ([]AddOutcome, error) {
	g, err := loadGroup(ctx, tx, app.SDKAppID, groupID)
	if err != nil {
		return nil, err
	}
	if err := allow(g.Type, OpImport, ""); err != nil {
		return nil, err
	}
	accounts := make([]string, len(list))
	for i, m := range list {
		accounts[i] = m.Account
	}
	imported, err := tx.ExistingAccounts(ctx, app.SDKAppID, accounts)
	if err != nil {
		return nil, fmt.Errorf("check accounts: %w", err)
	}
	admins, err := tx.CountMembers(ctx, app.SDKAppID, g.ID, im.RoleAdmin)
	if err != nil {
		return nil, fmt.Errorf("count admins: %w", err)
	}
	now, out, added := s.now(), make([]AddOutcome, len(list)), int64(0)
	for i, nm := range list {
		out[i] = AddOutcome{Account: nm.Account, Result: AddFailed}
		role, err := initialRole(g.Type, nm.Role)
		if err != nil {
			return nil, err
		}
		m, ok := importedMember(g, nm, role, now)
		if !ok || !imported[nm.Account] {
			continue
		}
		switch err := tx.AddMember(ctx, app.SDKAppID, m); {
		case errors.Is(err, im.ErrConflict):
			out[i].Result = AddAlreadyMember
		case err != nil:
			return nil, fmt.Errorf("import member %q: %w", nm.Account, err)
		default:
			out[i].Result = AddAdded
			added++
			if role == im.RoleAdmin {
				admins++
			}
		}
	}
	if err := checkImportLimits(app.Limits, g, added, admins); err != nil {
		return nil, err
	}
	return out, nil
}

// importedMember is the membership an import_group_member entry makes in g at now, or
// false when its JoinTime is not after the group's CreateTime and not past now.
func importedMember(g im.Group, nm ImportedMember, role im.Role, now int64) (im.Member, bool) {
	join := nm.JoinTime
	if join == 0 {
		join = now
	} else if join <= g.CreateTime || join > now {
		return im.Member{}, false
	}
	m := im.Member{Group: g.ID, Account: nm.Account, Role: role, JoinTime: join, MsgFlag: im.MsgAcceptAndNotify, UnreadMsgNum: nm.UnreadMsgNum}
	if g.Type == im.TypeChatRoom {
		m.UnreadMsgNum = 0 // ChatRoom groups keep no unread counts (Tencent's docs, see docs/compatibility.md Sources)
	}
	return m, true
}

// checkImportLimits returns 10004 when g would hold more admins than the app allows, and
// 10014 when added new members would take g past its MaxMemberNum.
func checkImportLimits(l im.Limits, g im.Group, added, admins int64) error {
	if l.AdminsPerGroup > 0 && admins > int64(l.AdminsPerGroup) {
		return im.Errorf(im.CodeInvalidParam, "group %q would have %d admins, over the limit of %d per group", g.ID, admins, l.AdminsPerGroup)
	}
	if g.MaxMemberNum > 0 && g.MemberNum+added > g.MaxMemberNum {
		return im.Errorf(im.CodeGroupFull, "group %q is full: %d members and %d imported, MaxMemberNum %d", g.ID, g.MemberNum, added, g.MaxMemberNum)
	}
	return nil
}
