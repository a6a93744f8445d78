package httpapi

import (
	"context"

	"github.com/timdhq/timd/internal/im"
)

// groupCounter is a group counter on the wire: Key and Value, capitalized (Tencent's
// pages), Value a signed 64-bit integer. Key keeps invalid UTF-8 as sent, for the rules
// to refuse.
type groupCounter struct {
	Key   wireText `json:"Key"`
	Value int64    `json:"Value"`
}

type groupCounterOut struct {
	Key   string `json:"Key"`
	Value int64  `json:"Value"`
}

type groupCounterResp struct {
	GroupCounter []groupCounterOut `json:"GroupCounter"`
}

func toGroupCounterResp(cs []im.Counter) groupCounterResp {
	out := groupCounterResp{GroupCounter: make([]groupCounterOut, len(cs))}
	for i, c := range cs {
		out.GroupCounter[i] = groupCounterOut{Key: c.Key, Value: c.Value}
	}
	return out
}

type groupCounterKeysReq struct {
	GroupID          string   `json:"GroupId"`
	GroupCounterKeys []string `json:"GroupCounterKeys"`
}

func (a *API) getGroupCounter(ctx context.Context, c im.Caller, req *groupCounterKeysReq) (groupCounterResp, error) {
	cs, err := a.groups.GroupCounters(ctx, c, req.GroupID, req.GroupCounterKeys)
	return toGroupCounterResp(cs), err
}

type updateGroupCounterReq struct {
	GroupID      string         `json:"GroupId"`
	GroupCounter []groupCounter `json:"GroupCounter"`
	Mode         string         `json:"Mode"`
}

func (a *API) updateGroupCounter(ctx context.Context, c im.Caller, req *updateGroupCounterReq) (groupCounterResp, error) {
	cs := make([]im.Counter, len(req.GroupCounter))
	for i, e := range req.GroupCounter {
		cs[i] = im.Counter{Key: string(e.Key), Value: e.Value}
	}
	out, err := a.groups.UpdateGroupCounters(ctx, c, req.GroupID, req.Mode, cs)
	return toGroupCounterResp(out), err
}

func (a *API) deleteGroupCounter(ctx context.Context, c im.Caller, req *groupCounterKeysReq) (empty, error) {
	return empty{}, a.groups.DeleteGroupCounters(ctx, c, req.GroupID, req.GroupCounterKeys)
}
