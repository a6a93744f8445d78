package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// kv is a custom-field entry on the wire.
type kv struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func toKVs(in []kv) []group.KV {
	if len(in) == 0 {
		return nil
	}
	out := make([]group.KV, len(in))
	for i, e := range in {
		out[i] = group.KV{Key: e.Key, Value: e.Value}
	}
	return out
}

// number returns the text of the first number present, for fields with an old and a
// current name (decisions.md §3: the current name wins).
func number(current, old *json.Number) *string {
	for _, n := range []*json.Number{current, old} {
		if n != nil {
			s := n.String()
			return &s
		}
	}
	return nil
}

type createMember struct {
	MemberAccount string `json:"Member_Account"`
	Role          string `json:"Role"`
	AppData       []kv   `json:"AppMemberDefinedData"`
}

type createGroupReq struct {
	OwnerAccount     string         `json:"Owner_Account"`
	Type             string         `json:"Type"`
	GroupID          string         `json:"GroupId"`
	Name             string         `json:"Name"`
	Introduction     string         `json:"Introduction"`
	Notification     string         `json:"Notification"`
	FaceURL          string         `json:"FaceUrl"`
	MaxMemberCount   int64          `json:"MaxMemberCount"`
	MaxMemberNum     int64          `json:"MaxMemberNum"` // accepted for MaxMemberCount
	ApplyJoinOption  string         `json:"ApplyJoinOption"`
	InviteJoinOption string         `json:"InviteJoinOption"`
	AppDefinedData   []kv           `json:"AppDefinedData"`
	MemberList       []createMember `json:"MemberList"`
}

type createGroupResp struct {
	GroupID       string `json:"GroupId"`
	Type          string `json:"Type,omitempty"`
	HugeGroupFlag *int   `json:"HugeGroupFlag,omitempty"`
}

func (a *API) createGroup(ctx context.Context, c im.Caller, req *createGroupReq) (createGroupResp, error) {
	r := group.CreateRequest{
		Type: req.Type, Name: req.Name, Owner: req.OwnerAccount, GroupID: req.GroupID,
		Introduction: req.Introduction, Notification: req.Notification, FaceURL: req.FaceURL,
		MaxMemberCount: req.MaxMemberCount, ApplyJoinOption: req.ApplyJoinOption,
		InviteJoinOption: req.InviteJoinOption, AppData: toKVs(req.AppDefinedData),
	}
	if r.MaxMemberCount == 0 {
		r.MaxMemberCount = req.MaxMemberNum
	}
	for _, m := range req.MemberList {
		r.Members = append(r.Members, group.NewMember{Account: m.MemberAccount, Role: m.Role, AppData: toKVs(m.AppData)})
	}
	created, err := a.groups.CreateGroup(ctx, c, r)
	if err != nil {
		return createGroupResp{}, err
	}
	resp := createGroupResp{GroupID: created.GroupID}
	if created.Type == im.TypeCommunity {
		zero := 0
		resp.Type, resp.HugeGroupFlag = string(created.Type), &zero
	}
	return resp, nil
}

type groupIDReq struct {
	GroupID string `json:"GroupId"`
}

func (a *API) destroyGroup(ctx context.Context, c im.Caller, req *groupIDReq) (empty, error) {
	return empty{}, a.groups.DestroyGroup(ctx, c, req.GroupID)
}
