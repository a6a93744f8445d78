package group

import (
	"context"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// NewMember is one entry of a create_group MemberList.
type NewMember struct {
	Account string
	Role    string // "", "Member" or "Admin"
	AppData []KV
}

// CreateRequest is a create_group (or import_group) request.
type CreateRequest struct {
	Type             string
	Name             string
	Owner            string // "" for a group with no owner
	GroupID          string // "" to mint one
	Introduction     string
	Notification     string
	FaceURL          string
	MaxMemberCount   int64 // 0 for the type's default
	ApplyJoinOption  string
	InviteJoinOption string
	AppData          []KV
	Members          []NewMember
	CreateTime       int64 // import_group only: unix seconds; 0 for now
	// SupportTopic is the request's SupportTopic: nil when absent, else 0 or 1; 1 only
	// for a Community.
	SupportTopic *Number
}

// Created is the answer to create_group.
type Created struct {
	GroupID string
	Type    im.GroupType
}

// defaultApplyJoin is the ApplyJoinOption of a new group that names none, following how
// each type admits applicants (Tencent's docs, see docs/compatibility.md Sources): Public groups need approval,
// ChatRoom, AVChatRoom and Community groups let anyone in, Private groups take no
// applications at all.
var defaultApplyJoin = map[im.GroupType]string{
	im.TypePrivate: im.JoinDisableApply, im.TypePublic: im.JoinNeedPermission,
	im.TypeChatRoom: im.JoinFreeAccess, im.TypeAVChatRoom: im.JoinFreeAccess, im.TypeCommunity: im.JoinFreeAccess,
}

// CreateGroup is create_group: it makes a group with its owner and initial members.
func (s *Service) CreateGroup(ctx context.Context, c im.Caller, r CreateRequest) (Created, error) {
	r.CreateTime = 0
	return s.create(ctx, c, r, OpAddMember)
}

// create validates r and inserts the group and its members in one transaction. op is
// the operation the member list counts as (OpAddMember, or OpImport for import_group).
func (s *Service) create(ctx context.Context, c im.Caller, r CreateRequest, op Op) (Created, error) {
	g, err := s.newGroup(c.App, r)
	if err != nil {
		return Created{}, err
	}
	members, err := s.newMembers(c.App, g, r.Members, op)
	if err != nil {
		return Created{}, err
	}
	if op != OpImport && s.wants(c, im.KindCreatingGroup) {
		ev, err := s.creatingGroup(ctx, c, g, members)
		if err != nil {
			return Created{}, err
		}
		if _, err := s.ask(ctx, c, ev); err != nil {
			return Created{}, err
		}
	}
	// A minted ID that another replica took at the same moment fails the whole
	// transaction; try again with a new one.
	for range 3 {
		g := g
		err = s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
			if err := s.insertGroup(ctx, tx, c.App, &g, members); err != nil || op == OpImport {
				return err
			}
			return s.record(ctx, tx, c, im.KindGroupCreated, func() im.Event {
				return im.GroupCreated{EventHead: s.eventHead(c, g), Members: memberAccounts(members)}
			})
		})
		if !errors.Is(err, errMintedIDTaken) {
			return Created{GroupID: g.ID, Type: g.Type}, err
		}
	}
	return Created{}, err
}

// errMintedIDTaken reports that a freshly minted group ID was taken concurrently.
var errMintedIDTaken = errors.New("minted group id taken concurrently")

