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
// imported, fails on its own (Result 0); without a JoinTime a member joins now. It sends
// no callbacks.
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
	now, out, added := s.now(), make([]AddOutcome, len(list)), int64(0)
	for i, nm := range list {
		out[i] = AddOutcome{Account: nm.Account, Result: AddFailed}
		role, err := initialRole(g.Type, nm.Role)
		if err != nil {
			return nil, err
		}
		join := nm.JoinTime
		if join == 0 {
			join = now
		} else if join <= g.CreateTime || join > now {
			continue
		}
		if !imported[nm.Account] {
			continue
		}
		m := im.Member{Group: g.ID, Account: nm.Account, Role: role, JoinTime: join, MsgFlag: im.MsgAcceptAndNotify, UnreadMsgNum: nm.UnreadMsgNum}
		switch err := tx.AddMember(ctx, app.SDKAppID, m); {
		case errors.Is(err, im.ErrConflict):
			out[i].Result = AddAlreadyMember
		case err != nil:
			return nil, fmt.Errorf("import member %q: %w", nm.Account, err)
		default:
			out[i].Result = AddAdded
			added++
		}
	}
	if g.MaxMemberNum > 0 && g.MemberNum+added > g.MaxMemberNum {
		return nil, im.Errorf(im.CodeGroupFull, "group %q is full: %d members and %d imported, MaxMemberNum %d", groupID, g.MemberNum, added, g.MaxMemberNum)
	}
	return out, nil
}
