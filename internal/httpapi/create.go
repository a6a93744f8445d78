package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

type createMember struct {
	MemberAccount string `json:"Member_Account"`
	Role          string `json:"Role"`
	AppData       []kv   `json:"AppMemberDefinedData"`
}

type createGroupReq struct {
	OwnerAccount     string           `json:"Owner_Account"`
	Type             string           `json:"Type"`
	GroupID          string           `json:"GroupId"`
	Name             wireText         `json:"Name"`
	Introduction     wireText         `json:"Introduction"`
	Notification     wireText         `json:"Notification"`
	FaceURL          wireText         `json:"FaceUrl"`
	MaxMemberCount   int64            `json:"MaxMemberCount"`
	MaxMemberNum     int64            `json:"MaxMemberNum"` // accepted for MaxMemberCount
	ApplyJoinOption  string           `json:"ApplyJoinOption"`
	InviteJoinOption string           `json:"InviteJoinOption"`
	AppDefinedData   []kv             `json:"AppDefinedData"`
	MemberList       []createMember   `json:"MemberList"`
	SupportTopic     *json.RawMessage `json:"SupportTopic"`
}

type createGroupResp struct {
	GroupID       string `json:"GroupId"`
	Type          string `json:"Type,omitempty"`
	HugeGroupFlag *int   `json:"HugeGroupFlag,omitempty"`
}

func (a *API) createGroup(ctx context.Context, c im.Caller, req *createGroupReq) (createGroupResp, error) {
	r, err := req.request()
	if err != nil {
		return createGroupResp{}, err
	}
	created, err := a.groups.CreateGroup(ctx, c, r)
	return createdResp(created), err
}

// request translates a create_group (or import_group) body.
func (req *createGroupReq) request() (group.CreateRequest, error) {
	r := group.CreateRequest{
		Type: req.Type, Name: string(req.Name), Owner: req.OwnerAccount, GroupID: req.GroupID,
		Introduction: string(req.Introduction), Notification: string(req.Notification), FaceURL: string(req.FaceURL),
		MaxMemberCount: req.MaxMemberCount, ApplyJoinOption: req.ApplyJoinOption,
		InviteJoinOption: req.InviteJoinOption, AppData: toKVs(req.AppDefinedData),
	}
	if r.MaxMemberCount == 0 {
		r.MaxMemberCount = req.MaxMemberNum
	}
	for _, m := range req.MemberList {
		r.Members = append(r.Members, group.NewMember{Account: m.MemberAccount, Role: m.Role, AppData: toKVs(m.AppData)})
	}
	var err error
	r.SupportTopic, err = oneNumber(req.SupportTopic, "SupportTopic")
	return r, err
}

// createdResp is the answer to a created group: its ID, and for a Community also its
// Type and HugeGroupFlag, as Tencent answers.
func createdResp(created group.Created) createGroupResp {
	resp := createGroupResp{GroupID: created.GroupID}
	if created.Type == im.TypeCommunity {
		zero := 0
		resp.Type, resp.HugeGroupFlag = string(created.Type), &zero
	}
	return resp
}

func (a *API) destroyGroup(ctx context.Context, c im.Caller, req *groupIDReq) (empty, error) {
	return empty{}, a.groups.DestroyGroup(ctx, c, req.GroupID)
}
