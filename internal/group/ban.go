package group

import (
	"context"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// Ban limits: accounts of one ban_group_member or unban_group_member, bytes of a
// Description, and entries of one get_group_ban_member page (Tencent's pages).
const (
	maxBanBatch       = 20
	maxBanDescription = 1000
	maxBanPage        = 100
)

// BanMembers is ban_group_member: every listed account of an AVChatRoom is banned for
// duration seconds from now; a ban already there is replaced. A banned account cannot
// send to the room (10017, docs/compatibility.md §10) until the ban ends. The whole
// batch is checked before anything changes.
func (s *Service) BanMembers(ctx context.Context, c im.Caller, groupID string, accounts []string, duration *Number, description string) error {
	if err := s.checkBanCall(c, groupID, accounts); err != nil {
		return err
	}
	if duration == nil || !duration.Exact || duration.Int < 1 || duration.Int > im.MuteForever {
		text := "absent"
		if duration != nil {
			text = duration.Text
		}
		return im.Errorf(im.CodeInvalidParam, "Duration %s is not a number of seconds from 1 to %d", text, im.MuteForever)
	}
	if err := checkText("Description", description, maxBanDescription); err != nil {
		return err
	}
	until := s.now() + duration.Int
	return s.writeBans(ctx, c, groupID, accounts, func(account string) im.Ban {
		return im.Ban{Account: account, Until: until, Description: description}
	})
}

// UnbanMembers is unban_group_member: the listed accounts' bans end now. An account that
// is not banned is no error.
func (s *Service) UnbanMembers(ctx context.Context, c im.Caller, groupID string, accounts []string) error {
	if err := s.checkBanCall(c, groupID, accounts); err != nil {
		return err
	}
	return s.writeBans(ctx, c, groupID, accounts, func(account string) im.Ban { return im.Ban{Account: account} })
}

// BanPage is a page of get_group_ban_member: Next is the Offset of the next page, 0
// after the last.
type BanPage struct {
	Bans []im.Ban
	Next int64
}

// BannedMembers is get_group_ban_member: the bans in force, ordered by account, from
// offset, at most limit (1 to 100; 0 is 100).
func (s *Service) BannedMembers(ctx context.Context, c im.Caller, groupID string, limit, offset int64) (BanPage, error) {
	if !c.App.Features.AVChatRoomBan {
		return BanPage{}, errBanFeature
	}
	if err := checkGroupID(c.App.Limits, groupID); err != nil {
		return BanPage{}, err
	}
	if limit < 0 || limit > maxBanPage {
		return BanPage{}, im.Errorf(im.CodeInvalidParam, "Limit %d is not from 1 to %d", limit, maxBanPage)
	}
	if offset < 0 {
		return BanPage{}, im.Errorf(im.CodeInvalidParam, "Offset %d is negative", offset)
	}
	if limit == 0 {
		limit = maxBanPage
	}
	var page BanPage
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		if _, err := loadBanGroup(ctx, tx, c, groupID); err != nil {
			return err
		}
		bans, err := tx.ListBans(ctx, c.App.SDKAppID, groupID, s.now(), int(offset), int(limit)+1)
		if err != nil {
			return err
		}
		if int64(len(bans)) > limit {
			bans, page.Next = bans[:limit], offset+limit
		}
		page.Bans = bans
		return nil
	})
	return page, err
}

// errBanFeature answers the ban commands of an app without the feature.
var errBanFeature = im.Errorf(im.CodeNotAllowed, "AVChatRoom member banning is a feature of the Ultimate edition, turned off for this app")

// checkBanCall checks what ban and unban check before the store, in order: the feature
// (10007), the group ID (10015), the accounts: none (10004), over 20 (10005), one that is
// no UserID (10004).
func (s *Service) checkBanCall(c im.Caller, groupID string, accounts []string) error {
	if !c.App.Features.AVChatRoomBan {
		return errBanFeature
	}
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return err
	}
	return checkAccountList(l, "Members_Account", accounts, maxBanBatch)
}

// writeBans writes ban(account) for every account, after the checks that need the store:
// the group exists (10010) and is an AVChatRoom (10007), every account is imported
// (10019) and none is the owner (10007).
func (s *Service) writeBans(ctx context.Context, c im.Caller, groupID string, accounts []string, ban func(string) im.Ban) error {
	return s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadBanGroup(ctx, tx, c, groupID)
		if err != nil {
			return err
		}
		if err := checkImported(ctx, tx, c.App.SDKAppID, accounts...); err != nil {
			return err
		}
		for _, a := range accounts {
			if a == g.Owner {
				if err := allow(g.Type, OpBan, im.RoleOwner); err != nil {
					return err
				}
			}
		}
		for _, a := range accounts {
			if err := tx.SetBan(ctx, g.App, g.ID, ban(a)); err != nil {
				return fmt.Errorf("ban %q: %w", a, err)
			}
		}
		return nil
	})
}

// loadBanGroup reads the group inside tx and checks that it exists (10010) and is an
// AVChatRoom (10007).
func loadBanGroup(ctx context.Context, tx im.Tx, c im.Caller, groupID string) (im.Group, error) {
	g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
	if err != nil {
		return im.Group{}, err
	}
	return g, allow(g.Type, OpBan, "")
}

// checkBanned returns 10017 when from is banned from g now.
func (s *Service) checkBanned(ctx context.Context, tx im.Tx, g im.Group, from string) error {
	b, err := tx.GetBan(ctx, g.App, g.ID, from)
	switch {
	case errors.Is(err, im.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("read ban of %q: %w", from, err)
	case b.Until > s.now():
		return im.Errorf(im.CodeMuted, "%q is banned from group %q", from, g.ID)
	}
	return nil
}
