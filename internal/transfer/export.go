package transfer

import (
	"context"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// ExportOptions tune Export. The zero value reports no progress.
type ExportOptions struct {
	// Progress, when set, is called as the export goes: after the accounts, after the
	// list of groups and after each group; default nil.
	Progress func(Progress)
}

// Export reads all of app's data from st in one consistent snapshot.
func Export(ctx context.Context, st im.Store, app uint64, opts ExportOptions) (*Document, error) {
	d := &Document{Format: Format, SDKAppID: app, Exported: time.Now().Unix()}
	err := st.View(ctx, func(ctx context.Context, tx im.Tx) error {
		d.Accounts, d.Groups = nil, nil
		return walk(ctx, tx, app, opts, func(as []Account, groups int) error {
			d.Accounts, d.Groups = as, make([]Group, 0, groups)
			return nil
		}, func(g Group) error {
			d.Groups = append(d.Groups, g)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("export app %d: %w", app, err)
	}
	return d, nil
}

// ExportTo writes all of app's data from st to w, in one consistent snapshot, as the
// document Write writes of Export's, byte for byte; but it holds one group's members at a
// time, not the app's, and writes each group as soon as it is read (inside the View,
// which runs its function once, unlike an Update). An error leaves w with part of a
// document.
func ExportTo(ctx context.Context, st im.Store, app uint64, w io.Writer, opts ExportOptions) (Summary, error) {
	var sum Summary
	err := st.View(ctx, func(ctx context.Context, tx im.Tx) error {
		sum = Summary{}
		dw := newDocWriter(w)
		err := walk(ctx, tx, app, opts, func(as []Account, groups int) error {
			sum.Accounts = len(as)
			return dw.head(Format, app, time.Now().Unix(), as)
		}, func(g Group) error {
			sum.Groups++
			sum.Members += len(g.Members)
			sum.Mutes += len(g.Mutes)
			return dw.group(g)
		})
		if err != nil {
			return err
		}
		return dw.end()
	})
	if err != nil {
		return Summary{}, fmt.Errorf("export app %d: %w", app, err)
	}
	return sum, nil
}

// walk reads app's accounts, then its groups one at a time, each with its members and
// mute records, reporting progress: accounts gets the accounts and the number of groups
// before the first group.
func walk(ctx context.Context, tx im.Tx, app uint64, opts ExportOptions, accounts func([]Account, int) error, group func(Group) error) error {
	p := progress{report: opts.Progress}
	as, err := exportAccounts(ctx, tx, app)
	if err != nil {
		return err
	}
	p.Accounts = len(as)
	p.send()
	gs, err := tx.ListGroups(ctx, app, im.GroupQuery{})
	if err != nil {
		return err
	}
	p.TotalGroups = len(gs)
	p.send()
	if err := accounts(as, len(gs)); err != nil {
		return err
	}
	for _, g := range gs {
		ms, err := tx.ListMembers(ctx, app, g.ID, im.MemberQuery{})
		if err != nil {
			return err
		}
		// Every record ends after 0: ListMutes from 0 returns the expired ones too.
		mutes, err := tx.ListMutes(ctx, app, g.ID, 0, false)
		if err != nil {
			return err
		}
		if err := group(fromGroup(g, ms, mutes)); err != nil {
			return err
		}
		p.Groups++
		p.Members += len(ms)
		p.send()
	}
	return nil
}

// exportAccounts reads the app's accounts. One call, not pages: on PostgreSQL the byte
// order of ListAccounts is a sort, which each page would repeat.
func exportAccounts(ctx context.Context, tx im.Tx, app uint64) ([]Account, error) {
	as, err := tx.ListAccounts(ctx, app, "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]Account, len(as))
	for i, a := range as {
		out[i] = Account{UserID: a.UserID, Nick: a.Nick, FaceURL: a.FaceURL, Created: a.Created}
	}
	return out, nil
}

// fromGroup returns the document form of a group, its members and mute records.
func fromGroup(g im.Group, ms []im.Member, mutes []im.Mute) Group {
	out := Group{
		ID: g.ID, Type: string(g.Type), Name: g.Name, Introduction: g.Introduction,
		Notification: g.Notification, FaceURL: g.FaceURL, Owner: g.Owner,
		CreateTime: g.CreateTime, InfoSeq: g.InfoSeq, LastInfoTime: g.LastInfoTime,
		LastMsgTime: g.LastMsgTime, NextMsgSeq: g.NextMsgSeq, MaxMemberNum: g.MaxMemberNum,
		ApplyJoinOption: g.ApplyJoinOption, InviteJoinOption: g.InviteJoinOption,
		MuteAllMember: g.MuteAllMember, SupportTopic: g.SupportTopic, AppData: maps.Clone(g.AppData),
		Members: make([]Member, len(ms)),
	}
	for i, m := range ms {
		out.Members[i] = Member{
			Account: m.Account, Role: string(m.Role), JoinTime: m.JoinTime, MsgSeq: m.MsgSeq,
			MsgFlag: string(m.MsgFlag), LastSendMsgTime: m.LastSendMsgTime, NameCard: m.NameCard,
			AppData: maps.Clone(m.AppData), UnreadMsgNum: m.UnreadMsgNum,
		}
	}
	for _, mu := range mutes {
		out.Mutes = append(out.Mutes, Mute{Account: mu.Account, Until: mu.Until})
	}
	return out
}
