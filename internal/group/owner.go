package group

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// ChangeOwner is change_group_owner: the new owner must be a member (10007 otherwise);
// the old owner, if any, becomes an ordinary Member; a mute on the new owner is lifted.
// It works on ownerless groups too, which is how they get an owner.
func (s *Service) ChangeOwner(ctx context.Context, c im.Caller, groupID, newOwner string) error {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return err
	}
	if err := checkAccount(l, "NewOwner_Account", newOwner); err != nil {
		return err
	}
	return s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		if err := allow(g.Type, OpChangeOwner, ""); err != nil {
			return err
		}
		m, err := loadMember(ctx, tx, g.App, g.ID, newOwner)
		if err != nil || g.Owner == newOwner {
			return err
		}
		old := g.Owner
		if err := s.transferOwner(ctx, tx, g, m); err != nil {
			return err
		}
		g.Owner = newOwner
		if err := s.tip(ctx, tx, c, &g, im.Tip{Op: im.TipGroupInfoChange, InfoChanges: []im.KV{{Key: "Owner_Account", Value: newOwner}}}); err != nil {
			return err
		}
		return s.record(ctx, tx, c, im.KindOwnerChanged, func() im.Event {
			return im.OwnerChanged{EventHead: s.eventHead(c, g), OldOwner: old, NewOwner: newOwner}
		})
	})
}

// transferOwner makes member m the owner of g inside tx.
func (s *Service) transferOwner(ctx context.Context, tx im.Tx, g im.Group, m im.Member) error {
	if g.Owner != "" {
		old, err := tx.GetMember(ctx, g.App, g.ID, g.Owner)
		if err != nil {
			return fmt.Errorf("load old owner %q: %w", g.Owner, err)
		}
		old.Role = im.RoleMember
		if err := tx.UpdateMember(ctx, g.App, old); err != nil {
			return fmt.Errorf("demote old owner: %w", err)
		}
	}
	m.Role = im.RoleOwner
	if err := tx.UpdateMember(ctx, g.App, m); err != nil {
		return fmt.Errorf("promote new owner: %w", err)
	}
	if err := tx.SetMute(ctx, g.App, g.ID, m.Account, 0); err != nil {
		return fmt.Errorf("unmute new owner: %w", err)
	}
	g.Owner = m.Account
	s.touchInfo(&g)
	return tx.UpdateGroup(ctx, g)
}

// touchInfo records a change of g's base information.
func (s *Service) touchInfo(g *im.Group) {
	g.InfoSeq++
	g.LastInfoTime = s.now()
}
