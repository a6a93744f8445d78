package httpapi

import (
	"context"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// kv is a custom-field entry on the wire. Value keeps invalid UTF-8 as sent, so that the
// rules refuse it rather than store U+FFFD in its place.
type kv struct {
	Key   string   `json:"Key"`
	Value wireText `json:"Value"`
}

func toKVs(in []kv) []group.KV {
	if len(in) == 0 {
		return nil
	}
	out := make([]group.KV, len(in))
	for i, e := range in {
		out[i] = group.KV{Key: e.Key, Value: string(e.Value)}
	}
	return out
}

// number returns the first number present, parsed, for fields with an old and a
// current name (decisions.md §3: the current name wins). The fields are kept raw because
// json.Number would also take a JSON string such as "60"; a value that is not a JSON
// number is a field of the wrong JSON type: 60003, for the name that loses too, as the
// decoder answers every other field of the wrong type.
func number(current, old *json.RawMessage, currentName, oldName string) (*group.Number, error) {
	for _, f := range []struct {
		n    *json.RawMessage
		name string
	}{{current, currentName}, {old, oldName}} {
		if f.n != nil && (len(*f.n) == 0 || ((*f.n)[0] != '-' && ((*f.n)[0] < '0' || (*f.n)[0] > '9'))) {
			return nil, im.Errorf(im.CodeBadJSON, "the request body is not valid: field %s must be a JSON number", f.name)
		}
	}
	for _, n := range []*json.RawMessage{current, old} {
		if n != nil {
			return parseNumber(string(*n)), nil
		}
	}
	return nil, nil
}

// parseNumber reads the text of a JSON number into the rules' Number: exact when it is an
// integer that fits in 64 bits, otherwise kept as text for the rules to judge.
func parseNumber(text string) *group.Number {
	n, err := strconv.ParseInt(text, 10, 64)
	return &group.Number{Int: n, Exact: err == nil, Text: text}
}

// wireText is a JSON string that keeps invalid UTF-8 as sent. encoding/json turns each byte
// that is not UTF-8 into U+FFFD, which would let such a text through as a different,
// valid one; kept as sent (escapes and all), the rules see it and reject it.
type wireText string

func (t *wireText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if !utf8.Valid(b) {
		s = string(b[1 : len(b)-1])
	}
	*t = wireText(s)
	return nil
}

type createMember struct {
	MemberAccount string `json:"Member_Account"`
	Role          string `json:"Role"`
	AppData       []kv   `json:"AppMemberDefinedData"`
}

type createGroupReq struct {
	OwnerAccount     string         `json:"Owner_Account"`
	Type             string         `json:"Type"`
	GroupID          string         `json:"GroupId"`
	Name             wireText       `json:"Name"`
	Introduction     wireText       `json:"Introduction"`
	Notification     wireText       `json:"Notification"`
	FaceURL          wireText       `json:"FaceUrl"`
	MaxMemberCount   int64          `json:"MaxMemberCount"`
	MaxMemberNum     int64          `json:"MaxMemberNum"` // accepted for MaxMemberCount
	ApplyJoinOption  string         `json:"ApplyJoinOption"`
	InviteJoinOption string         `json:"InviteJoinOption"`
	AppDefinedData   []kv           `json:"AppDefinedData"`
	MemberList       []createMember `json:"MemberList"`
}

type createGroupResp struct {
	GroupID       string `json:"GroupId"`
	Type          string `json:"Type,omitempty"`
	HugeGroupFlag *int   `json:"HugeGroupFlag,omitempty"`
}

func (a *API) createGroup(ctx context.Context, c im.Caller, req *createGroupReq) (createGroupResp, error) {
	created, err := a.groups.CreateGroup(ctx, c, req.request())
	return createdResp(created), err
}

// request translates a create_group (or import_group) body.
func (req *createGroupReq) request() group.CreateRequest {
	r := group.CreateRequest{
		Type: req.Type, Name: string(req.Name), Owner: req.OwnerAccount, GroupID: req.GroupID,
		Introduction: string(req.Introduction), Notification: string(req.Notification), FaceURL: string(req.FaceURL),
		MaxMemberCount: req.MaxMemberCount, ApplyJoinOption: req.ApplyJoinOption,
		InviteJoinOption: req.InviteJoinOption, AppData: toKVs(req.AppDefinedData),
	}
	if r.MaxMemberCount == 0 {
		r.MaxMemberCount = req.MaxMemberNum
	}
	for _, m := range req.MemberList {
		r.Members = append(r.Members, group.NewMember{Account: m.MemberAccount, Role: m.Role, AppData: toKVs(m.AppData)})
	}
	return r
}

// createdResp is the answer to a created group: its ID, and for a Community also its
// Type and HugeGroupFlag, as Tencent answers.
func createdResp(created group.Created) createGroupResp {
	resp := createGroupResp{GroupID: created.GroupID}
	if created.Type == im.TypeCommunity {
		zero := 0
		resp.Type, resp.HugeGroupFlag = string(created.Type), &zero
	}
	return resp
}

type groupIDReq struct {
	GroupID string `json:"GroupId"`
}

func (a *API) destroyGroup(ctx context.Context, c im.Caller, req *groupIDReq) (empty, error) {
	return empty{}, a.groups.DestroyGroup(ctx, c, req.GroupID)
}
