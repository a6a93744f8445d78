package group

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/timdhq/timd/internal/im"
)

// maxReceiptSeqs caps the seqs of one group_msg_receipt or get_group_msg_receipt.
const maxReceiptSeqs = 50

// maxReceiptPage caps the accounts of one get_group_msg_receipt_detail page; a larger
// Count is taken as this.
const maxReceiptPage = 200

// Filters of get_group_msg_receipt_detail.
const (
	ReceiptRead   = 0
	ReceiptUnread = 1
)

// ReceiptCount is one message's receipts (get_group_msg_receipt): Code CodeOK with the
// counts, or CodeNoReceipt.
type ReceiptCount struct {
	Seq    int64
	Code   im.Code
	Read   int
	Unread int
}

// ReceiptDetailRequest is a get_group_msg_receipt_detail request; a nil number is absent.
type ReceiptDetailRequest struct {
	GroupID string
	Seq     *Number
	Filter  *Number // ReceiptRead or ReceiptUnread
	Cursor  string  // "" for the first page; else the Cursor of the page before
	Count   *Number // 1 or more; over 200 is 200
}

// ReceiptPage is one page of readers or non-readers of a message, in byte order of
// account; Cursor is what asks for the next page, "" after the last.
type ReceiptPage struct {
	Seq      int64
	Accounts []string
	Cursor   string
	Finished bool
}

// checkReceiptGroup returns the code of a group whose messages take no read receipts:
// the app's feature off or a type other than Private, Public and ChatRoom (10007), more
// members than the app allows (10060).
func checkReceiptGroup(app *im.App, g im.Group) error {
	switch {
	case !app.Features.ReadReceipts:
		return im.Errorf(im.CodeNotAllowed, "the app's read receipts are turned off")
	case g.Type == im.TypeAVChatRoom || g.Type == im.TypeCommunity:
		return im.Errorf(im.CodeNotAllowed, "%s groups take no read receipts", g.Type)
	case g.MemberNum > int64(app.Limits.ReceiptMembersMax):
		return im.Errorf(im.CodeReceiptGroupTooLarge, "group %q has %d members; read receipts are for groups of at most %d", g.ID, g.MemberNum, app.Limits.ReceiptMembersMax)
	}
	return nil
}

// checkSeqList checks a MsgSeqList of the receipt commands: 1 to 50 seqs (10004).
func checkSeqList(seqs []int64) error {
	switch {
	case len(seqs) == 0:
		return im.Errorf(im.CodeInvalidParam, "MsgSeqList is required")
	case len(seqs) > maxReceiptSeqs:
		return im.Errorf(im.CodeInvalidParam, "MsgSeqList has %d seqs, over the limit of %d", len(seqs), maxReceiptSeqs)
	}
	return nil
}

// receiptMessage returns message seq of g if it takes read receipts: stored with
// NeedReadReceipt, not a tip, not recalled nor expired; 10062 otherwise.
func (s *Service) receiptMessage(ctx context.Context, tx im.Tx, app *im.App, g im.Group, seq int64) (im.Message, error) {
	m, err := tx.GetMessage(ctx, g.App, g.ID, seq)
	switch {
	case errors.Is(err, im.ErrNotFound):
		return im.Message{}, im.Errorf(im.CodeNoReceipt, "group %q has no message %d", g.ID, seq)
	case err != nil:
		return im.Message{}, fmt.Errorf("get message %d: %w", seq, err)
	case !m.NeedReceipt || m.Tip != nil || m.State != im.MsgNormal || s.expired(app, m):
		return im.Message{}, im.Errorf(im.CodeNoReceipt, "message %d of group %q takes no read receipts", seq, g.ID)
	}
	return m, nil
}

// MarkRead is group_msg_receipt: from, a member, has read the messages seqs, each sent
// with NeedReadReceipt (10062 for any other, and nothing is recorded). A receipt of
// one's own message is not recorded (docs/compatibility.md §13).
func (s *Service) MarkRead(ctx context.Context, c im.Caller, groupID, from string, seqs []int64) error {
	l := c.App.Limits
	if err := checkGroupID(l, groupID); err != nil {
		return err
	}
	if err := checkAccount(l, "From_Account", from); err != nil {
		return err
	}
	if err := checkSeqList(seqs); err != nil {
		return err
	}
	return s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		g, _, found, err := tx.GetGroupMember(ctx, c.App.SDKAppID, groupID, from, im.WriteGroup)
		if errors.Is(err, im.ErrNotFound) {
			return im.Errorf(im.CodeGroupNotFound, "group %q does not exist", groupID)
		}
		if err != nil {
			return fmt.Errorf("load group %q and member %q: %w", groupID, from, err)
		}
		if err := checkReceiptGroup(c.App, g); err != nil {
			return err
		}
		if !found {
			return im.Errorf(im.CodeNotAllowed, "%q is not a member of group %q", from, g.ID)
		}
		var read []int64
		for _, seq := range seqs {
			m, err := s.receiptMessage(ctx, tx, c.App, g, seq)
			if err != nil {
				return err
			}
			if m.From != from {
				read = append(read, seq)
			}
		}
		if len(read) == 0 {
			return nil
		}
		return tx.PutReceipts(ctx, g.App, g.ID, from, read)
	})
}

