package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/im"
)

type banGroupMemberReq struct {
	GroupID     string           `json:"GroupId"`
	Accounts    []string         `json:"Members_Account"`
	Duration    *json.RawMessage `json:"Duration"`
	Description wireText         `json:"Description"`
}

func (a *API) banGroupMember(ctx context.Context, c im.Caller, req *banGroupMemberReq) (empty, error) {
	duration, err := oneNumber(req.Duration, "Duration")
	if err != nil {
		return empty{}, err
	}
	return empty{}, a.groups.BanMembers(ctx, c, req.GroupID, req.Accounts, duration, string(req.Description))
}

type unbanGroupMemberReq struct {
	GroupID  string   `json:"GroupId"`
	Accounts []string `json:"Members_Account"`
}

func (a *API) unbanGroupMember(ctx context.Context, c im.Caller, req *unbanGroupMemberReq) (empty, error) {
	return empty{}, a.groups.UnbanMembers(ctx, c, req.GroupID, req.Accounts)
}

type getGroupBanMemberReq struct {
	GroupID string `json:"GroupId"`
	Limit   int64  `json:"Limit"`
	Offset  int64  `json:"Offset"`
}

type bannedAccount struct {
	MemberAccount string `json:"Member_Account"`
	BannedUntil   int64  `json:"BannedUntil"`
}

type getGroupBanMemberResp struct {
	BannedAccountList []bannedAccount `json:"BannedAccountList"`
	NextOffset        int64           `json:"NextOffset"`
}

func (a *API) getGroupBanMember(ctx context.Context, c im.Caller, req *getGroupBanMemberReq) (getGroupBanMemberResp, error) {
	page, err := a.groups.BannedMembers(ctx, c, req.GroupID, req.Limit, req.Offset)
	resp := getGroupBanMemberResp{BannedAccountList: make([]bannedAccount, len(page.Bans)), NextOffset: page.Next}
	for i, b := range page.Bans {
		resp.BannedAccountList[i] = bannedAccount{MemberAccount: b.Account, BannedUntil: b.Until}
	}
	return resp, err
}
