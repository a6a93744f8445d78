package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

type groupMsgGetSimpleReq struct {
	GroupID         string           `json:"GroupId"`
	ReqMsgNumber    *json.RawMessage `json:"ReqMsgNumber"`
	ReqMsgSeq       *json.RawMessage `json:"ReqMsgSeq"`
	WithRecalledMsg int              `json:"WithRecalledMsg"`
	TopicID         string           `json:"TopicId"`
}

type groupMsgGetSimpleResp struct {
	GroupID    string       `json:"GroupId"`
	IsFinished int          `json:"IsFinished"`
	RspMsgList []historyMsg `json:"RspMsgList"`
}

// historyMsg is one message of a history page: every field, numbers even when 0
// (docs/compatibility.md §8).
type historyMsg struct {
	FromAccount     string          `json:"From_Account"`
	IsPlaceMsg      int             `json:"IsPlaceMsg"`
	IsSystemMsg     int             `json:"IsSystemMsg"`
	MsgBody         json.RawMessage `json:"MsgBody"`
	MsgPriority     int             `json:"MsgPriority"`
	MsgRandom       uint32          `json:"MsgRandom"`
	MsgSeq          int64           `json:"MsgSeq"`
	MsgTimeStamp    int64           `json:"MsgTimeStamp"`
	CloudCustomData string          `json:"CloudCustomData,omitempty"`
}

func (a *API) groupMsgGetSimple(ctx context.Context, c im.Caller, req *groupMsgGetSimpleReq) (groupMsgGetSimpleResp, error) {
	n, err := oneNumber(req.ReqMsgNumber, "ReqMsgNumber")
	if err != nil {
		return groupMsgGetSimpleResp{}, err
	}
	seq, err := oneNumber(req.ReqMsgSeq, "ReqMsgSeq")
	if err != nil {
		return groupMsgGetSimpleResp{}, err
	}
	page, err := a.groups.History(ctx, c, group.HistoryRequest{GroupID: req.GroupID, TopicID: req.TopicID, Number: n, MaxSeq: seq, WithRecalled: req.WithRecalledMsg == 1})
	if err != nil {
		return groupMsgGetSimpleResp{}, err
	}
	resp := groupMsgGetSimpleResp{GroupID: page.GroupID, IsFinished: page.Finished, RspMsgList: make([]historyMsg, len(page.Messages))}
	for i, m := range page.Messages {
		resp.RspMsgList[i] = renderMessage(m)
	}
	return resp, nil
}

// renderMessage is a stored message as history answers it: a tip's body is one
// TIMGroupTipElem; a deleted, expired or recalled message has an empty MsgBody.
func renderMessage(m im.Message) historyMsg {
	h := historyMsg{
		FromAccount: m.From, IsPlaceMsg: int(m.State), MsgPriority: int(m.Priority), MsgRandom: m.Random,
		MsgSeq: m.Seq, MsgTimeStamp: m.Time, CloudCustomData: m.CloudCustomData, MsgBody: json.RawMessage("[]"),
	}
	switch {
	case m.State != im.MsgNormal:
		h.CloudCustomData = ""
	case m.Tip != nil:
		h.IsSystemMsg = 1
		h.MsgBody = tipBody(m.Tip)
	case len(m.Body) > 0:
		h.MsgBody = m.Body
	}
	return h
}

// tipContent is a tip's MsgContent.
type tipContent struct {
	OpType           int               `json:"OpType"`
	OperatorAccount  string            `json:"Operator_Account"`
	MemberList       []string          `json:"MemberList_Account,omitempty"`
	GroupInfoChange  map[string]string `json:"GroupInfoChange,omitempty"`
	MemberInfoChange []muteChange      `json:"MemberInfoChange,omitempty"`
}

type muteChange struct {
	MemberAccount string `json:"Member_Account"`
	MuteTime      int64  `json:"MuteTime"`
}

type tipElem struct {
	MsgType    string     `json:"MsgType"`
	MsgContent tipContent `json:"MsgContent"`
}

// tipBody renders a tip as a MsgBody of one TIMGroupTipElem.
func tipBody(t *im.Tip) json.RawMessage {
	c := tipContent{OpType: int(t.Op), OperatorAccount: t.Operator, MemberList: t.Members}
	if len(t.InfoChanges) > 0 {
		c.GroupInfoChange = make(map[string]string, len(t.InfoChanges))
		for _, kv := range t.InfoChanges {
			c.GroupInfoChange[kv.Key] = kv.Value
		}
	}
	for _, mc := range t.MuteChanges {
		c.MemberInfoChange = append(c.MemberInfoChange, muteChange{MemberAccount: mc.Account, MuteTime: mc.Seconds})
	}
	b, err := json.Marshal([]tipElem{{MsgType: "TIMGroupTipElem", MsgContent: c}})
	if err != nil { // the tip's fields are strings and numbers: this cannot fail
		return json.RawMessage("[]")
	}
	return b
}
