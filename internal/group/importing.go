package group

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// ImportGroup is import_group: create_group for groups moved from elsewhere, keeping their
// CreateTime (unix seconds in the past; 0 for now). It sends no callbacks.
func (s *Service) ImportGroup(ctx context.Context, c im.Caller, r CreateRequest) (Created, error) {
	if t, ok := im.ParseGroupType(r.Type); ok {
		if err := allow(t, OpImport, ""); err != nil {
			return Created{}, err
		}
	}
	return s.create(ctx, c, r, OpImport)
}

// ImportedMember is one entry of an import_group_member MemberList.
type ImportedMember struct {
	Account      string
	Role         string // "", "Member" or "Admin"
	JoinTime     int64  // unix seconds; 0 for now
	UnreadMsgNum int64
}

// ImportMembers is import_group_member: it adds members with their original JoinTime and
// reports each account's outcome like add_group_member. A member whose JoinTime is given
// but not after the group's CreateTime and before now, or whose account was never
// imported, fails on its own (Result 0); without a JoinTime a member joins now. Admins
// count against the app's admin limit (10004 over it), and ChatRoom members keep no
// UnreadMsgNum, as in set_unread_msg_num. It sends no callbacks.
func (s *Service) ImportMembers(ctx context.Context, c im.Caller, groupID string, list []ImportedMember) ([]AddOutcome, error) {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, im.Errorf(im.CodeInvalidParam, "MemberList is required")
	}
	if len(list) > l.AddMemberBatch {
		return nil, im.Errorf(im.CodeBatchTooLarge, "MemberList has %d accounts, over the limit of %d", len(list), l.AddMemberBatch)
	}
	for _, m := range list {
		if err := checkAccount(l, "Member_Account", m.Account); err != nil {
			return nil, err
		}
		if m.UnreadMsgNum < 0 {
			return nil, im.Errorf(im.CodeInvalidParam, "UnreadMsgNum %d is negative", m.UnreadMsgNum)
		}
	}
	var out []AddOutcome
	err := s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
		var err error
		out, err = s.importMembers(ctx, tx, c.App, groupID, list)
		if err == nil && noting(ctx) {
			if joined := addedAccounts(out); len(joined) > 0 {
				g := im.Group{App: c.App.SDKAppID, ID: groupID}
				note(ctx, c, im.MembersJoined{EventHead: s.eventHead(c, g), JoinType: im.JoinInvited, Accounts: joined})
			}
		}
		return err
	})
	return out, err
}

// importMembers does the work of ImportMembers inside tx.
func (s *Service) importMembers(ctx context.Context, tx im.Tx, app *im.App, groupID string, list []ImportedMember) ([]AddOutcome, error) {
	g, err := loadGroup(ctx, tx, app.SDKAppID, groupID)
	if err != nil {
		return nil, err
	}
	if err := allow(g.Type, OpImport, ""); err != nil {
		return nil, err
	}
	accounts := make([]string, len(list))
	for i, m := range list {
		accounts[i] = m.Account
	}
	imported, err := tx.ExistingAccounts(ctx, app.SDKAppID, accounts)
	if err != nil {
		return nil, fmt.Errorf("check accounts: %w", err)
	}
	admins, err := tx.CountMembers(ctx, app.SDKAppID, g.ID, im.RoleAdmin)
	if err != nil {
		return nil, fmt.Errorf("count admins: %w", err)
	}
	members, err := memberSet(ctx, tx, app.SDKAppID, groupID, accounts)
	if err != nil {
		return nil, err
	}
	now, out := s.now(), make([]AddOutcome, len(list))
	var add []im.Member
	for i, nm := range list {
		out[i] = AddOutcome{Account: nm.Account, Result: AddFailed}
		role, err := initialRole(g.Type, nm.Role)
		if err != nil {
			return nil, err
		}
		m, ok := importedMember(g, nm, role, now)
		if !ok || !imported[nm.Account] {
			continue
		}
		if members[nm.Account] { // a member already, or listed twice
			out[i].Result = AddAlreadyMember
			continue
		}
		if m.MsgSeq, err = importedReadSeq(ctx, tx, g, nm.UnreadMsgNum); err != nil {
			return nil, err
		}
		members[nm.Account] = true
		out[i].Result = AddAdded
		add = append(add, m)
		if role == im.RoleAdmin {
			admins++
		}
	}
	added := int64(len(add))
	if err := tx.AddMembers(ctx, app.SDKAppID, groupID, add); err != nil {
		return nil, fmt.Errorf("import members: %w", err)
	}
	if err := checkImportLimits(app.Limits, g, added, admins); err != nil {
		return nil, err
	}
	return out, nil
}

// importedMember is the membership an import_group_member entry makes in g at now, or
// false when its JoinTime is not after the group's CreateTime and not past now.
func importedMember(g im.Group, nm ImportedMember, role im.Role, now int64) (im.Member, bool) {
	join := nm.JoinTime
	if join == 0 {
		join = now
	} else if join <= g.CreateTime || join > now {
		return im.Member{}, false
	}
	return im.Member{Group: g.ID, Account: nm.Account, Role: role, JoinTime: join, MsgFlag: im.MsgAcceptAndNotify}, true
}

// importedReadSeq is the read position of an imported member with unread messages
// unread, as set_unread_msg_num sets it. ChatRoom groups keep no unread counts (Tencent's
// docs, see docs/compatibility.md Sources): everything there is read.
func importedReadSeq(ctx context.Context, tx im.Tx, g im.Group, unread int64) (int64, error) {
	if !keepsUnread(g.Type) {
		unread = 0
	}
	return readSeqFor(ctx, tx, g, unread)
}