// newGroup validates the group fields of r and returns the group to create (ID still ""
// when it is to be minted).
func (s *Service) newGroup(app *im.App, r CreateRequest) (im.Group, error) {
	l := app.Limits
	t, ok := im.ParseGroupType(r.Type)
	if !ok {
		return im.Group{}, im.Errorf(im.CodeInvalidParam, "Type %q is not a group type", r.Type)
	}
	if r.GroupID != "" {
		if err := checkCustomGroupID(l, t, r.GroupID); err != nil {
			return im.Group{}, err
		}
	}
	if r.Name == "" {
		return im.Group{}, im.Errorf(im.CodeInvalidParam, "Name is required")
	}
	if err := checkGroupTexts(l, &r.Name, &r.Introduction, &r.Notification, &r.FaceURL); err != nil {
		return im.Group{}, err
	}
	if r.Owner != "" {
		if err := checkAccount(l, "Owner_Account", r.Owner); err != nil {
			return im.Group{}, err
		}
	}
	maxMembers, err := maxMemberNum(l, t, r.MaxMemberCount)
	if err != nil {
		return im.Group{}, err
	}
	apply, invite, err := joinOptions(t, r.ApplyJoinOption, r.InviteJoinOption)
	if err != nil {
		return im.Group{}, err
	}
	if err := checkCustomData("AppDefinedData", r.AppData, app.HasGroupField, l.GroupValueMax); err != nil {
		return im.Group{}, err
	}
	topics, err := supportTopic(t, r.SupportTopic)
	if err != nil {
		return im.Group{}, err
	}
	now := s.now()
	created := now
	if r.CreateTime != 0 {
		if r.CreateTime < 0 || r.CreateTime > now {
			return im.Group{}, im.Errorf(im.CodeInvalidParam, "CreateTime %d is not a unix time in the past", r.CreateTime)
		}
		created = r.CreateTime
	}
	return im.Group{
		App: app.SDKAppID, ID: r.GroupID, Type: t, Name: r.Name, Introduction: r.Introduction,
		Notification: r.Notification, FaceURL: r.FaceURL, Owner: r.Owner, CreateTime: created,
		InfoSeq: 1, LastInfoTime: created, NextMsgSeq: 1, MaxMemberNum: maxMembers,
		ApplyJoinOption: apply, InviteJoinOption: invite, AppData: applyCustomData(nil, r.AppData),
		SupportTopic: topics,
	}, nil
}

// supportTopic reads a create_group SupportTopic: absent or 0 for none, 1 for a Community
// that holds topics; 1 for another type, or another value, is 10004.
func supportTopic(t im.GroupType, n *Number) (bool, error) {
	switch {
	case n == nil || (n.Exact && n.Int == 0):
		return false, nil
	case !n.Exact || n.Int != 1:
		return false, im.Errorf(im.CodeInvalidParam, "SupportTopic %s is not 0 or 1", n.Text)
	case t != im.TypeCommunity:
		return false, im.Errorf(im.CodeInvalidParam, "SupportTopic is only for a Community, not a %s group", t)
	}
	return true, nil
}

// checkGroupTexts checks the four text fields of a group against their byte limits.
func checkGroupTexts(l im.Limits, name, intro, notice, face *string) error {
	checks := []struct {
		field string
		v     *string
		limit int
	}{
		{"Name", name, l.NameMax}, {"Introduction", intro, l.IntroductionMax},
		{"Notification", notice, l.NotificationMax}, {"FaceUrl", face, l.FaceURLMax},
	}
	for _, c := range checks {
		if c.v == nil {
			continue
		}
		if err := checkText(c.field, *c.v, c.limit); err != nil {
			return err
		}
	}
	return nil
}

// maxMemberNum validates a requested MaxMemberCount; 0 takes the type's default.
func maxMemberNum(l im.Limits, t im.GroupType, n int64) (int64, error) {
	if n < 0 {
		return 0, im.Errorf(im.CodeInvalidParam, "MaxMemberCount %d is negative", n)
	}
	if n == 0 {
		return l.MaxMembers[t], nil
	}
	return n, nil
}

