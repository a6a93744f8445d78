package transfer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/msgbody"
)

// seedGroup creates g with its members and mute records unless it exists; it reports
// whether it did.
func seedGroup(ctx context.Context, groups *group.Service, c im.Caller, g *Group, now int64) (bool, error) {
	if g.ID == "" {
		return false, errors.New("id is required: a seed names its groups")
	}
	info, err := groups.GroupsInfo(ctx, c, []string{g.ID}, false)
	if err != nil {
		return false, err
	}
	switch code := info[0].Code; code {
	case im.CodeOK:
		return false, nil
	case im.CodeGroupNotFound:
	default:
		return false, im.Errorf(code, "%s", info[0].Info)
	}
	founders, later, err := splitMembers(g)
	if err != nil {
		return false, err
	}
	if err := createSeedGroup(ctx, groups, c, g, founders); err != nil {
		return false, err
	}
	if err := importLater(ctx, groups, c, g, later); err != nil {
		return false, err
	}
	if err := seedMemberFields(ctx, groups, c, g); err != nil {
		return false, err
	}
	// Messages before the mutes, which would keep their senders quiet.
	if err := seedMessages(ctx, groups, c, g); err != nil {
		return false, err
	}
	if g.MuteAllMember {
		on := "On"
		if err := groups.ModifyBaseInfo(ctx, c, group.ModifyBaseRequest{GroupID: g.ID, MuteAllMember: &on}); err != nil {
			return false, err
		}
	}
	return true, seedMutes(ctx, groups, c, g, now)
}

// splitMembers checks g's members and splits them into those that join with the group
// (join_time not after create_time) and those that join later, the owner left out.
func splitMembers(g *Group) (founders []group.NewMember, later []group.ImportedMember, err error) {
	seen := map[string]bool{}
	for _, m := range g.Members {
		if m.Account == "" || seen[m.Account] {
			return nil, nil, fmt.Errorf("member %q is empty or given twice", m.Account)
		}
		seen[m.Account] = true
		switch im.Role(m.Role) {
		case im.RoleOwner:
			if m.Account != g.Owner {
				return nil, nil, fmt.Errorf("member %q: role Owner, but the group's owner is %q", m.Account, g.Owner)
			}
			continue
		case "", im.RoleAdmin, im.RoleMember:
		default:
			return nil, nil, fmt.Errorf("member %q: role %q is not Owner, Admin or Member", m.Account, m.Role)
		}
		if m.JoinTime <= g.CreateTime {
			founders = append(founders, group.NewMember{Account: m.Account, Role: m.Role})
			continue
		}
		later = append(later, group.ImportedMember{Account: m.Account, Role: m.Role, JoinTime: m.JoinTime, UnreadMsgNum: m.UnreadMsgNum})
	}
	return founders, later, nil
}

// createSeedGroup creates g with its founding members: import_group keeps create_time;
// an AVChatRoom, which cannot be imported, is created with create_group.
func createSeedGroup(ctx context.Context, groups *group.Service, c im.Caller, g *Group, founders []group.NewMember) error {
	r := group.CreateRequest{
		Type: g.Type, Name: g.Name, Owner: g.Owner, GroupID: g.ID, Introduction: g.Introduction,
		Notification: g.Notification, FaceURL: g.FaceURL, MaxMemberCount: g.MaxMemberNum,
		ApplyJoinOption: g.ApplyJoinOption, InviteJoinOption: g.InviteJoinOption,
		AppData: kvs(g.AppData), Members: founders, CreateTime: g.CreateTime,
	}
	var err error
	if t, _ := im.ParseGroupType(g.Type); t == im.TypeAVChatRoom {
		r.CreateTime = 0
		_, err = groups.CreateGroup(ctx, c, r)
	} else {
		_, err = groups.ImportGroup(ctx, c, r)
	}
	return err
}

// importLater imports the members that joined after the group was created, in batches
// of the app's limit; a member that is not added is an error naming it.
func importLater(ctx context.Context, groups *group.Service, c im.Caller, g *Group, later []group.ImportedMember) error {
	for batch := range slices.Chunk(later, c.App.Limits.AddMemberBatch) {
		out, err := groups.ImportMembers(ctx, c, g.ID, batch)
		if err != nil {
			return err
		}
		for _, o := range out {
			if o.Result != group.AddAdded {
				return fmt.Errorf("member %q: not added: an account never imported, or a join_time not after create_time and not before now", o.Account)
			}
		}
	}
	return nil
}

// seedMemberFields sets each member's name card, message flag, custom data and unread
// count, as modify_group_member_info and set_unread_msg_num would.
func seedMemberFields(ctx context.Context, groups *group.Service, c im.Caller, g *Group) error {
	for _, m := range g.Members {
		r := group.ModifyMemberRequest{GroupID: g.ID, Account: m.Account, AppData: kvs(m.AppData)}
		if m.NameCard != "" {
			r.NameCard = &m.NameCard
		}
		if m.MsgFlag != "" && m.MsgFlag != string(im.MsgAcceptAndNotify) {
			r.MsgFlag = &m.MsgFlag
		}
		if r.NameCard != nil || r.MsgFlag != nil || len(r.AppData) > 0 {
			if err := groups.ModifyMember(ctx, c, r); err != nil {
				return fmt.Errorf("member %q: %w", m.Account, described(err))
			}
		}
		if m.UnreadMsgNum > 0 && m.JoinTime <= g.CreateTime {
			if err := groups.SetUnreadMsgNum(ctx, c, g.ID, m.Account, m.UnreadMsgNum); err != nil {
				return fmt.Errorf("member %q: %w", m.Account, described(err))
			}
		}
	}
	return nil
}

// seedMessages sends g's messages in order, as send_group_msg would; a message the
// rules drop (over the group's send rate, say) is an error naming it.
func seedMessages(ctx context.Context, groups *group.Service, c im.Caller, g *Group) error {
	for i, m := range g.Messages {
		random := int64(m.Random)
		if random == 0 {
			random = int64(i + 1)
		}
		sent, err := groups.SendMessage(ctx, c, group.SendRequest{
			GroupID: g.ID, From: m.From, Random: &im.Number{Int: random, Exact: true},
			Body: msgbody.Body(m.MsgBody), CloudCustomData: m.CloudCustomData,
		})
		if err != nil {
			return fmt.Errorf("messages[%d]: %w", i, described(err))
		}
		if sent.DropReason != "" {
			return fmt.Errorf("messages[%d]: dropped (%s): more messages a second than the group's send rate (messages.send_rate)", i, sent.DropReason)
		}
	}
	return nil
}

// seedMutes mutes the members of g's mute records that have not ended.
func seedMutes(ctx context.Context, groups *group.Service, c im.Caller, g *Group, now int64) error {
	members := map[string]bool{}
	for _, m := range g.Members {
		members[m.Account] = true
	}
	for _, mu := range g.Mutes {
		if mu.Until <= now || !members[mu.Account] {
			continue
		}
		seconds := mu.Until - now
		if mu.Until >= im.MuteForever {
			seconds = im.MuteForever
		}
		err := groups.ForbidSendMsg(ctx, c, g.ID, []string{mu.Account}, &im.Number{Int: seconds, Exact: true})
		if err != nil {
			return fmt.Errorf("mute record of %q: %w", mu.Account, described(err))
		}
	}
	return nil
}

// kvs returns custom data as the services take it, in key order.
func kvs(m map[string]string) []im.KV {
	var out []im.KV
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, im.KV{Key: k, Value: m[k]})
	}
	return out
}
