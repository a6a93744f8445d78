package httpapi

import (
	"context"

	"github.com/timdhq/timd/internal/im"
)

type kickReq struct {
	UserID     string `json:"UserID"`
	Identifier string `json:"Identifier" current:"UserID"` // the older name; UserID wins
}

func (a *API) kick(ctx context.Context, c im.Caller, req *kickReq) (empty, error) {
	id := req.UserID
	if id == "" {
		id = req.Identifier
	}
	return empty{}, a.accounts.Kick(ctx, c, id)
}

type queryOnlineStatusReq struct {
	ToAccount    []string `json:"To_Account"`
	IsNeedDetail int64    `json:"IsNeedDetail"`
}

type onlineState struct {
	ToAccount string `json:"To_Account"`
	State     string `json:"State"`
}

type onlineError struct {
	ToAccount string `json:"To_Account"`
	ErrorCode int    `json:"ErrorCode"`
}

type queryOnlineStatusResp struct {
	QueryResult []onlineState `json:"QueryResult"`
	ErrorList   []onlineError `json:"ErrorList"`
}

// queryOnlineStatus serves openim/query_online_status and its older word querystate.
// IsNeedDetail changes nothing: Tencent gives no Detail for an Offline account, and every
// account is Offline here.
func (a *API) queryOnlineStatus(ctx context.Context, c im.Caller, req *queryOnlineStatusReq) (queryOnlineStatusResp, error) {
	st, err := a.accounts.QueryOnlineStatus(ctx, c, req.ToAccount)
	if err != nil {
		return queryOnlineStatusResp{}, err
	}
	resp := queryOnlineStatusResp{QueryResult: make([]onlineState, len(st.States)), ErrorList: make([]onlineError, len(st.Missing))}
	for i, s := range st.States {
		resp.QueryResult[i] = onlineState{ToAccount: s.Account, State: s.State}
	}
	for i, id := range st.Missing {
		resp.ErrorList[i] = onlineError{ToAccount: id, ErrorCode: int(im.CodeAccountMissing)}
	}
	return resp, nil
}
