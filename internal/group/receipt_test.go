package group_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// sendReceipt sends a text from from to g, asking for read receipts when need.
func (e *env) sendReceipt(tb testing.TB, g, from string, random int64, need, online bool) (group.Sent, error) {
	tb.Helper()
	return e.svc.SendMessage(tb.Context(), e.caller, group.SendRequest{
		GroupID: g, From: from, Random: group.Int(random), NeedReceipt: need, OnlineOnly: online,
		Body: im.MsgBody{Text: []byte(`[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]`), Types: []string{"TIMTextElem"}},
	})
}

// TestReadReceipts checks group_msg_receipt, get_group_msg_receipt and
// get_group_msg_receipt_detail (docs/compatibility.md §13).
func TestReadReceipts(t *testing.T) {
	e := newEnv(t, "owner", "m1", "m2", "m3")
	ctx := t.Context()
	g := e.mustCreate(t, im.TypePublic, "owner", "m1", "m2", "m3")
	sent, err := e.sendReceipt(t, g, "m1", 1, true, false)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := e.sendReceipt(t, g, "m1", 2, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.MarkRead(ctx, e.caller, g, "m2", []int64{sent.Seq}); err != nil {
		t.Fatalf("group_msg_receipt: %v", err)
	}
	if err := e.svc.MarkRead(ctx, e.caller, g, "m1", []int64{sent.Seq}); err != nil {
		t.Fatalf("group_msg_receipt of the sender: %v", err)
	}
	if err := e.svc.MarkRead(ctx, e.caller, g, "m2", []int64{sent.Seq}); err != nil {
		t.Fatalf("group_msg_receipt again: %v", err)
	}
	got, err := e.svc.Receipts(ctx, e.caller, g, []int64{sent.Seq, plain.Seq, 99})
	if err != nil {
		t.Fatal(err)
	}
	want := []group.ReceiptCount{
		{Seq: sent.Seq, Code: im.CodeOK, Read: 1, Unread: 2},
		{Seq: plain.Seq, Code: im.CodeNoReceipt},
		{Seq: 99, Code: im.CodeNoReceipt},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("get_group_msg_receipt (-want +got):\n%s", d)
	}
	detail := func(filter int64, cursor string, count int64) group.ReceiptPage {
		t.Helper()
		p, err := e.svc.ReceiptDetail(ctx, e.caller, group.ReceiptDetailRequest{GroupID: g, Seq: group.Int(sent.Seq), Filter: group.Int(filter), Cursor: cursor, Count: group.Int(count)})
		if err != nil {
			t.Fatalf("detail %d %q %d: %v", filter, cursor, count, err)
		}
		return p
	}
	if d := cmp.Diff(group.ReceiptPage{Seq: sent.Seq, Accounts: []string{"m2"}, Finished: true}, detail(group.ReceiptRead, "", 500)); d != "" {
		t.Errorf("readers (-want +got):\n%s", d)
	}
	first := detail(group.ReceiptUnread, "", 1)
	if d := cmp.Diff(group.ReceiptPage{Seq: sent.Seq, Accounts: []string{"m3"}, Cursor: "m3"}, first); d != "" {
		t.Errorf("first page of non-readers (-want +got):\n%s", d)
	}
	if d := cmp.Diff(group.ReceiptPage{Seq: sent.Seq, Accounts: []string{"owner"}, Finished: true}, detail(group.ReceiptUnread, first.Cursor, 1)); d != "" {
		t.Errorf("second page of non-readers (-want +got):\n%s", d)
	}
	// A member who leaves counts neither way.
	if err := e.svc.DeleteMembers(ctx, e.caller, g, []string{"m2"}, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Receipts(ctx, e.caller, g, []int64{sent.Seq}); got[0].Read != 0 || got[0].Unread != 2 {
		t.Errorf("after the reader left: got %+v, want 0 read and 2 unread", got[0])
	}
}

// TestReadReceiptChecks checks the codes of read receipts (docs/compatibility.md §13).
func TestReadReceiptChecks(t *testing.T) {
	e := newEnv(t, "owner", "m1", "m2", "free")
	ctx := t.Context()
	g := e.mustCreate(t, im.TypePublic, "owner", "m1", "m2")
	sent, err := e.sendReceipt(t, g, "m1", 1, true, false)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := e.sendReceipt(t, g, "m1", 2, false, false)
	_, err = e.sendReceipt(t, g, "m1", 3, true, true)
	wantCode(t, "NeedReadReceipt with OnlineOnlyFlag", err, im.CodeReceiptOnline)
	av := e.mustCreate(t, im.TypeAVChatRoom, "owner")
	_, err = e.sendReceipt(t, av, "", 4, true, false)
	wantCode(t, "NeedReadReceipt in an AVChatRoom", err, im.CodeNotAllowed)
	comm := e.mustCreate(t, im.TypeCommunity, "owner")
	_, err = e.sendReceipt(t, comm, "", 5, true, false)
	wantCode(t, "NeedReadReceipt in a Community", err, im.CodeNotAllowed)

	wantCode(t, "receipt of a non-member", e.svc.MarkRead(ctx, e.caller, g, "free", []int64{sent.Seq}), im.CodeNotAllowed)
	wantCode(t, "receipt of a message without NeedReadReceipt", e.svc.MarkRead(ctx, e.caller, g, "m2", []int64{sent.Seq, plain.Seq}), im.CodeNoReceipt)
	if got, _ := e.svc.Receipts(ctx, e.caller, g, []int64{sent.Seq}); got[0].Read != 0 {
		t.Errorf("a refused group_msg_receipt recorded: %+v", got[0])
	}
	wantCode(t, "no MsgSeqList", e.svc.MarkRead(ctx, e.caller, g, "m2", nil), im.CodeInvalidParam)
	wantCode(t, "51 seqs", e.svc.MarkRead(ctx, e.caller, g, "m2", make([]int64, 51)), im.CodeInvalidParam)
	wantCode(t, "no From_Account", e.svc.MarkRead(ctx, e.caller, g, "", []int64{sent.Seq}), im.CodeInvalidParam)
	wantCode(t, "no group", e.svc.MarkRead(ctx, e.caller, "none", "m2", []int64{sent.Seq}), im.CodeGroupNotFound)
	_, err = e.svc.Receipts(ctx, e.caller, av, []int64{1})
	wantCode(t, "get_group_msg_receipt of an AVChatRoom", err, im.CodeNotAllowed)
	for _, tc := range []struct {
		what string
		r    group.ReceiptDetailRequest
		code im.Code
	}{
		{"Filter 2", group.ReceiptDetailRequest{GroupID: g, Seq: group.Int(sent.Seq), Filter: group.Int(2), Count: group.Int(1)}, im.CodeInvalidParam},
		{"no Filter", group.ReceiptDetailRequest{GroupID: g, Seq: group.Int(sent.Seq), Count: group.Int(1)}, im.CodeInvalidParam},
		{"Count 0", group.ReceiptDetailRequest{GroupID: g, Seq: group.Int(sent.Seq), Filter: group.Int(0), Count: group.Int(0)}, im.CodeInvalidParam},
		{"no MsgSeq", group.ReceiptDetailRequest{GroupID: g, Filter: group.Int(0), Count: group.Int(1)}, im.CodeNoReceipt},
		{"a message without receipts", group.ReceiptDetailRequest{GroupID: g, Seq: group.Int(plain.Seq), Filter: group.Int(0), Count: group.Int(1)}, im.CodeNoReceipt},
	} {
		_, err := e.svc.ReceiptDetail(ctx, e.caller, tc.r)
		wantCode(t, "get_group_msg_receipt_detail "+tc.what, err, tc.code)
	}

	e.caller.App.Limits.ReceiptMembersMax = 2
	_, err = e.sendReceipt(t, g, "m1", 6, true, false)
	wantCode(t, "NeedReadReceipt in a group of 3 members, over 2", err, im.CodeReceiptGroupTooLarge)
	wantCode(t, "receipt in a group over the limit", e.svc.MarkRead(ctx, e.caller, g, "m2", []int64{sent.Seq}), im.CodeReceiptGroupTooLarge)
	e.caller.App.Limits.ReceiptMembersMax = 200
	e.caller.App.Features.ReadReceipts = false
	_, err = e.sendReceipt(t, g, "m1", 7, true, false)
	wantCode(t, "NeedReadReceipt with the feature off", err, im.CodeNotAllowed)
	_, err = e.svc.Receipts(ctx, e.caller, g, []int64{sent.Seq})
	wantCode(t, "get_group_msg_receipt with the feature off", err, im.CodeNotAllowed)
	e.caller.App.Features.ReadReceipts = true
}
