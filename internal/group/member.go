package group

import (
	"context"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// AddResult is an add_group_member outcome for one account.
type AddResult int

// Outcomes of add_group_member per account (tencent-facts.md §4.5).
const (
	AddFailed        AddResult = 0 // not an imported account
	AddAdded         AddResult = 1
	AddAlreadyMember AddResult = 2
)

// AddOutcome is the result for one account of add_group_member.
type AddOutcome struct {
	Account string
	Result  AddResult
}

// AddMembers is add_group_member: it adds the imported accounts among accounts to the
// group and reports each account's outcome. The call fails with 10014, adding nobody,
// when the new members would take the group past its MaxMemberNum.
func (s *Service) AddMembers(ctx context.Context, c im.Caller, groupID string, accounts []string) ([]AddOutcome, error) {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return nil, err
	}
	if err := checkAccountList(l, "MemberList", accounts, l.AddMemberBatch); err != nil {
		return nil, err
	}
	var out []AddOutcome
	err := s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		var err error
		out, err = s.addMembers(ctx, tx, c.App, groupID, accounts)
		return err
	})
	return out, err
}

// addMembers does the work of AddMembers inside tx.
func (s *Service) addMembers(ctx context.Context, tx im.Tx, app *im.App, groupID string, accounts []string) ([]AddOutcome, error) {
	g, err := loadGroup(ctx, tx, app.SDKAppID, groupID)
	if err != nil {
		return nil, err
	}
	if err := allow(g.Type, OpAddMember, ""); err != nil {
		return nil, err
	}
	imported, err := tx.ExistingAccounts(ctx, app.SDKAppID, accounts)
	if err != nil {
		return nil, fmt.Errorf("check accounts: %w", err)
	}
	out := make([]AddOutcome, len(accounts))
	added := int64(0)
	now := s.now()
	for i, a := range accounts {
		out[i] = AddOutcome{Account: a, Result: AddFailed}
		if !imported[a] {
			continue
		}
		err := tx.AddMember(ctx, app.SDKAppID, im.Member{Group: groupID, Account: a, Role: im.RoleMember, JoinTime: now, MsgFlag: im.MsgAcceptAndNotify})
		switch {
		case errors.Is(err, im.ErrConflict):
			out[i].Result = AddAlreadyMember
		case err != nil:
			return nil, fmt.Errorf("add member %q: %w", a, err)
		default:
			out[i].Result = AddAdded
			added++
		}
	}
	if g.MaxMemberNum > 0 && g.MemberNum+added > g.MaxMemberNum {
		return nil, im.Errorf(im.CodeGroupFull, "group %q is full: %d members and %d new, MaxMemberNum %d", groupID, g.MemberNum, added, g.MaxMemberNum)
	}
	return out, nil
}

// checkAccountList returns 10004 for an empty list or a malformed account, and 10005 for
// a list over limit.
func checkAccountList(l im.Limits, field string, accounts []string, limit int) error {
	if len(accounts) == 0 {
		return im.Errorf(im.CodeInvalidParam, "%s is required", field)
	}
	if len(accounts) > limit {
		return im.Errorf(im.CodeBatchTooLarge, "%s has %d accounts, over the limit of %d", field, len(accounts), limit)
	}
	for _, a := range accounts {
		if err := checkAccount(l, "Member_Account", a); err != nil {
			return err
		}
	}
	return nil
}

// DeleteMembers is delete_group_member. Accounts that are not members are skipped
// silently, as Tencent does; the owner is never removed (10004).
func (s *Service) DeleteMembers(ctx context.Context, c im.Caller, groupID string, accounts []string) error {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return err
	}
	if err := checkAccountList(l, "MemberToDel_Account", accounts, l.DeleteMemberBatch); err != nil {
		return err
	}
	return s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		for _, a := range accounts {
			if err := s.deleteMember(ctx, tx, g, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// deleteMember removes one account from g after the matrix allows it.
func (s *Service) deleteMember(ctx context.Context, tx im.Tx, g im.Group, account string) error {
	target := im.RoleMember
	if account == g.Owner {
		target = im.RoleOwner
	}
	if err := allow(g.Type, OpDeleteMember, target); err != nil {
		return err
	}
	err := tx.DeleteMember(ctx, g.App, g.ID, account)
	if err != nil && !errors.Is(err, im.ErrNotFound) {
		return fmt.Errorf("delete member %q: %w", account, err)
	}
	return nil
}
