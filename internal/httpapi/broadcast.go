package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/msgbody"
)

type sendBroadcastMsgReq struct {
	FromAccount     string           `json:"From_Account"`
	Random          *json.RawMessage `json:"Random"`
	MsgBody         json.RawMessage  `json:"MsgBody"`
	CloudCustomData string           `json:"CloudCustomData"`
}

type sendBroadcastMsgResp struct {
	MsgSeq int64 `json:"MsgSeq"`
}

func (a *API) sendBroadcastMsg(ctx context.Context, c im.Caller, req *sendBroadcastMsgReq) (sendBroadcastMsgResp, error) {
	random, err := oneNumber(req.Random, "Random")
	if err != nil {
		return sendBroadcastMsgResp{}, err
	}
	seq, err := a.groups.Broadcast(ctx, c, group.BroadcastRequest{
		From: req.FromAccount, Random: random, Body: msgbody.Body(req.MsgBody), CloudCustomData: req.CloudCustomData,
	})
	return sendBroadcastMsgResp{MsgSeq: seq}, err
}

type onlineMemberNumResp struct {
	OnlineMemberNum int64 `json:"OnlineMemberNum"`
}

func (a *API) getOnlineMemberNum(ctx context.Context, c im.Caller, req *groupIDReq) (onlineMemberNumResp, error) {
	n, err := a.groups.OnlineMemberNum(ctx, c, req.GroupID, false)
	return onlineMemberNumResp{OnlineMemberNum: n}, err
}

// getCommunityOnlineMemberNum is get_online_member_num of million_group_open_http_svc,
// the service of Communities.
func (a *API) getCommunityOnlineMemberNum(ctx context.Context, c im.Caller, req *groupIDReq) (onlineMemberNumResp, error) {
	n, err := a.groups.OnlineMemberNum(ctx, c, req.GroupID, true)
	return onlineMemberNumResp{OnlineMemberNum: n}, err
}
