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

// SetUnreadMsgNum is set_unread_msg_num: it moves the member's read position so that n
// messages count as unread, clamped to the messages that exist (docs/compatibility.md
// §8). ChatRoom and AVChatRoom groups keep no unread counts: the call succeeds and
// changes nothing there, as Tencent documents.
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
		if !keepsUnread(g.Type) {
			return nil
		}
		m, err := loadMember(ctx, tx, g.App, g.ID, account)
		if err != nil {
			return err
		}
		if m.MsgSeq, err = readSeqFor(ctx, tx, g, n); err != nil {
			return err
		}
		return tx.UpdateMember(ctx, g.App, m)
	})
}

// readSeqFor returns the read position at which n messages of g count as unread: after
// the n-th newest that counts, or before every message when fewer exist.
func readSeqFor(ctx context.Context, tx im.Tx, g im.Group, n int64) (int64, error) {
	if n == 0 {
		return g.NextMsgSeq - 1, nil
	}
	seq, err := tx.NthUnread(ctx, g.App, g.ID, n)
	if err != nil || seq == 0 {
		return 0, err
	}
	return seq - 1, nil
}
