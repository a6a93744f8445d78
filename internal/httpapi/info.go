package httpapi

import (
	"context"
	"sort"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

type modifyGroupBaseInfoReq struct {
	GroupID          string    `json:"GroupId"`
	Name             *wireText `json:"Name"`
	Introduction     *wireText `json:"Introduction"`
	Notification     *wireText `json:"Notification"`
	FaceURL          *wireText `json:"FaceUrl"`
	MaxMemberNum     *int64    `json:"MaxMemberNum"`
	ApplyJoinOption  *string   `json:"ApplyJoinOption"`
	InviteJoinOption *string   `json:"InviteJoinOption"`
	MuteAllMember    *string   `json:"MuteAllMember"`
	ShutUpAllMember  *string   `json:"ShutUpAllMember" current:"MuteAllMember"` // the pre-2022 name
	AppDefinedData   []kv      `json:"AppDefinedData"`
}

func (a *API) modifyGroupBaseInfo(ctx context.Context, c im.Caller, req *modifyGroupBaseInfoReq) (empty, error) {
	mute := req.MuteAllMember
	if mute == nil {
		mute = req.ShutUpAllMember
	}
	return empty{}, a.groups.ModifyBaseInfo(ctx, c, group.ModifyBaseRequest{
		GroupID: req.GroupID, Name: textPtr(req.Name), Introduction: textPtr(req.Introduction),
		Notification: textPtr(req.Notification), FaceURL: textPtr(req.FaceURL), MaxMemberNum: req.MaxMemberNum,
		ApplyJoinOption: req.ApplyJoinOption, InviteJoinOption: req.InviteJoinOption, MuteAllMember: mute,
		AppData: toKVs(req.AppDefinedData),
	})
}

// textPtr converts an optional wire text.
func textPtr(t *wireText) *string {
	if t == nil {
		return nil
	}
	s := string(*t)
	return &s
}

type responseFilter struct {
	GroupBaseInfoFilter *[]string `json:"GroupBaseInfoFilter"`
	MemberInfoFilter    *[]string `json:"MemberInfoFilter"`
	GroupDataFilter     *[]string `json:"AppDefinedDataFilter_Group"`
	MemberDataFilter    *[]string `json:"AppDefinedDataFilter_GroupMember"`
}

type getGroupInfoReq struct {
	GroupIDList    []string        `json:"GroupIdList"`
	ResponseFilter *responseFilter `json:"ResponseFilter"`
}

type getGroupInfoResp struct {
	GroupInfo []*groupInfo `json:"GroupInfo"`
}

// groupInfo is one group of get_group_info.
type groupInfo struct {
	GroupID   string `json:"GroupId"`
	ErrorCode int    `json:"ErrorCode"`
	ErrorInfo string `json:"ErrorInfo"`
	*groupBase
}

// groupBase is a group's base fields, custom data and members, with only the fields
// asked for.
type groupBase struct {
	Type             *string        `json:"Type,omitempty"`
	Name             *string        `json:"Name,omitempty"`
	Introduction     *string        `json:"Introduction,omitempty"`
	Notification     *string        `json:"Notification,omitempty"`
	FaceURL          *string        `json:"FaceUrl,omitempty"`
	OwnerAccount     *string        `json:"Owner_Account,omitempty"`
	CreateTime       *int64         `json:"CreateTime,omitempty"`
	InfoSeq          *int64         `json:"InfoSeq,omitempty"`
	LastInfoTime     *int64         `json:"LastInfoTime,omitempty"`
	LastMsgTime      *int64         `json:"LastMsgTime,omitempty"`
	NextMsgSeq       *int64         `json:"NextMsgSeq,omitempty"`
	MemberNum        *int64         `json:"MemberNum,omitempty"`
	MaxMemberNum     *int64         `json:"MaxMemberNum,omitempty"`
	ApplyJoinOption  *string        `json:"ApplyJoinOption,omitempty"`
	InviteJoinOption *string        `json:"InviteJoinOption,omitempty"`
	MuteAllMember    *string        `json:"MuteAllMember,omitempty"`
	ShutUpAllMember  *string        `json:"ShutUpAllMember,omitempty"` // the pre-2022 name of MuteAllMember
	AppDefinedData   *[]kv          `json:"AppDefinedData,omitempty"`
	SupportTopic     *int           `json:"SupportTopic,omitempty"` // 1 for a Community that holds topics
	MemberList       *[]*memberInfo `json:"MemberList,omitempty"`
}

// groupSelect is a ResponseFilter. Without one, a group comes with every base field, all
// its custom data and its whole member list. With one, base fields are those of
// GroupBaseInfoFilter (all when it is absent), and custom data and members appear only
// when their filter is given.
type groupSelect struct {
	base    map[string]bool // nil: all base fields
	data    map[string]bool // nil: all keys
	noData  bool            // leave AppDefinedData out
	members *memberSelect   // nil: no member list
}

func newGroupSelect(f *responseFilter) groupSelect {
	if f == nil {
		return groupSelect{members: &memberSelect{}}
	}
	s := groupSelect{base: set(f.GroupBaseInfoFilter), data: set(f.GroupDataFilter), noData: f.GroupDataFilter == nil}
	if f.GroupBaseInfoFilter == nil {
		s.base = nil
	}
	if f.MemberInfoFilter != nil || f.MemberDataFilter != nil {
		ms := newMemberSelect(f.MemberInfoFilter, f.MemberDataFilter)
		if f.MemberInfoFilter == nil {
			ms.fields = map[string]bool{} // custom data only, besides Member_Account
		}
		s.members = &ms
	}
	return s
}

// set turns an optional list into a set; nil stays nil.
func set(list *[]string) map[string]bool {
	if list == nil {
		return nil
	}
	m := make(map[string]bool, len(*list))
	for _, v := range *list {
		m[v] = true
	}
	return m
}

func (s groupSelect) want(field string) bool { return s.base == nil || s.base[field] }

// info renders one group entry of get_group_info.
func (s groupSelect) info(gi *group.GroupInfo) *groupInfo {
	out := &groupInfo{GroupID: gi.GroupID, ErrorCode: int(gi.Code), ErrorInfo: gi.Info}
	if gi.Code == im.CodeOK {
		out.groupBase = s.fields(&gi.Group, gi.Listed, gi.Members)
	}
	return out
}

// fields renders the selected fields of g and, when listed, its members.
func (s groupSelect) fields(g *im.Group, listed bool, members []im.Member) *groupBase {
	out := &groupBase{}
	str := func(field string, v string) *string {
		if !s.want(field) {
			return nil
		}
		return &v
	}
	num := func(field string, v int64) *int64 {
		if !s.want(field) {
			return nil
		}
		return &v
	}
	out.Type, out.Name, out.Introduction = str("Type", string(g.Type)), str("Name", g.Name), str("Introduction", g.Introduction)
	out.Notification, out.FaceURL, out.OwnerAccount = str("Notification", g.Notification), str("FaceUrl", g.FaceURL), str("Owner_Account", g.Owner)
	out.CreateTime, out.InfoSeq, out.LastInfoTime = num("CreateTime", g.CreateTime), num("InfoSeq", g.InfoSeq), num("LastInfoTime", g.LastInfoTime)
	out.LastMsgTime, out.NextMsgSeq, out.MemberNum = num("LastMsgTime", g.LastMsgTime), num("NextMsgSeq", g.NextMsgSeq), num("MemberNum", g.MemberNum)
	out.MaxMemberNum, out.ApplyJoinOption = num("MaxMemberNum", g.MaxMemberNum), str("ApplyJoinOption", g.ApplyJoinOption)
	if g.InviteJoinOption != "" {
		out.InviteJoinOption = str("InviteJoinOption", g.InviteJoinOption)
	}
	// Both names without a GroupBaseInfoFilter, since a real client reads only the old
	// one; with a filter, exactly the names asked for (docs/compatibility.md §3).
	out.MuteAllMember = str("MuteAllMember", onOff(g.MuteAllMember))
	out.ShutUpAllMember = str("ShutUpAllMember", onOff(g.MuteAllMember))
	// SupportTopic shows for a Community that holds topics, and when a filter asks for it.
	if g.SupportTopic || s.base["SupportTopic"] {
		out.SupportTopic = supportTopic(s.want("SupportTopic"), g.SupportTopic)
	}
	if !s.noData {
		data := customData(g.AppData, s.data)
		out.AppDefinedData = &data
	}
	if s.members != nil && listed {
		list := make([]*memberInfo, len(members))
		for i := range members {
			list[i] = s.members.info(&members[i])
		}
		out.MemberList = &list
	}
	return out
}

// supportTopic renders SupportTopic when wanted: 1 or 0.
func supportTopic(want, on bool) *int {
	if !want {
		return nil
	}
	v := 0
	if on {
		v = 1
	}
	return &v
}

func onOff(b bool) string {
	if b {
		return "On"
	}
	return "Off"
}

// customData renders custom fields, only the keys in keys when it is not nil, sorted.
func customData(data map[string]string, keys map[string]bool) []kv {
	out := make([]kv, 0, len(data))
	for k, v := range data {
		if keys == nil || keys[k] {
			out = append(out, kv{Key: k, Value: wireText(v)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (a *API) getGroupInfo(ctx context.Context, c im.Caller, req *getGroupInfoReq) (getGroupInfoResp, error) {
	sel := newGroupSelect(req.ResponseFilter)
	infos, err := a.groups.GroupsInfo(ctx, c, req.GroupIDList, sel.members != nil)
	if err != nil {
		return getGroupInfoResp{}, err
	}
	resp := getGroupInfoResp{GroupInfo: make([]*groupInfo, len(infos))}
	for i := range infos {
		resp.GroupInfo[i] = sel.info(&infos[i])
	}
	return resp, nil
}
