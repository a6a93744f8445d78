package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/msgbody"
)

type msgSeqItem struct {
	MsgSeq int64 `json:"MsgSeq"`
}

type groupMsgRecallReq struct {
	GroupID    string       `json:"GroupId"`
	MsgSeqList []msgSeqItem `json:"MsgSeqList"`
	Reason     string       `json:"Reason"`
	TopicID    string       `json:"TopicId"`
}

type recallRet struct {
	MsgSeq  int64 `json:"MsgSeq"`
	RetCode int   `json:"RetCode"`
}

type groupMsgRecallResp struct {
	RecallRetList []recallRet `json:"RecallRetList"`
}

func (a *API) groupMsgRecall(ctx context.Context, c im.Caller, req *groupMsgRecallReq) (groupMsgRecallResp, error) {
	seqs := make([]int64, len(req.MsgSeqList))
	for i, s := range req.MsgSeqList {
		seqs[i] = s.MsgSeq
	}
	out, err := a.groups.Recall(ctx, c, req.GroupID, req.TopicID, seqs)
	if err != nil {
		return groupMsgRecallResp{}, err
	}
	resp := groupMsgRecallResp{RecallRetList: make([]recallRet, len(out))}
	for i, r := range out {
		resp.RecallRetList[i] = recallRet{MsgSeq: r.Seq, RetCode: int(r.Code)}
	}
	return resp, nil
}

type deleteGroupMsgBySenderReq struct {
	GroupID       string `json:"GroupId"`
	SenderAccount string `json:"Sender_Account"`
	TopicID       string `json:"TopicId"`
}

func (a *API) deleteGroupMsgBySender(ctx context.Context, c im.Caller, req *deleteGroupMsgBySenderReq) (empty, error) {
	return empty{}, a.groups.DeleteBySender(ctx, c, req.GroupID, req.TopicID, req.SenderAccount)
}

type modifyGroupMsgReq struct {
	GroupID         string           `json:"GroupId"`
	MsgSeq          *json.RawMessage `json:"MsgSeq"`
	MsgBody         json.RawMessage  `json:"MsgBody"`
	CloudCustomData *string          `json:"CloudCustomData"`
	TopicID         string           `json:"TopicId"`
}

func (a *API) modifyGroupMsg(ctx context.Context, c im.Caller, req *modifyGroupMsgReq) (empty, error) {
	seq, err := oneNumber(req.MsgSeq, "MsgSeq")
	if err != nil {
		return empty{}, err
	}
	r := group.ModifyMessageRequest{GroupID: req.GroupID, TopicID: req.TopicID, Seq: seq, CloudCustomData: req.CloudCustomData}
	if len(req.MsgBody) > 0 && string(req.MsgBody) != "null" {
		b := msgbody.Body(req.MsgBody)
		r.Body = &b
	}
	return empty{}, a.groups.ModifyMessage(ctx, c, r)
}
