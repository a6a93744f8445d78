package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// topicReq is the body of create_topic, and the fields import_topic and modify_topic
// share with it.
type topicReq struct {
	GroupID      string    `json:"GroupId"`
	TopicID      string    `json:"TopicId"`
	TopicName    *wireText `json:"TopicName"`
	FromAccount  string    `json:"From_Account"`
	CustomString *wireText `json:"CustomString"`
	FaceURL      *wireText `json:"FaceUrl"`
	Notification *wireText `json:"Notification"`
	Introduction *wireText `json:"Introduction"`
}

type importTopicReq struct {
	topicReq
	CreateTime *json.RawMessage `json:"CreateTime"`
	Type       *string          `json:"Type"`
}

type modifyTopicReq struct {
	topicReq
	MuteAllMember *string `json:"MuteAllMember"`
}

// text turns an optional wire text into the rules' optional string.
func text(t *wireText) *string {
	if t == nil {
		return nil
	}
	s := string(*t)
	return &s
}

// request translates the fields every topic body has.
func (req *topicReq) request() group.TopicRequest {
	return group.TopicRequest{
		GroupID: req.GroupID, TopicID: req.TopicID, From: req.FromAccount, Name: text(req.TopicName),
		FaceURL: text(req.FaceURL), Notification: text(req.Notification), Introduction: text(req.Introduction),
		CustomString: text(req.CustomString),
	}
}

type topicIDResp struct {
	TopicID string `json:"TopicId"`
}

func (a *API) createTopic(ctx context.Context, c im.Caller, req *topicReq) (topicIDResp, error) {
	id, err := a.groups.CreateTopic(ctx, c, req.request())
	return topicIDResp{TopicID: id}, err
}

func (a *API) importTopic(ctx context.Context, c im.Caller, req *importTopicReq) (topicIDResp, error) {
	r := req.request()
	var err error
	if r.CreateTime, err = oneNumber(req.CreateTime, "CreateTime"); err != nil {
		return topicIDResp{}, err
	}
	r.Type = req.Type
	id, err := a.groups.ImportTopic(ctx, c, r)
	return topicIDResp{TopicID: id}, err
}

func (a *API) modifyTopic(ctx context.Context, c im.Caller, req *modifyTopicReq) (empty, error) {
	r := req.request()
	r.MuteAllMember = req.MuteAllMember
	return empty{}, a.groups.ModifyTopic(ctx, c, r)
}

type getTopicReq struct {
	GroupID        string    `json:"GroupId"`
	FromAccount    string    `json:"From_Account"`
	TopicIDList    []string  `json:"TopicIdList"`
	ResponseFilter *[]string `json:"ResponseFilter"`
}

// topicInfo is a topic of get_topic, with the fields asked for (every one without a
// ResponseFilter); TopicId always. The Community's ID is "GroupID", as Tencent's page
// spells it; MuteAllMember is "On"/"Off", and ShutUpAllFlag (1/0) is the name Tencent's
// Java SDKs read it by.
type topicInfo struct {
	TopicName     *string `json:"TopicName,omitempty"`
	GroupID       *string `json:"GroupID,omitempty"`
	FaceURL       *string `json:"FaceUrl,omitempty"`
	TopicID       string  `json:"TopicId"`
	NextMsgSeq    *int64  `json:"NextMsgSeq,omitempty"`
	Notification  *string `json:"Notification,omitempty"`
	Introduction  *string `json:"Introduction,omitempty"`
	CreateTime    *int64  `json:"CreateTime,omitempty"`
	LastMsgTime   *int64  `json:"LastMsgTime,omitempty"`
	MuteAllMember *string `json:"MuteAllMember,omitempty"`
	ShutUpAllFlag *int64  `json:"ShutUpAllFlag,omitempty"`
	CustomString  *string `json:"CustomString,omitempty"`
}

