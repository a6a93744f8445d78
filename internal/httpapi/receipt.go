package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

type groupMsgReceiptReq struct {
	GroupID     string       `json:"GroupId"`
	FromAccount string       `json:"From_Account"`
	MsgSeqList  []msgSeqItem `json:"MsgSeqList"`
}

// seqsOf returns the MsgSeq of each item.
func seqsOf(items []msgSeqItem) []int64 {
	out := make([]int64, len(items))
	for i, s := range items {
		out[i] = s.MsgSeq
	}
	return out
}

func (a *API) groupMsgReceipt(ctx context.Context, c im.Caller, req *groupMsgReceiptReq) (empty, error) {
	return empty{}, a.groups.MarkRead(ctx, c, req.GroupID, req.FromAccount, seqsOf(req.MsgSeqList))
}

type getGroupMsgReceiptReq struct {
	GroupID    string       `json:"GroupId"`
	MsgSeqList []msgSeqItem `json:"MsgSeqList"`
}

type receiptItem struct {
	Code      int   `json:"Code"`
	MsgSeq    int64 `json:"MsgSeq"`
	ReadNum   int   `json:"ReadNum"`
	UnreadNum int   `json:"UnreadNum"`
}

type getGroupMsgReceiptResp struct {
	GroupMsgReceiptList []receiptItem `json:"GroupMsgReceiptList"`
}

func (a *API) getGroupMsgReceipt(ctx context.Context, c im.Caller, req *getGroupMsgReceiptReq) (getGroupMsgReceiptResp, error) {
	out, err := a.groups.Receipts(ctx, c, req.GroupID, seqsOf(req.MsgSeqList))
	if err != nil {
		return getGroupMsgReceiptResp{}, err
	}
	resp := getGroupMsgReceiptResp{GroupMsgReceiptList: make([]receiptItem, len(out))}
	for i, r := range out {
		resp.GroupMsgReceiptList[i] = receiptItem{Code: int(r.Code), MsgSeq: r.Seq, ReadNum: r.Read, UnreadNum: r.Unread}
	}
	return resp, nil
}

// getGroupMsgReceiptDetailReq takes Tencent's Filter and Count, and the older names
// Flag and Num that a Java SDK sent; the current names win.
type getGroupMsgReceiptDetailReq struct {
	GroupID string           `json:"GroupId"`
	MsgSeq  *json.RawMessage `json:"MsgSeq"`
	Filter  *json.RawMessage `json:"Filter"`
	Flag    *json.RawMessage `json:"Flag"`
	Cursor  string           `json:"Cursor"`
	Count   *json.RawMessage `json:"Count"`
	Num     *json.RawMessage `json:"Num"`
}

type readAccount struct {
	ReadAccount string `json:"Read_Account"`
}

type unreadAccount struct {
	UnreadAccount string `json:"Unread_Account"`
}

// The answer has IsFinished, the name of Tencent's table and SDKs, and IsFinish, the
// name of its sample, with the same value; ReadList or UnreadList as asked.
type getGroupMsgReceiptDetailResp struct {
	Cursor     string           `json:"Cursor"`
	IsFinished int              `json:"IsFinished"`
	IsFinish   int              `json:"IsFinish"`
	MsgSeq     int64            `json:"MsgSeq"`
	ReadList   *[]readAccount   `json:"ReadList,omitempty"`
	UnreadList *[]unreadAccount `json:"UnreadList,omitempty"`
}

func (a *API) getGroupMsgReceiptDetail(ctx context.Context, c im.Caller, req *getGroupMsgReceiptDetailReq) (getGroupMsgReceiptDetailResp, error) {
	r := group.ReceiptDetailRequest{GroupID: req.GroupID, Cursor: req.Cursor}
	var err error
	if r.Seq, err = oneNumber(req.MsgSeq, "MsgSeq"); err != nil {
		return getGroupMsgReceiptDetailResp{}, err
	}
	if r.Filter, err = number(req.Filter, req.Flag, "Filter", "Flag"); err != nil {
		return getGroupMsgReceiptDetailResp{}, err
	}
	if r.Count, err = number(req.Count, req.Num, "Count", "Num"); err != nil {
		return getGroupMsgReceiptDetailResp{}, err
	}
	page, err := a.groups.ReceiptDetail(ctx, c, r)
	if err != nil {
		return getGroupMsgReceiptDetailResp{}, err
	}
	resp := getGroupMsgReceiptDetailResp{Cursor: page.Cursor, MsgSeq: page.Seq}
	if page.Finished {
		resp.IsFinished, resp.IsFinish = 1, 1
	}
	if r.Filter.Int == group.ReceiptRead {
		list := make([]readAccount, len(page.Accounts))
		for i, acct := range page.Accounts {
			list[i] = readAccount{ReadAccount: acct}
		}
		resp.ReadList = &list
	} else {
		list := make([]unreadAccount, len(page.Accounts))
		for i, acct := range page.Accounts {
			list[i] = unreadAccount{UnreadAccount: acct}
		}
		resp.UnreadList = &list
	}
	return resp, nil
}
