package group

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// ForbidSendMsg is forbid_send_msg: it mutes (or, with MuteTime 0, unmutes) every listed
// account for muteTime seconds. The whole batch is checked before anything changes.
//
// timd chooses the rules of modify_group_member_info for each account (Tencent's page is
// silent): an account that is not imported is 10019, a non-member 10007, the owner
// 10007. AVChatRoom members join through the client SDK and are unknown here, so in an
// AVChatRoom any imported account may be muted.
func (s *Service) ForbidSendMsg(ctx context.Context, c im.Caller, groupID string, accounts []string, muteTime *Number) error {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return err
	}
	if err := checkAccountList(l, "Members_Account", accounts, l.AccountListBatch); err != nil {
		return err
	}
	if muteTime == nil {
		return im.Errorf(im.CodeInvalidParam, "MuteTime is required")
	}
	return s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		if err := allow(g.Type, OpMute, ""); err != nil {
			return err
		}
		n, err := checkMuteTime("MuteTime", *muteTime)
		if err != nil {
			return err
		}
		if err := checkImported(ctx, tx, c.App.SDKAppID, accounts...); err != nil {
			return err
		}
		until := im.MuteEnd(s.now(), n)
		for _, a := range accounts {
			if err := s.muteOne(ctx, tx, g, a, until); err != nil {
				return err
			}
		}
		return s.tip(ctx, tx, c, &g, muteTip(n, accounts...)) // one tip lists every account
	})
}

// muteOne sets the mute of one account of g after the matrix allows it.
func (s *Service) muteOne(ctx context.Context, tx im.Tx, g im.Group, account string, until int64) error {
	if g.Type != im.TypeAVChatRoom {
		m, err := loadMember(ctx, tx, g.App, g.ID, account)
		if err != nil {
			return err
		}
		if err := allow(g.Type, OpMute, m.Role); err != nil {
			return err
		}
	} else if account == g.Owner {
		if err := allow(g.Type, OpMute, im.RoleOwner); err != nil {
			return err
		}
	}
	if err := tx.SetMute(ctx, g.App, g.ID, account, until); err != nil {
		return fmt.Errorf("set mute of %q: %w", account, err)
	}
	return nil
}

// MutedAccounts is get_group_muted_account: the accounts of the group muted now, with
// their mute ends.
func (s *Service) MutedAccounts(ctx context.Context, c im.Caller, groupID string) ([]im.Mute, error) {
	if err := checkGroupID(c.App.Limits, groupID); err != nil {
		return nil, err
	}
	var out []im.Mute
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		out, err = tx.ListMutes(ctx, c.App.SDKAppID, groupID, s.now(), g.Type != im.TypeAVChatRoom)
		return err
	})
	return out, err
}
