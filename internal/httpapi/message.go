package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/msgbody"
)

type groupAt struct {
	GroupAtAllFlag int    `json:"GroupAtAllFlag"`
	GroupAtAccount string `json:"GroupAt_Account"`
}

type sendGroupMsgReq struct {
	GroupID                 string           `json:"GroupId"`
	Random                  *json.RawMessage `json:"Random"`
	MsgPriority             string           `json:"MsgPriority"`
	MsgBody                 json.RawMessage  `json:"MsgBody"`
	FromAccount             string           `json:"From_Account"`
	OfflinePushInfo         jsonObject       `json:"OfflinePushInfo"`
	ForbidCallbackControl   []string         `json:"ForbidCallbackControl"`
	OnlineOnlyFlag          *json.RawMessage `json:"OnlineOnlyFlag"`
	SendMsgControl          []string         `json:"SendMsgControl"`
	CloudCustomData         string           `json:"CloudCustomData"`
	SupportMessageExtension int              `json:"SupportMessageExtension"`
	ToAccount               []string         `json:"To_Account"`
	GroupAtInfo             []groupAt        `json:"GroupAtInfo"`
	NeedReadReceipt         int              `json:"NeedReadReceipt"`
	TopicID                 string           `json:"TopicId"`
}

// The answer's keys follow Tencent's sample: MsgTime, MsgSeq, MsgDropReason.
type sendGroupMsgResp struct {
	MsgTime       int64  `json:"MsgTime"`
	MsgSeq        int64  `json:"MsgSeq"`
	MsgDropReason string `json:"MsgDropReason"`
}

func (a *API) sendGroupMsg(ctx context.Context, c im.Caller, req *sendGroupMsgReq) (sendGroupMsgResp, error) {
	random, err := oneNumber(req.Random, "Random")
	if err != nil {
		return sendGroupMsgResp{}, err
	}
	online, err := oneNumber(req.OnlineOnlyFlag, "OnlineOnlyFlag")
	if err != nil {
		return sendGroupMsgResp{}, err
	}
	r := group.SendRequest{
		GroupID: req.GroupID, TopicID: req.TopicID, From: req.FromAccount, Random: random, Priority: req.MsgPriority,
		Body: msgbody.Body(req.MsgBody), CloudCustomData: req.CloudCustomData,
		// "a value greater than 0" sends online only (Tencent's sample).
		OnlineOnly:     online != nil && (!online.Exact || online.Int > 0),
		SendMsgControl: req.SendMsgControl, ForbidCallback: req.ForbidCallbackControl,
		ToAccounts: req.ToAccount, OfflinePush: req.OfflinePushInfo, NeedReceipt: req.NeedReadReceipt == 1,
	}
	for _, at := range req.GroupAtInfo {
		r.AtInfo = append(r.AtInfo, im.AtInfo{All: at.GroupAtAllFlag == 1, Account: at.GroupAtAccount})
	}
	sent, err := a.groups.SendMessage(ctx, c, r)
	return sendGroupMsgResp{MsgTime: sent.Time, MsgSeq: sent.Seq, MsgDropReason: sent.DropReason}, err
}

// oneNumber reads a number field that has no old name, as number does for a pair.
func oneNumber(raw *json.RawMessage, name string) (*group.Number, error) {
	return number(raw, nil, name, "")
}

type groupSystemNotificationReq struct {
	GroupID   string   `json:"GroupId"`
	ToMembers []string `json:"ToMembers_Account"`
	Content   string   `json:"Content"`
}

func (a *API) sendGroupSystemNotification(ctx context.Context, c im.Caller, req *groupSystemNotificationReq) (empty, error) {
	return empty{}, a.groups.SystemNotification(ctx, c, req.GroupID, req.ToMembers, req.Content)
}
