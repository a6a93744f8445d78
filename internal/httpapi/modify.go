package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

type modifyGroupMemberInfoReq struct {
	GroupID       string           `json:"GroupId"`
	MemberAccount string           `json:"Member_Account"`
	Role          *string          `json:"Role"`
	MsgFlag       *string          `json:"MsgFlag"`
	NameCard      *wireText        `json:"NameCard"`
	AppData       []kv             `json:"AppMemberDefinedData"`
	MuteTime      *json.RawMessage `json:"MuteTime"`
	ShutUpTime    *json.RawMessage `json:"ShutUpTime" current:"MuteTime"`
}

func (a *API) modifyGroupMemberInfo(ctx context.Context, c im.Caller, req *modifyGroupMemberInfoReq) (empty, error) {
	muteTime, err := number(req.MuteTime, req.ShutUpTime, "MuteTime", "ShutUpTime")
	if err != nil {
		return empty{}, err
	}
	return empty{}, a.groups.ModifyMember(ctx, c, group.ModifyMemberRequest{
		GroupID: req.GroupID, Account: req.MemberAccount, Role: req.Role, MsgFlag: req.MsgFlag,
		NameCard: (*string)(req.NameCard), AppData: toKVs(req.AppData), MuteTime: muteTime,
	})
}
