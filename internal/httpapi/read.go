package httpapi

import (
	"context"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

type getGroupMemberInfoReq struct {
	GroupID          string    `json:"GroupId"`
	MemberInfoFilter *[]string `json:"MemberInfoFilter"`
	MemberRoleFilter []string  `json:"MemberRoleFilter"`
	AppDataFilter    *[]string `json:"AppDefinedDataFilter_GroupMember"`
	Limit            int64     `json:"Limit"`
	Offset           int64     `json:"Offset"`
	Next             string    `json:"Next"`
}

// getGroupMemberInfoResp is the shape of get_group_member_info's answer, as encoding/json
// writes it; memberPageAnswer writes the same bytes without reflection.
type getGroupMemberInfoResp struct {
	MemberNum  int64         `json:"MemberNum"`
	MemberList []*memberInfo `json:"MemberList"`
	Next       *string       `json:"Next,omitempty"`
}

func (a *API) getGroupMemberInfo(ctx context.Context, c im.Caller, req *getGroupMemberInfoReq) (memberPageAnswer, error) {
	page, err := a.groups.GetMembers(ctx, c, group.MembersQuery{
		GroupID: req.GroupID, Roles: req.MemberRoleFilter, Limit: req.Limit, Offset: req.Offset, Next: req.Next,
	})
	if err != nil {
		return memberPageAnswer{}, err
	}
	return memberPageAnswer{sel: newMemberSelect(req.MemberInfoFilter, req.AppDataFilter), page: page}, nil
}

// memberInfo is a member object of a read, with only the fields asked for.
type memberInfo struct {
	MemberAccount   string  `json:"Member_Account"`
	Role            *string `json:"Role,omitempty"`
	JoinTime        *int64  `json:"JoinTime,omitempty"`
	MsgSeq          *int64  `json:"MsgSeq,omitempty"`
	MsgFlag         *string `json:"MsgFlag,omitempty"`
	LastSendMsgTime *int64  `json:"LastSendMsgTime,omitempty"`
	MuteUntil       *int64  `json:"MuteUntil,omitempty"`
	ShutUpUntil     *int64  `json:"ShutUpUntil,omitempty"`
	NameCard        *string `json:"NameCard,omitempty"`
	AppData         []kv    `json:"AppMemberDefinedData,omitempty"`
}

// memberSelect is a MemberInfoFilter and an AppDefinedDataFilter_GroupMember. Without a
// MemberInfoFilter every field appears, the mute end under both names (docs/compatibility.md §3);
// with one, exactly the names asked for. Without a custom-data filter every custom field
// appears; with one, only the keys asked for.
type memberSelect struct {
	fields map[string]bool // nil: all fields
	keys   map[string]bool // nil: all custom keys
}

func newMemberSelect(fields, keys *[]string) memberSelect {
	var s memberSelect
	if fields != nil {
		s.fields = make(map[string]bool, len(*fields))
		for _, f := range *fields {
			s.fields[f] = true
		}
	}
	if keys != nil {
		s.keys = make(map[string]bool, len(*keys))
		for _, k := range *keys {
			s.keys[k] = true
		}
	}
	return s
}

func (s memberSelect) want(field string) bool { return s.fields == nil || s.fields[field] }

// info renders m with the selected fields.
func (s memberSelect) info(m *im.Member) *memberInfo {
	out := &memberInfo{MemberAccount: m.Account}
	if s.want("Role") {
		out.Role = (*string)(&m.Role)
	}
	if s.want("JoinTime") {
		out.JoinTime = &m.JoinTime
	}
	if s.want("MsgSeq") {
		out.MsgSeq = &m.MsgSeq
	}
	if s.want("MsgFlag") {
		out.MsgFlag = (*string)(&m.MsgFlag)
	}
	if s.want("LastSendMsgTime") {
		out.LastSendMsgTime = &m.LastSendMsgTime
	}
	if s.want("MuteUntil") {
		out.MuteUntil = &m.MuteUntil
	}
	if s.want("ShutUpUntil") {
		out.ShutUpUntil = &m.MuteUntil
	}
	if s.want("NameCard") {
		out.NameCard = &m.NameCard
	}
	if s.fields == nil || s.fields["AppMemberDefinedData"] || s.keys != nil {
		out.AppData = s.customData(m.AppData)
	}
	return out
}

// customData renders the selected custom fields, sorted by key.
func (s memberSelect) customData(data map[string]string) []kv { return customData(data, s.keys) }