// readers returns who has read m and who has not, each in byte order of account: the
// group's members now, but m's sender, split by their receipts.
func readers(ctx context.Context, tx im.Tx, g im.Group, m im.Message, members []string) (read, unread []string, err error) {
	got, err := tx.ReceiptReaders(ctx, g.App, g.ID, m.Seq)
	if err != nil {
		return nil, nil, fmt.Errorf("readers of %d: %w", m.Seq, err)
	}
	for _, a := range members {
		switch {
		case a == m.From:
		case slices.Contains(got, a):
			read = append(read, a)
		default:
			unread = append(unread, a)
		}
	}
	return read, unread, nil
}

// memberAccountsSorted returns the accounts of g's members in byte order.
func memberAccountsSorted(ctx context.Context, tx im.Tx, g im.Group) ([]string, error) {
	ms, err := tx.ListMembers(ctx, g.App, g.ID, im.MemberQuery{})
	if err != nil {
		return nil, fmt.Errorf("list members of %q: %w", g.ID, err)
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Account
	}
	slices.Sort(out)
	return out, nil
}

// loadReceiptGroup reads g inside tx and checks that its messages take receipts.
func loadReceiptGroup(ctx context.Context, tx im.Tx, app *im.App, groupID string) (im.Group, []string, error) {
	g, err := loadGroup(ctx, tx, app.SDKAppID, groupID)
	if err != nil {
		return im.Group{}, nil, err
	}
	if err := checkReceiptGroup(app, g); err != nil {
		return im.Group{}, nil, err
	}
	members, err := memberAccountsSorted(ctx, tx, g)
	return g, members, err
}

// Receipts is get_group_msg_receipt: for each seq, how many of the group's members
// (but the sender) have read the message and how many have not; Code 10062 for a
// message that takes no receipts.
func (s *Service) Receipts(ctx context.Context, c im.Caller, groupID string, seqs []int64) ([]ReceiptCount, error) {
	if err := checkGroupID(c.App.Limits, groupID); err != nil {
		return nil, err
	}
	if err := checkSeqList(seqs); err != nil {
		return nil, err
	}
	out := make([]ReceiptCount, len(seqs))
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		g, members, err := loadReceiptGroup(ctx, tx, c.App, groupID)
		if err != nil {
			return err
		}
		for i, seq := range seqs {
			out[i] = ReceiptCount{Seq: seq}
			m, err := s.receiptMessage(ctx, tx, c.App, g, seq)
			if im.CodeOf(err) == im.CodeNoReceipt {
				out[i].Code = im.CodeNoReceipt
				continue
			}
			if err != nil {
				return err
			}
			read, unread, err := readers(ctx, tx, g, m, members)
			if err != nil {
				return err
			}
			out[i].Read, out[i].Unread = len(read), len(unread)
		}
		return nil
	})
	return out, err
}

// ReceiptDetail is get_group_msg_receipt_detail: a page of the members who have read
// the message (Filter 0) or have not (Filter 1), in byte order of account, after the
// account Cursor names.
func (s *Service) ReceiptDetail(ctx context.Context, c im.Caller, r ReceiptDetailRequest) (ReceiptPage, error) {
	if err := checkGroupID(c.App.Limits, r.GroupID); err != nil {
		return ReceiptPage{}, err
	}
	if r.Filter == nil || !r.Filter.Exact || (r.Filter.Int != ReceiptRead && r.Filter.Int != ReceiptUnread) {
		return ReceiptPage{}, im.Errorf(im.CodeInvalidParam, "Filter must be 0 (read) or 1 (unread)")
	}
	if r.Count == nil || !r.Count.Exact || r.Count.Int <= 0 {
		return ReceiptPage{}, im.Errorf(im.CodeInvalidParam, "Count must be an integer from 1 to %d", maxReceiptPage)
	}
	if r.Seq == nil || !r.Seq.Exact || r.Seq.Int <= 0 {
		return ReceiptPage{}, im.Errorf(im.CodeNoReceipt, "MsgSeq must name a message")
	}
	n := int(min(r.Count.Int, maxReceiptPage))
	var page ReceiptPage
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		g, members, err := loadReceiptGroup(ctx, tx, c.App, r.GroupID)
		if err != nil {
			return err
		}
		m, err := s.receiptMessage(ctx, tx, c.App, g, r.Seq.Int)
		if err != nil {
			return err
		}
		read, unread, err := readers(ctx, tx, g, m, members)
		if err != nil {
			return err
		}
		list := read
		if r.Filter.Int == ReceiptUnread {
			list = unread
		}
		page = receiptPage(m.Seq, list, r.Cursor, n)
		return nil
	})
	return page, err
}

// receiptPage cuts the page of at most n accounts after cursor out of list (sorted).
func receiptPage(seq int64, list []string, cursor string, n int) ReceiptPage {
	i := 0
	if cursor != "" {
		i, _ = slices.BinarySearch(list, cursor)
		if i < len(list) && list[i] == cursor {
			i++
		}
	}
	rest := list[i:]
	page := ReceiptPage{Seq: seq, Accounts: rest[:min(n, len(rest))], Finished: len(rest) <= n}
	if !page.Finished {
		page.Cursor = page.Accounts[len(page.Accounts)-1]
	}
	return page
}
