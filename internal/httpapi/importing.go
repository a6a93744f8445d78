package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/msgbody"
)

type importGroupReq struct {
	createGroupReq
	CreateTime int64 `json:"CreateTime"`
}

func (a *API) importGroup(ctx context.Context, c im.Caller, req *importGroupReq) (createGroupResp, error) {
	r, err := req.createGroupReq.request()
	if err != nil {
		return createGroupResp{}, err
	}
	r.CreateTime = req.CreateTime
	created, err := a.groups.ImportGroup(ctx, c, r)
	return createdResp(created), err
}

type importMember struct {
	MemberAccount string `json:"Member_Account"`
	Role          string `json:"Role"`
	JoinTime      int64  `json:"JoinTime"`
	UnreadMsgNum  int64  `json:"UnreadMsgNum"`
}

type importGroupMemberReq struct {
	GroupID    string         `json:"GroupId"`
	MemberList []importMember `json:"MemberList"`
}

func (a *API) importGroupMember(ctx context.Context, c im.Caller, req *importGroupMemberReq) (addGroupMemberResp, error) {
	list := make([]group.ImportedMember, len(req.MemberList))
	for i, m := range req.MemberList {
		list[i] = group.ImportedMember{Account: m.MemberAccount, Role: m.Role, JoinTime: m.JoinTime, UnreadMsgNum: m.UnreadMsgNum}
	}
	out, err := a.groups.ImportMembers(ctx, c, req.GroupID, list)
	return addResults(out), err
}

type importMsgItem struct {
	FromAccount string           `json:"From_Account"`
	SendTime    int64            `json:"SendTime"`
	Random      *json.RawMessage `json:"Random"`
	MsgBody     json.RawMessage  `json:"MsgBody"`
}

type importGroupMsgReq struct {
	GroupID           string          `json:"GroupId"`
	RecentContactFlag int             `json:"RecentContactFlag"`
	MsgList           []importMsgItem `json:"MsgList"`
	TopicID           string          `json:"TopicId"`
}

type importMsgResult struct {
	MsgSeq  int64 `json:"MsgSeq"`
	MsgTime int64 `json:"MsgTime"`
	Result  int   `json:"Result"`
}

type importGroupMsgResp struct {
	ImportMsgResult []importMsgResult `json:"ImportMsgResult"`
}

func (a *API) importGroupMsg(ctx context.Context, c im.Caller, req *importGroupMsgReq) (importGroupMsgResp, error) {
	list := make([]group.ImportedMessage, len(req.MsgList))
	for i, m := range req.MsgList {
		random, err := oneNumber(m.Random, "Random")
		if err != nil {
			return importGroupMsgResp{}, err
		}
		list[i] = group.ImportedMessage{From: m.FromAccount, SendTime: m.SendTime, Random: random, Body: msgbody.Body(m.MsgBody)}
	}
	out, err := a.groups.ImportMessages(ctx, c, req.GroupID, req.TopicID, list)
	if err != nil {
		return importGroupMsgResp{}, err
	}
	resp := importGroupMsgResp{ImportMsgResult: make([]importMsgResult, len(out))}
	for i, r := range out {
		resp.ImportMsgResult[i] = importMsgResult{MsgSeq: r.Seq, MsgTime: r.Time, Result: int(r.Code)}
	}
	return resp, nil
}
