package account

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// SetNoSpeaking is setnospeaking: an account-wide mute. Its group part blocks every
// send_group_msg from the account with 10017 (docs/compatibility.md §8).
func (s *Service) SetNoSpeaking(ctx context.Context, c im.Caller, account string, c2c, group *im.Number) error {
	if err := s.checkNoSpeakingAccount(c, account); err != nil {
		return err
	}
	if c2c == nil && group == nil {
		return im.Errorf(im.CodeNoMuteTime, "give C2CmsgNospeakingTime, GroupmsgNospeakingTime or both")
	}
	for _, f := range []struct {
		name string
		v    *im.Number
	}{{"C2CmsgNospeakingTime", c2c}, {"GroupmsgNospeakingTime", group}} {
		if f.v != nil && (!f.v.Exact || f.v.Int < 0 || f.v.Int > im.MuteForever) {
			return im.Errorf(im.CodeNoMuteTime, "%s %s is not an integer from 0 to %d", f.name, f.v.Text, im.MuteForever)
		}
	}
	now := s.clock.Now().Unix()
	return s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		if err := s.mustExist(ctx, tx, c, account); err != nil {
			return err
		}
		ns, err := tx.GetNoSpeaking(ctx, c.App.SDKAppID, account)
		if err != nil {
			return err
		}
		if c2c != nil {
			ns.C2CUntil = im.MuteEnd(now, c2c.Int)
		}
		if group != nil {
			ns.GroupUntil = im.MuteEnd(now, group.Int)
		}
		return tx.SetNoSpeaking(ctx, c.App.SDKAppID, account, ns)
	})
}

// GetNoSpeaking is getnospeaking: the seconds left of an account's account-wide mutes,
// MuteForever for no end, 0 when not muted.
func (s *Service) GetNoSpeaking(ctx context.Context, c im.Caller, account string) (c2c, group int64, err error) {
	if err := s.checkNoSpeakingAccount(c, account); err != nil {
		return 0, 0, err
	}
	var ns im.NoSpeaking
	err = s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		if err := s.mustExist(ctx, tx, c, account); err != nil {
			return err
		}
		ns, err = tx.GetNoSpeaking(ctx, c.App.SDKAppID, account)
		return err
	})
	now := s.clock.Now().Unix()
	return left(ns.C2CUntil, now), left(ns.GroupUntil, now), err
}

// checkNoSpeakingAccount checks the account of setnospeaking and getnospeaking: 130004
// when absent, 130005 when malformed.
func (s *Service) checkNoSpeakingAccount(c im.Caller, account string) error {
	if account == "" {
		return im.Errorf(im.CodeNoSetAccount, "the account is required")
	}
	if !im.ValidUserID(c.App.Limits, account) {
		return im.Errorf(im.CodeBadSetAccount, "%q is not a valid UserID", account)
	}
	return nil
}

// mustExist returns 130005 unless account is imported.
func (s *Service) mustExist(ctx context.Context, tx im.Tx, c im.Caller, account string) error {
	found, err := tx.ExistingAccounts(ctx, c.App.SDKAppID, []string{account})
	if err != nil {
		return fmt.Errorf("check account: %w", err)
	}
	if !found[account] {
		return im.Errorf(im.CodeBadSetAccount, "account %q has not been imported", account)
	}
	return nil
}

// left turns a stored end into the seconds left at now.
func left(end, now int64) int64 {
	switch {
	case end == im.MuteForever:
		return im.MuteForever
	case end <= now:
		return 0
	}
	return end - now
}
