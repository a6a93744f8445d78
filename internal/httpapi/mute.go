package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/im"
)

type forbidSendMsgReq struct {
	GroupID    string           `json:"GroupId"`
	Accounts   []string         `json:"Members_Account"`
	MuteTime   *json.RawMessage `json:"MuteTime"`
	ShutUpTime *json.RawMessage `json:"ShutUpTime" current:"MuteTime"`
}

func (a *API) forbidSendMsg(ctx context.Context, c im.Caller, req *forbidSendMsgReq) (empty, error) {
	muteTime, err := number(req.MuteTime, req.ShutUpTime, "MuteTime", "ShutUpTime")
	if err != nil {
		return empty{}, err
	}
	return empty{}, a.groups.ForbidSendMsg(ctx, c, req.GroupID, req.Accounts, muteTime)
}

type mutedAccount struct {
	MemberAccount string `json:"Member_Account"`
	MutedUntil    int64  `json:"MutedUntil"`
}

type mutedAccountResp struct {
	GroupID          string         `json:"GroupId"`
	MutedAccountList []mutedAccount `json:"MutedAccountList"`
}

func (a *API) getGroupMutedAccount(ctx context.Context, c im.Caller, req *groupIDReq) (mutedAccountResp, error) {
	mutes, err := a.groups.MutedAccounts(ctx, c, req.GroupID)
	resp := mutedAccountResp{GroupID: req.GroupID, MutedAccountList: make([]mutedAccount, len(mutes))}
	for i, m := range mutes {
		resp.MutedAccountList[i] = mutedAccount{MemberAccount: m.Account, MutedUntil: m.Until}
	}
	return resp, err
}

type shuttedUin struct {
	MemberAccount string `json:"Member_Account"`
	ShuttedUntil  int64  `json:"ShuttedUntil"`
}

type shuttedUinResp struct {
	GroupID        string       `json:"GroupId"`
	ShuttedUinList []shuttedUin `json:"ShuttedUinList"`
}

// getGroupShuttedUin is the pre-2022 name of get_group_muted_account, answering with
// the old field names (docs/compatibility.md §3).
func (a *API) getGroupShuttedUin(ctx context.Context, c im.Caller, req *groupIDReq) (shuttedUinResp, error) {
	mutes, err := a.groups.MutedAccounts(ctx, c, req.GroupID)
	resp := shuttedUinResp{GroupID: req.GroupID, ShuttedUinList: make([]shuttedUin, len(mutes))}
	for i, m := range mutes {
		resp.ShuttedUinList[i] = shuttedUin{MemberAccount: m.Account, ShuttedUntil: m.Until}
	}
	return resp, err
}
