package transfer

import (
	"context"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// ErrNotEmpty reports that Import found data in the target app and was not asked to
// replace it.
var ErrNotEmpty = errors.New("the app already has accounts or groups")

// ImportOptions tune Import. The zero value imports into the document's app and refuses
// an app that has data.
type ImportOptions struct {
	// App is the SDKAppID to import into; default 0, the document's.
	App uint64
	// Replace deletes the app's data (accounts, groups, members, mute records, destroyed
	// group IDs and pending callbacks) before the import, in the same transaction; default
	// false, under which an app with any account or group is refused with ErrNotEmpty.
	Replace bool
	// Progress, when set, is called as the import goes: every progressEvery accounts or
	// members and after each group; default nil. The last call comes before the commit.
	Progress func(Progress)
}

// Import writes d into st in one transaction: all of it, or nothing. d must pass Check.
func Import(ctx context.Context, st im.Store, d *Document, opts ImportOptions) error {
	if err := d.Check(); err != nil {
		return err
	}
	app := opts.App
	if app == 0 {
		app = d.SDKAppID
	}
	sum := d.Summary()
	err := st.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		p := &progress{report: opts.Progress}
		p.TotalAccounts, p.TotalGroups, p.TotalMembers = sum.Accounts, sum.Groups, sum.Members
		if err := prepare(ctx, tx, app, opts.Replace); err != nil {
			return err
		}
		if err := importAccounts(ctx, tx, app, d.Accounts, p); err != nil {
			return err
		}
		for i := range d.Groups {
			if err := importGroup(ctx, tx, app, &d.Groups[i], p); err != nil {
				return fmt.Errorf("group %q: %w", d.Groups[i].ID, err)
			}
			p.Groups++
			p.send()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import into app %d: %w", app, err)
	}
	return nil
}

// prepare deletes the app's data when replace is set, and otherwise checks there is none.
func prepare(ctx context.Context, tx im.Tx, app uint64, replace bool) error {
	if replace {
		return tx.DeleteApp(ctx, app)
	}
	accounts, err := tx.ListAccounts(ctx, app, "", 1)
	if err != nil {
		return err
	}
	groups, err := tx.ListGroups(ctx, app, im.GroupQuery{Limit: 1})
	if err != nil {
		return err
	}
	if len(accounts) > 0 || len(groups) > 0 {
		return ErrNotEmpty
	}
	return nil
}

// importAccounts writes the accounts.
func importAccounts(ctx context.Context, tx im.Tx, app uint64, as []Account, p *progress) error {
	for _, a := range as {
		err := tx.PutAccount(ctx, im.Account{App: app, UserID: a.UserID, Nick: a.Nick, FaceURL: a.FaceURL, Created: a.Created})
		if err != nil {
			return err
		}
		if p.Accounts++; p.Accounts%progressEvery == 0 {
			p.send()
		}
	}
	p.send()
	return nil
}

// importGroup writes a group, then its members in order, then its mute records.
func importGroup(ctx context.Context, tx im.Tx, app uint64, g *Group, p *progress) error {
	if err := tx.CreateGroup(ctx, toGroup(app, g)); err != nil {
		return err
	}
	for _, m := range g.Members {
		err := tx.AddMember(ctx, app, im.Member{
			Group: g.ID, Account: m.Account, Role: im.Role(m.Role), JoinTime: m.JoinTime,
			MsgSeq: m.MsgSeq, MsgFlag: im.MsgFlag(m.MsgFlag), LastSendMsgTime: m.LastSendMsgTime,
			NameCard: m.NameCard, AppData: m.AppData, UnreadMsgNum: m.UnreadMsgNum,
		})
		if err != nil {
			return fmt.Errorf("member %q: %w", m.Account, err)
		}
		if p.Members++; p.Members%progressEvery == 0 {
			p.send()
		}
	}
	for _, mu := range g.Mutes {
		if err := tx.SetMute(ctx, app, g.ID, mu.Account, mu.Until); err != nil {
			return fmt.Errorf("mute record of %q: %w", mu.Account, err)
		}
	}
	return nil
}

// toGroup returns the domain form of g's base fields in app.
func toGroup(app uint64, g *Group) im.Group {
	return im.Group{
		App: app, ID: g.ID, Type: im.GroupType(g.Type), Name: g.Name, Introduction: g.Introduction,
		Notification: g.Notification, FaceURL: g.FaceURL, Owner: g.Owner,
		CreateTime: g.CreateTime, InfoSeq: g.InfoSeq, LastInfoTime: g.LastInfoTime,
		LastMsgTime: g.LastMsgTime, NextMsgSeq: g.NextMsgSeq, MaxMemberNum: g.MaxMemberNum,
		ApplyJoinOption: g.ApplyJoinOption, InviteJoinOption: g.InviteJoinOption,
		MuteAllMember: g.MuteAllMember, SupportTopic: g.SupportTopic, AppData: g.AppData,
	}
}
