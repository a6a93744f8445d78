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
	c2c, err := oneNumber(req.C2CTime, "C2CmsgNospeakingTime")
	if err != nil {
		return empty{}, err
	}
	group, err := oneNumber(req.GroupTime, "GroupmsgNospeakingTime")
	if err != nil {
		return empty{}, err
	}
	return empty{}, a.accounts.SetNoSpeaking(ctx, c, req.SetAccount, c2c, group)
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
