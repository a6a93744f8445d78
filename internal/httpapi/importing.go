package httpapi

import (
	"context"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

type importGroupReq struct {
	createGroupReq
	CreateTime int64 `json:"CreateTime"`
}

func (a *API) importGroup(ctx context.Context, c im.Caller, req *importGroupReq) (createGroupResp, error) {
	r := req.createGroupReq.request()
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
