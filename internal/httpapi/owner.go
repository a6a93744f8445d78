package httpapi

import (
	"context"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

type changeGroupOwnerReq struct {
	GroupID         string `json:"GroupId"`
	NewOwnerAccount string `json:"NewOwner_Account"`
}

func (a *API) changeGroupOwner(ctx context.Context, c im.Caller, req *changeGroupOwnerReq) (empty, error) {
	return empty{}, a.groups.ChangeOwner(ctx, c, req.GroupID, req.NewOwnerAccount)
}

type getRoleInGroupReq struct {
	GroupID  string   `json:"GroupId"`
	Accounts []string `json:"User_Account"`
}

type userRole struct {
	MemberAccount string `json:"Member_Account"`
	Role          string `json:"Role"`
}

type getRoleInGroupResp struct {
	UserIDList []userRole `json:"UserIdList"`
}

func (a *API) getRoleInGroup(ctx context.Context, c im.Caller, req *getRoleInGroupReq) (getRoleInGroupResp, error) {
	roles, err := a.groups.RolesInGroup(ctx, c, req.GroupID, req.Accounts)
	if err != nil {
		return getRoleInGroupResp{}, err
	}
	resp := getRoleInGroupResp{UserIDList: make([]userRole, len(roles))}
	for i, r := range roles {
		resp.UserIDList[i] = userRole{MemberAccount: r.Account, Role: string(r.Role)}
	}
	return resp, nil
}

type getSpecifiedMemberInfoReq struct {
	GroupID          string    `json:"GroupId"`
	Accounts         []string  `json:"Member_List_Account"`
	MemberInfoFilter *[]string `json:"MemberInfoFilter"`
	AppDataFilter    *[]string `json:"AppDefinedDataFilter_GroupMember"`
}

type memberListResp struct {
	MemberList []*memberInfo `json:"MemberList"`
}

func (a *API) getSpecifiedGroupMemberInfo(ctx context.Context, c im.Caller, req *getSpecifiedMemberInfoReq) (memberListResp, error) {
	ms, err := a.groups.SpecifiedMembers(ctx, c, req.GroupID, req.Accounts)
	if err != nil {
		return memberListResp{}, err
	}
	sel := newMemberSelect(req.MemberInfoFilter, req.AppDataFilter)
	resp := memberListResp{MemberList: make([]*memberInfo, len(ms))}
	for i := range ms {
		resp.MemberList[i] = sel.info(&ms[i])
	}
	return resp, nil
}

type setUnreadMsgNumReq struct {
	GroupID       string `json:"GroupId"`
	MemberAccount string `json:"Member_Account"`
	UnreadMsgNum  int64  `json:"UnreadMsgNum"`
}

func (a *API) setUnreadMsgNum(ctx context.Context, c im.Caller, req *setUnreadMsgNumReq) (empty, error) {
	return empty{}, a.groups.SetUnreadMsgNum(ctx, c, req.GroupID, req.MemberAccount, req.UnreadMsgNum)
}

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