type topicSelfInfo struct {
	ShutUpTime int64  `json:"ShutUpTime"`
	MsgSeq     int64  `json:"MsgSeq"`
	MsgFlag    string `json:"MsgFlag"`
}

type topicAndSelf struct {
	ErrorCode int            `json:"ErrorCode"`
	ErrorInfo string         `json:"ErrorInfo"`
	SelfInfo  *topicSelfInfo `json:"SelfInfo,omitempty"`
	TopicInfo topicInfo      `json:"TopicInfo"`
}

type getTopicResp struct {
	TopicAndSelfInfo []topicAndSelf `json:"TopicAndSelfInfo"`
}

func (a *API) getTopic(ctx context.Context, c im.Caller, req *getTopicReq) (getTopicResp, error) {
	out, err := a.groups.Topics(ctx, c, req.GroupID, req.FromAccount, req.TopicIDList)
	if err != nil {
		return getTopicResp{}, err
	}
	var want map[string]bool
	if req.ResponseFilter != nil {
		want = set(req.ResponseFilter)
	}
	resp := getTopicResp{TopicAndSelfInfo: make([]topicAndSelf, len(out))}
	for i, r := range out {
		item := topicAndSelf{ErrorCode: int(r.Code), ErrorInfo: r.Info, TopicInfo: topicInfo{TopicID: r.Topic.ID}}
		if r.Code == im.CodeOK {
			item.SelfInfo = &topicSelfInfo{ShutUpTime: r.Self.MuteUntil, MsgSeq: r.Self.MsgSeq, MsgFlag: string(r.Self.MsgFlag)}
			item.TopicInfo = renderTopic(&r.Topic, want)
		}
		resp.TopicAndSelfInfo[i] = item
	}
	return resp, nil
}

// renderTopic renders the fields of tp that want names (all when want is nil).
func renderTopic(tp *im.Topic, want map[string]bool) topicInfo {
	str := func(field, v string) *string {
		if want != nil && !want[field] {
			return nil
		}
		return &v
	}
	num := func(field string, v int64) *int64 {
		if want != nil && !want[field] {
			return nil
		}
		return &v
	}
	flag := int64(0)
	if tp.MuteAllMember {
		flag = 1
	}
	return topicInfo{
		TopicName: str("TopicName", tp.Name), GroupID: str("GroupID", tp.Group), FaceURL: str("FaceUrl", tp.FaceURL),
		TopicID: tp.ID, NextMsgSeq: num("NextMsgSeq", tp.NextMsgSeq), Notification: str("Notification", tp.Notification),
		Introduction: str("Introduction", tp.Introduction), CreateTime: num("CreateTime", tp.CreateTime),
		LastMsgTime: num("LastMsgTime", tp.LastMsgTime), MuteAllMember: str("MuteAllMember", onOff(tp.MuteAllMember)),
		ShutUpAllFlag: num("ShutUpAllFlag", flag), CustomString: str("CustomString", tp.CustomString),
	}
}

type destroyTopicReq struct {
	GroupID     string   `json:"GroupId"`
	TopicIDList []string `json:"TopicIdList"`
}

type destroyResultItem struct {
	ErrorCode int    `json:"ErrorCode"`
	ErrorInfo string `json:"ErrorInfo"`
	TopicID   string `json:"TopicId"`
}

type destroyTopicResp struct {
	DestroyResultItem []destroyResultItem `json:"DestroyResultItem"`
}

func (a *API) destroyTopic(ctx context.Context, c im.Caller, req *destroyTopicReq) (destroyTopicResp, error) {
	out, err := a.groups.DestroyTopics(ctx, c, req.GroupID, req.TopicIDList)
	if err != nil {
		return destroyTopicResp{}, err
	}
	resp := destroyTopicResp{DestroyResultItem: make([]destroyResultItem, len(out))}
	for i, r := range out {
		resp.DestroyResultItem[i] = destroyResultItem{ErrorCode: int(r.Code), ErrorInfo: r.Info, TopicID: r.Topic.ID}
	}
	return resp, nil
}