// joinOptions validates ApplyJoinOption and InviteJoinOption, filling in defaults.
func joinOptions(t im.GroupType, apply, invite string) (string, string, error) {
	switch apply {
	case "":
		apply = defaultApplyJoin[t]
	case im.JoinFreeAccess, im.JoinNeedPermission, im.JoinDisableApply:
	default:
		return "", "", im.Errorf(im.CodeInvalidParam, "ApplyJoinOption %q is not FreeAccess, NeedPermission or DisableApply", apply)
	}
	switch invite {
	case "", im.JoinFreeAccess, im.JoinNeedPermission, im.InviteDisable:
	default:
		return "", "", im.Errorf(im.CodeInvalidParam, "InviteJoinOption %q is not FreeAccess, NeedPermission or DisableInvite", invite)
	}
	return apply, invite, nil
}

// newMembers validates a create_group MemberList and returns the members to insert
// besides the owner, without duplicates.
func (s *Service) newMembers(app *im.App, g im.Group, list []NewMember, op Op) ([]im.Member, error) {
	l := app.Limits
	if len(list) == 0 {
		return nil, nil
	}
	if err := allow(g.Type, op, ""); err != nil {
		return nil, err
	}
	if len(list) > l.CreateMemberList {
		return nil, im.Errorf(im.CodeBatchTooLarge, "MemberList has %d accounts, over the limit of %d", len(list), l.CreateMemberList)
	}
	seen := map[string]bool{g.Owner: true}
	out := make([]im.Member, 0, len(list))
	for _, nm := range list {
		if err := checkAccount(l, "Member_Account", nm.Account); err != nil {
			return nil, err
		}
		role, err := initialRole(g.Type, nm.Role)
		if err != nil {
			return nil, err
		}
		if err := checkCustomData("AppMemberDefinedData", nm.AppData, app.HasMemberField, l.MemberValueMax); err != nil {
			return nil, err
		}
		if seen[nm.Account] {
			continue
		}
		seen[nm.Account] = true
		out = append(out, im.Member{Account: nm.Account, Role: role, AppData: applyCustomData(nil, nm.AppData)})
	}
	return out, checkInitialAdmins(l, out)
}

// checkInitialAdmins returns 10004 if the initial members hold more admins than the
// app allows per group (docs/compatibility.md §4).
func checkInitialAdmins(l im.Limits, members []im.Member) error {
	if l.AdminsPerGroup <= 0 {
		return nil
	}
	n := 0
	for _, m := range members {
		if m.Role == im.RoleAdmin {
			n++
		}
	}
	if n > l.AdminsPerGroup {
		return im.Errorf(im.CodeInvalidParam, "MemberList has %d admins, over the limit of %d per group", n, l.AdminsPerGroup)
	}
	return nil
}

// initialRole validates the Role of a MemberList entry: Admin or Member (the default).
func initialRole(t im.GroupType, role string) (im.Role, error) {
	switch im.Role(role) {
	case "", im.RoleMember:
		return im.RoleMember, nil
	case im.RoleAdmin:
		if err := allow(t, OpSetAdminRole, ""); err != nil {
			return "", err
		}
		return im.RoleAdmin, nil
	}
	return "", im.Errorf(im.CodeInvalidParam, "Role %q is not Admin or Member", role)
}

// insertGroup checks the accounts, picks the ID and writes the group with its owner and
// members inside tx.
func (s *Service) insertGroup(ctx context.Context, tx im.Tx, app *im.App, g *im.Group, members []im.Member) error {
	accounts := make([]string, 0, len(members)+1)
	if g.Owner != "" {
		accounts = append(accounts, g.Owner)
	}
	for _, m := range members {
		accounts = append(accounts, m.Account)
	}
	if err := checkImported(ctx, tx, app.SDKAppID, accounts...); err != nil {
		return err
	}
	if g.MaxMemberNum > 0 && int64(len(accounts)) > g.MaxMemberNum {
		return im.Errorf(im.CodeGroupFull, "%d members exceed MaxMemberCount %d", len(accounts), g.MaxMemberNum)
	}
	if err := s.putGroup(ctx, tx, app, g); err != nil {
		return err
	}
	if g.Owner != "" {
		members = append([]im.Member{{Account: g.Owner, Role: im.RoleOwner}}, members...)
	}
	for i := range members {
		members[i].JoinTime, members[i].MsgFlag = g.CreateTime, im.MsgAcceptAndNotify
	}
	if err := tx.AddMembers(ctx, app.SDKAppID, g.ID, members); err != nil {
		return fmt.Errorf("add members: %w", err)
	}
	return nil
}

