package httpapi

import (
	"context"
	"encoding/json"

	"github.com/timdhq/timd/internal/im"
)

type setNoSpeakingReq struct {
	SetAccount string           `json:"Set_Account"`
	C2CTime    *json.RawMessage `json:"C2CmsgNospeakingTime"`
	GroupTime  *json.RawMessage `json:"GroupmsgNospeakingTime"`
}

func (a *API) setNoSpeaking(ctx context.Context, c im.Caller, req *setNoSpeakingReq) (empty, error) {
	var times [2]*int64
	for i, f := range []struct {
		raw  *json.RawMessage
		name string
	}{{req.C2CTime, "C2CmsgNospeakingTime"}, {req.GroupTime, "GroupmsgNospeakingTime"}} {
		n, err := oneNumber(f.raw, f.name)
		if err != nil {
			return empty{}, err
		}
		if n != nil {
			v := n.Int
			if !n.Exact {
				v = -1 // out of range: the rules refuse it
			}
			times[i] = &v
		}
	}
	return empty{}, a.accounts.SetNoSpeaking(ctx, c, req.SetAccount, times[0], times[1])
}

type getNoSpeakingReq struct {
	GetAccount string `json:"Get_Account"`
}

type getNoSpeakingResp struct {
	C2CmsgNospeakingTime   int64 `json:"C2CmsgNospeakingTime"`
	GroupmsgNospeakingTime int64 `json:"GroupmsgNospeakingTime"`
}

func (a *API) getNoSpeaking(ctx context.Context, c im.Caller, req *getNoSpeakingReq) (getNoSpeakingResp, error) {
	c2c, group, err := a.accounts.GetNoSpeaking(ctx, c, req.GetAccount)
	return getNoSpeakingResp{C2CmsgNospeakingTime: c2c, GroupmsgNospeakingTime: group}, err
}
