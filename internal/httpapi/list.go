package httpapi

import (
	"context"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

type joinedFilter struct {
	GroupBaseInfoFilter *[]string `json:"GroupBaseInfoFilter"`
	SelfInfoFilter      *[]string `json:"SelfInfoFilter"`
}

type getJoinedGroupListReq struct {
	MemberAccount      string        `json:"Member_Account"`
	WithHugeGroups     int           `json:"WithHugeGroups"`
	WithNoActiveGroups int           `json:"WithNoActiveGroups"`
	Limit              int64         `json:"Limit"`
	Offset             int64         `json:"Offset"`
	GroupType          string        `json:"GroupType"`
	ResponseFilter     *joinedFilter `json:"ResponseFilter"`
}

type selfInfo struct {
	Role         *string `json:"Role,omitempty"`
	JoinTime     *int64  `json:"JoinTime,omitempty"`
	MsgFlag      *string `json:"MsgFlag,omitempty"`
	MsgSeq       *int64  `json:"MsgSeq,omitempty"`
	UnreadMsgNum *int64  `json:"UnreadMsgNum,omitempty"`
	NameCard     *string `json:"NameCard,omitempty"`
	MuteUntil    *int64  `json:"MuteUntil,omitempty"`
	ShutUpUntil  *int64  `json:"ShutUpUntil,omitempty"`
}

// joinedGroup is one group of get_joined_group_list: its ID, the base fields asked for,
// and SelfInfo.
type joinedGroup struct {
	GroupID string `json:"GroupId"`
	*groupBase
	SelfInfo *selfInfo `json:"SelfInfo,omitempty"`
}

type getJoinedGroupListResp struct {
	TotalCount  int64         `json:"TotalCount"`
	GroupIDList []joinedGroup `json:"GroupIdList"`
}

// getJoinedGroupList answers only GroupId for each group unless a ResponseFilter names the
// base fields (GroupBaseInfoFilter) and own membership fields (SelfInfoFilter) to add.
func (a *API) getJoinedGroupList(ctx context.Context, c im.Caller, req *getJoinedGroupListReq) (getJoinedGroupListResp, error) {
	page, err := a.groups.JoinedGroups(ctx, c, group.JoinedQuery{
		Account: req.MemberAccount, WithHugeGroups: req.WithHugeGroups == 1, Type: req.GroupType,
		Limit: req.Limit, Offset: req.Offset,
	})
	if err != nil {
		return getJoinedGroupListResp{}, err
	}
	f := req.ResponseFilter
	if f == nil {
		f = &joinedFilter{}
	}
	base := groupSelect{base: set(f.GroupBaseInfoFilter), noData: true}
	if f.GroupBaseInfoFilter == nil {
		base.base = map[string]bool{}
	}
	self := set(f.SelfInfoFilter)
	resp := getJoinedGroupListResp{TotalCount: page.Total, GroupIDList: make([]joinedGroup, len(page.Groups))}
	for i := range page.Groups {
		j := &page.Groups[i]
		resp.GroupIDList[i] = joinedGroup{GroupID: j.Group.ID, groupBase: base.fields(&j.Group, false, nil)}
		if self != nil {
			resp.GroupIDList[i].SelfInfo = newSelfInfo(self, &j.Self)
		}
	}
	return resp, nil
}

// newSelfInfo renders the fields of m named in want.
func newSelfInfo(want map[string]bool, m *im.Member) *selfInfo {
	out := &selfInfo{}
	if want["Role"] {
		out.Role = (*string)(&m.Role)
	}
	if want["JoinTime"] {
		out.JoinTime = &m.JoinTime
	}
	if want["MsgFlag"] {
		out.MsgFlag = (*string)(&m.MsgFlag)
	}
	if want["MsgSeq"] {
		out.MsgSeq = &m.MsgSeq
	}
	if want["UnreadMsgNum"] {
		out.UnreadMsgNum = &m.UnreadMsgNum
	}
	if want["NameCard"] {
		out.NameCard = &m.NameCard
	}
	if want["MuteUntil"] {
		out.MuteUntil = &m.MuteUntil
	}
	if want["ShutUpUntil"] {
		out.ShutUpUntil = &m.MuteUntil
	}
	return out
}

type getAppIDGroupListReq struct {
	Limit     int64  `json:"Limit"`
	Next      int64  `json:"Next"`
	GroupType string `json:"GroupType"`
}

type groupIDItem struct {
	GroupID string `json:"GroupId"`
}

type getAppIDGroupListResp struct {
	TotalCount  int64         `json:"TotalCount"`
	GroupIDList []groupIDItem `json:"GroupIdList"`
	Next        int64         `json:"Next"`
}

func (a *API) getAppIDGroupList(ctx context.Context, c im.Caller, req *getAppIDGroupListReq) (getAppIDGroupListResp, error) {
	out, err := a.groups.ListAppGroups(ctx, c, group.AppGroupsQuery{Limit: req.Limit, Next: req.Next, Type: req.GroupType})
	if err != nil {
		return getAppIDGroupListResp{}, err
	}
	resp := getAppIDGroupListResp{TotalCount: out.Total, GroupIDList: make([]groupIDItem, len(out.IDs)), Next: out.Next}
	for i, id := range out.IDs {
		resp.GroupIDList[i] = groupIDItem{GroupID: id}
	}
	return resp, nil
}