// checkImportLimits returns 10004 when g would hold more admins than the app allows, and
// 10014 when added new members would take g past its MaxMemberNum.
func checkImportLimits(l im.Limits, g im.Group, added, admins int64) error {
	if l.AdminsPerGroup > 0 && admins > int64(l.AdminsPerGroup) {
		return im.Errorf(im.CodeInvalidParam, "group %q would have %d admins, over the limit of %d per group", g.ID, admins, l.AdminsPerGroup)
	}
	if g.MaxMemberNum > 0 && g.MemberNum+added > g.MaxMemberNum {
		return im.Errorf(im.CodeGroupFull, "group %q is full: %d members and %d imported, MaxMemberNum %d", g.ID, g.MemberNum, added, g.MaxMemberNum)
	}
	return nil
}

// maxImportMessages caps the messages of one import_group_msg.
const maxImportMessages = 7

// importableTypes are the element types import_group_msg takes.
var importableTypes = map[string]bool{"TIMTextElem": true, "TIMFaceElem": true, "TIMLocationElem": true, "TIMCustomElem": true}

// ImportedMessage is one message of an import_group_msg.
type ImportedMessage struct {
	From     string
	SendTime int64 // unix seconds
	Random   *Number
	Body     im.MsgBody
}

// ImportResult is one message's outcome of import_group_msg: Code CodeOK with its Seq and
// Time, CodeInvalidParam for a send time out of order or range, CodeMessageTooLong.
type ImportResult struct {
	Seq  int64
	Time int64
	Code im.Code
}

// ImportMessages is import_group_msg: messages of the past, in ascending SendTime, each
// after the group's creation and its newest message and not in the future, stored with
// the group's next MsgSeqs. They count as unread for nobody and send no callbacks. The
// request as a whole is checked first; each message then gets its own result
// (docs/compatibility.md §8).
func (s *Service) ImportMessages(ctx context.Context, c im.Caller, groupID, topicID string, list []ImportedMessage) ([]ImportResult, error) {
	if err := checkGroupID(c.App.Limits, groupID); err != nil {
		return nil, err
	}
	if err := checkOptionalTopicID(groupID, topicID); err != nil {
		return nil, err
	}
	if err := checkImportList(c.App.Limits, list); err != nil {
		return nil, err
	}
	out := make([]ImportResult, len(list))
	err := s.updateNoting(ctx, func(ctx context.Context, tx im.Tx) error {
		g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
		if err != nil {
			return err
		}
		if err := allow(g.Type, OpHistory, ""); err != nil {
			return err
		}
		st, err := openStream(ctx, tx, c.App, g, topicID)
		if err != nil {
			return err
		}
		senders := make([]string, len(list))
		for i, m := range list {
			senders[i] = m.From
		}
		if err := checkImported(ctx, tx, g.App, senders...); err != nil {
			return im.Errorf(im.CodeInvalidParam, "%s", im.InfoOf(err))
		}
		now := s.now()
		for i, m := range list {
			if out[i], err = s.importMessage(ctx, tx, g, &st, m, now); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// checkImportList checks an import_group_msg list as a whole: 1 to 7 messages, each with
// a valid sender and a MsgBody of the element types import takes.
func checkImportList(l im.Limits, list []ImportedMessage) error {
	if len(list) == 0 {
		return im.Errorf(im.CodeInvalidParam, "MsgList is required")
	}
	if len(list) > maxImportMessages {
		return im.Errorf(im.CodeInvalidParam, "MsgList has %d messages, over the limit of %d", len(list), maxImportMessages)
	}
	for i, m := range list {
		if err := checkAccount(l, fmt.Sprintf("MsgList[%d].From_Account", i), m.From); err != nil {
			return err
		}
		if m.Body.Problem != "" {
			return im.Errorf(im.CodeInvalidParam, "MsgList[%d].MsgBody: %s", i, m.Body.Problem)
		}
		for _, t := range m.Body.Types {
			if !importableTypes[t] {
				return im.Errorf(im.CodeInvalidParam, "MsgList[%d].MsgBody: %s cannot be imported; only TIMTextElem, TIMFaceElem, TIMLocationElem and TIMCustomElem", i, t)
			}
		}
		if m.Random != nil && (!m.Random.Exact || m.Random.Int < 0 || m.Random.Int > 4294967295) {
			return im.Errorf(im.CodeInvalidParam, "MsgList[%d].Random %s is not an integer from 0 to 4294967295", i, m.Random.Text)
		}
	}
	return nil
}

// importMessage stores one imported message in stream st of g when its time fits: not
// before the group's (or topic's) creation or its newest message, not after now.
func (s *Service) importMessage(ctx context.Context, tx im.Tx, g im.Group, st *stream, m ImportedMessage, now int64) (ImportResult, error) {
	if m.SendTime < st.created || m.SendTime < st.last || m.SendTime > now {
		return ImportResult{Code: im.CodeInvalidParam}, nil
	}
	if len(m.Body.Text) > maxMessageBytes {
		return ImportResult{Code: im.CodeMessageTooLong}, nil
	}
	msg := im.Message{
		App: g.App, Group: g.ID, Topic: st.topicID(), Seq: st.next, From: m.From, Priority: im.PriorityNormal,
		Time: m.SendTime, Body: m.Body.Text,
	}
	if m.Random != nil {
		msg.Random = uint32(m.Random.Int)
	}
	if err := tx.AppendMessage(ctx, msg); err != nil {
		return ImportResult{}, err
	}
	st.next, st.last = msg.Seq+1, msg.Time
	return ImportResult{Seq: msg.Seq, Time: msg.Time, Code: im.CodeOK}, nil
}
