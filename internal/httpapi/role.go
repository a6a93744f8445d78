package httpapi

import (
	"context"

	"github.com/timdhq/timd/internal/im"
)

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
