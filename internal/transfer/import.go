package transfer

import (
	"context"
	"errors"
	"fmt"
	"slices"

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
	// Progress, when set, is called as the import goes: after each batch of accounts or
	// members (batchSize) and after each group; default nil. The last call comes before the commit.
	Progress func(Progress)
}

// Import writes d into st in one transaction: all of it, or nothing. d must pass Check.
func Import(ctx context.Context, st im.Store, d *Document, opts ImportOptions) error {
	if err := d.Check(); err != nil {
		return err
	}
	for _, g := range d.Groups {
		if len(g.Messages) > 0 {
			return fmt.Errorf("import: group %q has messages, which only a seed (TIMD_SEED) sends; timd import does not take them", g.ID)
		}
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

// batchSize is how many accounts or members Import writes in one store call.
const batchSize = 5000

// importAccounts writes the accounts in batches.
func importAccounts(ctx context.Context, tx im.Tx, app uint64, as []Account, p *progress) error {
	batch := make([]im.Account, 0, min(len(as), batchSize))
	for chunk := range slices.Chunk(as, batchSize) {
		batch = batch[:0]
		for _, a := range chunk {
			batch = append(batch, im.Account{App: app, UserID: a.UserID, Nick: a.Nick, FaceURL: a.FaceURL, Created: a.Created})
		}
		if err := tx.PutAccounts(ctx, app, batch); err != nil {
			return err
		}
		p.Accounts += len(chunk)
		p.send()
	}
	p.send()
	return nil
}

// importGroup writes a group, then its members in order, in batches, then its mute
// records.
func importGroup(ctx context.Context, tx im.Tx, app uint64, g *Group, p *progress) error {
	if err := tx.CreateGroup(ctx, toGroup(app, g)); err != nil {
		return err
	}
	batch := make([]im.Member, 0, min(len(g.Members), batchSize))
	for chunk := range slices.Chunk(g.Members, batchSize) {
		batch = batch[:0]
		for _, m := range chunk {
			batch = append(batch, im.Member{
				Account: m.Account, Role: im.Role(m.Role), JoinTime: m.JoinTime,
				MsgSeq: m.MsgSeq, MsgFlag: im.MsgFlag(m.MsgFlag), LastSendMsgTime: m.LastSendMsgTime,
				NameCard: m.NameCard, AppData: m.AppData, UnreadMsgNum: m.UnreadMsgNum,
			})
		}
		if err := tx.AddMembers(ctx, app, g.ID, batch); err != nil {
			return fmt.Errorf("members %q to %q: %w", chunk[0].Account, chunk[len(chunk)-1].Account, err)
		}
		p.Members += len(chunk)
		p.send()
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
