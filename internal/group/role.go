package group

import (
	"context"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// AccountRole is an account's role in a group.
type AccountRole struct {
	Account string
	Role    im.Role // RoleNotMember for non-members and unknown accounts
}

// RolesInGroup is get_role_in_group.
func (s *Service) RolesInGroup(ctx context.Context, c im.Caller, groupID string, accounts []string) ([]AccountRole, error) {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return nil, err
	}
	if err := checkAccountList(l, "User_Account", accounts, l.AccountListBatch); err != nil {
		return nil, err
	}
	out := make([]AccountRole, len(accounts))
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		if err := allow(g.Type, OpGetRole, ""); err != nil {
			return err
		}
		for i, a := range accounts {
			out[i] = AccountRole{Account: a, Role: im.RoleNotMember}
			m, err := tx.GetMember(ctx, g.App, g.ID, a)
			switch {
			case errors.Is(err, im.ErrNotFound):
			case err != nil:
				return fmt.Errorf("load member %q: %w", a, err)
			default:
				out[i].Role = m.Role
			}
		}
		return nil
	})
	return out, err
}

// SpecifiedMembers is get_specified_group_member_info: the members among accounts, in the
// order asked; accounts that are not members are left out.
func (s *Service) SpecifiedMembers(ctx context.Context, c im.Caller, groupID string, accounts []string) ([]im.Member, error) {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return nil, err
	}
	if err := checkAccountList(l, "Member_List_Account", accounts, l.SpecifiedMembers); err != nil {
		return nil, err
	}
	var out []im.Member
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		if err := allow(g.Type, OpListMembers, ""); err != nil {
			return err
		}
		now := s.now()
		for _, a := range accounts {
			m, err := tx.GetMember(ctx, g.App, g.ID, a)
			switch {
			case errors.Is(err, im.ErrNotFound):
			case err != nil:
				return fmt.Errorf("load member %q: %w", a, err)
			default:
				m.MuteUntil = effectiveMute(m.MuteUntil, now)
				out = append(out, m)
			}
		}
		return nil
	})
	return out, err
}

// SetUnreadMsgNum is set_unread_msg_num. timd keeps no messages, so it cannot clamp the
// number to the group's message count as Tencent does; it stores the number given.
// ChatRoom and AVChatRoom groups keep no unread counts: the call succeeds and changes
// nothing there, as Tencent documents.
func (s *Service) SetUnreadMsgNum(ctx context.Context, c im.Caller, groupID, account string, n int64) error {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return err
	}
	if err := checkAccount(l, "Member_Account", account); err != nil {
		return err
	}
	if n < 0 {
		return im.Errorf(im.CodeInvalidParam, "UnreadMsgNum %d is negative", n)
	}
	return s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		if g.Type == im.TypeChatRoom || g.Type == im.TypeAVChatRoom {
			return nil
		}
		m, err := loadMember(ctx, tx, g.App, g.ID, account)
		if err != nil {
			return err
		}
		m.UnreadMsgNum = n
		return tx.UpdateMember(ctx, g.App, m)
	})
}
