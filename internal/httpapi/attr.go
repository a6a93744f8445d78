package httpapi

import (
	"context"

	"github.com/timdhq/timd/internal/im"
)

// groupAttr is a group attribute on the wire: lower-case key and value, as Tencent's
// pages and SDKs write them. Both keep invalid UTF-8 as sent, for the rules to refuse.
type groupAttr struct {
	Key   wireText `json:"key"`
	Value wireText `json:"value"`
}

type groupAttrOut struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type getGroupAttrResp struct {
	GroupAttrAry []groupAttrOut `json:"GroupAttrAry"`
}

func (a *API) getGroupAttr(ctx context.Context, c im.Caller, req *groupIDReq) (getGroupAttrResp, error) {
	attrs, err := a.groups.GroupAttrs(ctx, c, req.GroupID)
	resp := getGroupAttrResp{GroupAttrAry: make([]groupAttrOut, len(attrs))}
	for i, kv := range attrs {
		resp.GroupAttrAry[i] = groupAttrOut{Key: kv.Key, Value: kv.Value}
	}
	return resp, err
}

type groupAttrReq struct {
	GroupID   string      `json:"GroupId"`
	GroupAttr []groupAttr `json:"GroupAttr"`
}

// attrs translates the request's GroupAttr.
func (r *groupAttrReq) attrs() []im.KV {
	out := make([]im.KV, len(r.GroupAttr))
	for i, e := range r.GroupAttr {
		out[i] = im.KV{Key: string(e.Key), Value: string(e.Value)}
	}
	return out
}

func (a *API) modifyGroupAttr(ctx context.Context, c im.Caller, req *groupAttrReq) (empty, error) {
	return empty{}, a.groups.ModifyGroupAttrs(ctx, c, req.GroupID, req.attrs())
}

func (a *API) setGroupAttr(ctx context.Context, c im.Caller, req *groupAttrReq) (empty, error) {
	return empty{}, a.groups.SetGroupAttrs(ctx, c, req.GroupID, req.attrs())
}

func (a *API) clearGroupAttr(ctx context.Context, c im.Caller, req *groupIDReq) (empty, error) {
	return empty{}, a.groups.ClearGroupAttrs(ctx, c, req.GroupID)
}
