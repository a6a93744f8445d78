package httpapi

import (
	"context"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

type memberAccount struct {
	MemberAccount string `json:"Member_Account"`
}

type addGroupMemberReq struct {
	GroupID    string          `json:"GroupId"`
	Silence    int             `json:"Silence"`
	MemberList []memberAccount `json:"MemberList"`
}

type addResult struct {
	MemberAccount string `json:"Member_Account"`
	Result        int    `json:"Result"`
}

type addGroupMemberResp struct {
	MemberList []addResult `json:"MemberList"`
}

func (a *API) addGroupMember(ctx context.Context, c im.Caller, req *addGroupMemberReq) (addGroupMemberResp, error) {
	accounts := make([]string, len(req.MemberList))
	for i, m := range req.MemberList {
		accounts[i] = m.MemberAccount
	}
	out, err := a.groups.AddMembers(ctx, c, req.GroupID, accounts)
	return addResults(out), err
}

// addResults renders per-account outcomes of add_group_member or import_group_member.
func addResults(out []group.AddOutcome) addGroupMemberResp {
	resp := addGroupMemberResp{MemberList: make([]addResult, len(out))}
	for i, o := range out {
		resp.MemberList[i] = addResult{MemberAccount: o.Account, Result: int(o.Result)}
	}
	return resp
}

type deleteGroupMemberReq struct {
	GroupID  string   `json:"GroupId"`
	Silence  int      `json:"Silence"`
	Reason   string   `json:"Reason"`
	Accounts []string `json:"MemberToDel_Account"`
}

func (a *API) deleteGroupMember(ctx context.Context, c im.Caller, req *deleteGroupMemberReq) (empty, error) {
	return empty{}, a.groups.DeleteMembers(ctx, c, req.GroupID, req.Accounts)
}