// putGroup inserts g, minting its ID when it has none, and maps a taken custom ID to
// 10021, or 10025 when the group holding it has the requested owner.
func (s *Service) putGroup(ctx context.Context, tx im.Tx, app *im.App, g *im.Group) error {
	minted := g.ID == ""
	if minted {
		id, err := s.unusedGroupID(ctx, tx, app.SDKAppID, g.Type)
		if err != nil {
			return err
		}
		g.ID = id
	}
	err := tx.CreateGroup(ctx, *g)
	if !errors.Is(err, im.ErrConflict) {
		return err
	}
	if minted {
		return errMintedIDTaken
	}
	old, err := tx.GetGroup(ctx, app.SDKAppID, g.ID)
	if err == nil && g.Owner != "" && old.Owner == g.Owner {
		return im.Errorf(im.CodeGroupIDOwned, "group %q already exists and %q owns it", g.ID, g.Owner)
	}
	return im.Errorf(im.CodeGroupIDInUse, "group ID %q is already in use", g.ID)
}

// DestroyGroup is destroy_group.
func (s *Service) DestroyGroup(ctx context.Context, c im.Caller, groupID string) error {
	if err := checkGroupID(c.App.Limits, groupID); err != nil {
		return err
	}
	return s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		if err := s.recordDestroyed(ctx, tx, c, g); err != nil {
			return err
		}
		return tx.DestroyGroup(ctx, c.App.SDKAppID, groupID)
	})
}

// recordDestroyed records the GroupDestroyed event of g, with the members it had.
func (s *Service) recordDestroyed(ctx context.Context, tx im.Tx, c im.Caller, g im.Group) error {
	wants := s.wants(c, im.KindGroupDestroyed)
	if !wants && !noting(ctx) {
		return nil
	}
	ms, err := tx.ListMembers(ctx, g.App, g.ID, im.MemberQuery{})
	if err != nil {
		return fmt.Errorf("list members: %w", err)
	}
	ev := im.GroupDestroyed{EventHead: s.eventHead(c, g), Members: memberAccounts(ms)}
	note(ctx, c, ev)
	if !wants {
		return nil
	}
	return s.enqueue(ctx, tx, c, ev)
}

// memberAccounts lists the accounts of ms.
func memberAccounts(ms []im.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Account
	}
	return out
}

// creatingGroup is the CreatingGroup event of a new group.
func (s *Service) creatingGroup(ctx context.Context, c im.Caller, g im.Group, members []im.Member) (im.Event, error) {
	owned, err := s.ownedGroups(ctx, c.App.SDKAppID, g.Owner, g.Type)
	if err != nil {
		return nil, err
	}
	return im.CreatingGroup{EventHead: s.eventHead(c, g), Members: memberAccounts(members), OwnedOfType: owned}, nil
}

// ownedGroups counts the groups of type t that owner owns: the CreateGroupNum of
// Group.CallbackBeforeCreateGroup, which Tencent documents as the number of groups of
// the same type the user has already created (groups handed over since count for
// their new owner). No owner owns none.
func (s *Service) ownedGroups(ctx context.Context, app uint64, owner string, t im.GroupType) (int, error) {
	if owner == "" {
		return 0, nil
	}
	n := 0
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		joined, err := tx.ListJoined(ctx, app, owner)
		if err != nil {
			return fmt.Errorf("list groups of %q: %w", owner, err)
		}
		n = 0
		for _, j := range joined {
			if j.Self.Role == im.RoleOwner && j.Group.Type == t {
				n++
			}
		}
		return nil
	})
	return n, err
}
