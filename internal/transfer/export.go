package transfer

import (
	"context"
	"fmt"
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
		p := progress{report: opts.Progress}
		if err := exportAccounts(ctx, tx, d); err != nil {
			return err
		}
		p.Accounts = len(d.Accounts)
		p.send()
		return exportGroups(ctx, tx, d, &p)
	})
	if err != nil {
		return nil, fmt.Errorf("export app %d: %w", app, err)
	}
	return d, nil
}

// exportAccounts reads the app's accounts. One call, not pages: on PostgreSQL the byte
// order of ListAccounts is a sort, which each page would repeat.
func exportAccounts(ctx context.Context, tx im.Tx, d *Document) error {
	as, err := tx.ListAccounts(ctx, d.SDKAppID, "", 0)
	if err != nil {
		return err
	}
	d.Accounts = make([]Account, len(as))
	for i, a := range as {
		d.Accounts[i] = Account{UserID: a.UserID, Nick: a.Nick, FaceURL: a.FaceURL, Created: a.Created}
	}
	return nil
}

// exportGroups reads the app's groups with their members and mute records.
func exportGroups(ctx context.Context, tx im.Tx, d *Document, p *progress) error {
	gs, err := tx.ListGroups(ctx, d.SDKAppID, im.GroupQuery{})
	if err != nil {
		return err
	}
	p.TotalGroups = len(gs)
	p.send()
	d.Groups = make([]Group, 0, len(gs))
	for _, g := range gs {
		ms, err := tx.ListMembers(ctx, d.SDKAppID, g.ID, im.MemberQuery{})
		if err != nil {
			return err
		}
		// Every record ends after 0: ListMutes from 0 returns the expired ones too.
		mutes, err := tx.ListMutes(ctx, d.SDKAppID, g.ID, 0, false)
		if err != nil {
			return err
		}
		d.Groups = append(d.Groups, fromGroup(g, ms, mutes))
		p.Groups++
		p.Members += len(ms)
		p.send()
	}
	return nil
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
