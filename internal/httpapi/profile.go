package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/account"
	"github.com/timdhq/timd/internal/im"
)

// profileItemIn is one field of portrait_set: Value is a JSON string or number, by tag.
type profileItemIn struct {
	Tag   string          `json:"Tag"`
	Value json.RawMessage `json:"Value"`
}

// item translates the field for the rules: a string keeps invalid UTF-8 as sent, a
// number its text as written; null or any other JSON type is neither.
func (p profileItemIn) item() account.ProfileItem {
	it := account.ProfileItem{Tag: p.Tag}
	if len(p.Value) == 0 {
		return it
	}
	switch c := p.Value[0]; {
	case c == '"':
		var t wireText
		if t.UnmarshalJSON(p.Value) == nil {
			it.IsString, it.Text = true, string(t)
		}
	case c == '-' || (c >= '0' && c <= '9'):
		it.Number = string(p.Value)
	}
	return it
}

type portraitSetReq struct {
	FromAccount string          `json:"From_Account"`
	ProfileItem []profileItemIn `json:"ProfileItem"`
}

// profileResp carries ErrorDisplay, which Tencent's profile answers hold after the
// envelope.
type profileResp struct {
	ErrorDisplay string `json:"ErrorDisplay"`
}

func (a *API) portraitSet(ctx context.Context, c im.Caller, req *portraitSetReq) (profileResp, error) {
	items := make([]account.ProfileItem, len(req.ProfileItem))
	for i, p := range req.ProfileItem {
		items[i] = p.item()
	}
	return profileResp{}, a.accounts.SetProfile(ctx, c, req.FromAccount, items)
}

type portraitGetReq struct {
	ToAccount []string `json:"To_Account"`
	TagList   []string `json:"TagList"`
}

type profileItemOut struct {
	Tag   string `json:"Tag"`
	Value any    `json:"Value"`
}

type userProfileItem struct {
	ToAccount   string           `json:"To_Account"`
	ProfileItem []profileItemOut `json:"ProfileItem,omitempty"`
	ResultCode  int              `json:"ResultCode"`
	ResultInfo  string           `json:"ResultInfo"`
}

type portraitGetResp struct {
	UserProfileItem []userProfileItem `json:"UserProfileItem"`
	FailAccount     []string          `json:"Fail_Account,omitempty"`
	ErrorDisplay    string            `json:"ErrorDisplay"`
}

func (a *API) portraitGet(ctx context.Context, c im.Caller, req *portraitGetReq) (portraitGetResp, error) {
	rs, err := a.accounts.Profiles(ctx, c, req.ToAccount, req.TagList)
	if err != nil {
		return portraitGetResp{}, err
	}
	resp := portraitGetResp{UserProfileItem: make([]userProfileItem, len(rs))}
	for i, r := range rs {
		u := userProfileItem{ToAccount: r.Account, ResultCode: int(r.Code), ResultInfo: r.Info}
		for _, it := range r.Items {
			var v any = it.Text
			if it.IsNumber {
				v = it.Number
			}
			u.ProfileItem = append(u.ProfileItem, profileItemOut{Tag: it.Tag, Value: v})
		}
		if r.Code != im.CodeOK {
			resp.FailAccount = append(resp.FailAccount, r.Account)
		}
		resp.UserProfileItem[i] = u
	}
	return resp, nil
}
