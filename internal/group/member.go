package group

import (
	"context"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// AddResult is an add_group_member outcome for one account.
type AddResult int

// Outcomes of add_group_member per account (Tencent's docs, see docs/compatibility.md Sources).
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
// when the new members would take the group past its MaxMemberNum. Unless silence, an
// invite tip names the accounts added.
func (s *Service) AddMembers(ctx context.Context, c im.Caller, groupID string, accounts []string, silence bool) ([]AddOutcome, error) {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return nil, err
	}
	if err := checkAccountList(l, "MemberList", accounts, l.AddMemberBatch); err != nil {
		return nil, err
	}
	refused, err := s.beforeInvite(ctx, c, groupID, accounts)
	if err != nil {
		return nil, err
	}
	var out []AddOutcome
	err = s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
		var err error
		out, err = s.addMembers(ctx, tx, c, groupID, accounts, refused, silence)
		return err
	})
	return out, err
}

// beforeInvite runs Group.CallbackBeforeInviteJoinGroup and returns the accounts the app
// refuses. The group is read outside the add's transaction only to fill in the body;
// the add itself checks the group again.
func (s *Service) beforeInvite(ctx context.Context, c im.Caller, groupID string, accounts []string) (map[string]bool, error) {
	if !s.wants(c, im.KindInvitingMembers) {
		return nil, nil
	}
	var g im.Group
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		var err error
		g, err = loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := allow(g.Type, OpAddMember, ""); err != nil {
		return nil, err
	}
	accs, err := s.ask(ctx, c, im.InvitingMembers{EventHead: s.eventHead(c, g), Accounts: accounts})
	if err != nil {
		return nil, err
	}
	refused := make(map[string]bool, len(accs))
	for _, r := range accs {
		refused[r] = true
	}
	return refused, nil
}

// addMembers does the work of AddMembers inside tx.
// Accounts in refused (by the before-callback) fail like accounts never imported.
func (s *Service) addMembers(ctx context.Context, tx im.Tx, c im.Caller, groupID string, accounts []string, refused map[string]bool, silence bool) ([]AddOutcome, error) {
	app := c.App
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
	members, err := memberSet(ctx, tx, app.SDKAppID, groupID, accounts)
	if err != nil {
		return nil, err
	}
	out := make([]AddOutcome, len(accounts))
	var add []im.Member
	now := s.now()
	for i, a := range accounts {
		out[i] = AddOutcome{Account: a, Result: AddFailed}
		switch {
		case !imported[a] || refused[a]:
		case members[a]: // a member already, or listed twice
			out[i].Result = AddAlreadyMember
		default:
			out[i].Result = AddAdded
			members[a] = true
			// A new member starts with nothing unread (docs/compatibility.md §8).
			add = append(add, im.Member{Account: a, Role: im.RoleMember, JoinTime: now,
				MsgFlag: im.MsgAcceptAndNotify, MsgSeq: g.NextMsgSeq - 1})
		}
	}
	added := int64(len(add))
	if err := tx.AddMembers(ctx, app.SDKAppID, groupID, add); err != nil {
		return nil, fmt.Errorf("add members: %w", err)
	}
	if g.MaxMemberNum > 0 && g.MemberNum+added > g.MaxMemberNum {
		return nil, im.Errorf(im.CodeGroupFull, "group %q is full: %d members and %d new, MaxMemberNum %d", groupID, g.MemberNum, added, g.MaxMemberNum)
	}
	g.MemberNum += added
	if added > 0 && !silence {
		if err := s.tip(ctx, tx, c, &g, im.Tip{Op: im.TipInvite, Members: addedAccounts(out)}); err != nil {
			return nil, err
		}
	}
	return out, s.recordJoined(ctx, tx, c, g, out)
}

// memberSet returns which of accounts are members of group, for a caller that holds the
// group's lock.
func memberSet(ctx context.Context, tx im.Tx, app uint64, group string, accounts []string) (map[string]bool, error) {
	ms, err := tx.GetMembers(ctx, app, group, accounts)
	if err != nil {
		return nil, fmt.Errorf("read memberships: %w", err)
	}
	set := make(map[string]bool, len(accounts))
	for _, m := range ms {
		set[m.Account] = true
	}
	return set, nil
}

// addedAccounts lists the accounts out reports added.
func addedAccounts(out []AddOutcome) []string {
	var added []string
	for _, o := range out {
		if o.Result == AddAdded {
			added = append(added, o.Account)
		}
	}
	return added
}

// recordJoined records MembersJoined for the accounts added, and GroupFull when they
// filled the group.
func (s *Service) recordJoined(ctx context.Context, tx im.Tx, c im.Caller, g im.Group, out []AddOutcome) error {
	joined := addedAccounts(out)
	if len(joined) == 0 {
		return nil
	}
	err := s.record(ctx, tx, c, im.KindMembersJoined, func() im.Event {
		return im.MembersJoined{EventHead: s.eventHead(c, g), JoinType: im.JoinInvited, Accounts: joined}
	})
	if err != nil || g.MaxMemberNum == 0 || g.MemberNum < g.MaxMemberNum {
		return err
	}
	return s.record(ctx, tx, c, im.KindGroupFull, func() im.Event {
		return im.GroupFull{EventHead: s.eventHead(c, g)}
	})
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
		if err := checkAccount(l, field+" entry", a); err != nil {
			return err
		}
	}
	return nil
}

// DeleteMembers is delete_group_member. Accounts that are not members are skipped
// silently, as Tencent does; the owner is never removed (10004). Unless silence, a kick
// tip names the accounts removed.
func (s *Service) DeleteMembers(ctx context.Context, c im.Caller, groupID string, accounts []string, silence bool) error {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return err
	}
	if err := checkAccountList(l, "MemberToDel_Account", accounts, l.DeleteMemberBatch); err != nil {
		return err
	}
	return s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		var gone []string
		for _, a := range accounts {
			removed, err := s.deleteMember(ctx, tx, g, a)
			if err != nil {
				return err
			}
			if removed {
				gone = append(gone, a)
			}
		}
		if len(gone) == 0 {
			return nil
		}
		if !silence {
			if err := s.tip(ctx, tx, c, &g, im.Tip{Op: im.TipKicked, Members: gone}); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, c, im.KindMembersLeft, func() im.Event {
			return im.MembersLeft{EventHead: s.eventHead(c, g), ExitType: im.ExitKicked, Accounts: gone}
		})
	})
}

// deleteMember removes one account from g after the matrix allows it, and reports
// whether it was a member.
func (s *Service) deleteMember(ctx context.Context, tx im.Tx, g im.Group, account string) (bool, error) {
	target := im.RoleMember
	if account == g.Owner {
		target = im.RoleOwner
	}
	if err := allow(g.Type, OpDeleteMember, target); err != nil {
		return false, err
	}
	err := tx.DeleteMember(ctx, g.App, g.ID, account)
	switch {
	case errors.Is(err, im.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("delete member %q: %w", account, err)
	}
	return true, nil
}
