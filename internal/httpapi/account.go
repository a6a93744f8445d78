package httpapi

import (
	"context"

	"github.com/timdhq/timd/internal/account"
	"github.com/timdhq/timd/internal/im"
)

// empty is the answer of commands that carry only the envelope.
type empty struct{}

// accountImportReq is the body of account_import. Identifier is the name of UserID in
// Tencent's older docs, which client libraries still send; UserID wins when both are
// given (docs/compatibility.md §3).
type accountImportReq struct {
	UserID     *string   `json:"UserID"`
	Identifier *string   `json:"Identifier" current:"UserID"`
	Nick       *wireText `json:"Nick"`
	FaceURL    *wireText `json:"FaceUrl"`
}

func (a *API) accountImport(ctx context.Context, c im.Caller, req *accountImportReq) (empty, error) {
	id := req.UserID
	if id == nil {
		id = req.Identifier
	}
	entry := accountEntry{Nick: req.Nick, FaceURL: req.FaceURL}
	if id != nil {
		entry.UserID = *id
	}
	return empty{}, a.accounts.Import(ctx, c, entry.profile())
}

// accountEntry is an AccountList entry of multiaccount_import.
type accountEntry struct {
	UserID  string    `json:"UserID"`
	Nick    *wireText `json:"Nick"`
	FaceURL *wireText `json:"FaceUrl"`
}

// profile translates an account entry.
func (r *accountEntry) profile() account.Profile {
	return account.Profile{UserID: r.UserID, Nick: textPtr(r.Nick), FaceURL: textPtr(r.FaceURL)}
}

type multiAccountImportReq struct {
	Accounts    []string       `json:"Accounts"`    // the old form
	AccountList []accountEntry `json:"AccountList"` // the new form
}

type multiAccountImportResp struct {
	FailAccounts []string `json:"FailAccounts"`
}

func (a *API) multiAccountImport(ctx context.Context, c im.Caller, req *multiAccountImportReq) (multiAccountImportResp, error) {
	ps := make([]account.Profile, 0, len(req.Accounts)+len(req.AccountList))
	for _, id := range req.Accounts {
		ps = append(ps, account.Profile{UserID: id})
	}
	for i := range req.AccountList {
		ps = append(ps, req.AccountList[i].profile())
	}
	failed, err := a.accounts.ImportMany(ctx, c, ps)
	return multiAccountImportResp{FailAccounts: failed}, err
}

type userItem struct {
	UserID string `json:"UserID"`
}

type accountCheckReq struct {
	CheckItem []userItem `json:"CheckItem"`
}

type resultItem struct {
	UserID        string `json:"UserID"`
	ResultCode    int    `json:"ResultCode"`
	ResultInfo    string `json:"ResultInfo"`
	AccountStatus string `json:"AccountStatus,omitempty"`
}

type resultItems struct {
	ResultItem []resultItem `json:"ResultItem"`
}

func (a *API) accountCheck(ctx context.Context, c im.Caller, req *accountCheckReq) (resultItems, error) {
	rs, err := a.accounts.Check(ctx, c, userIDs(req.CheckItem))
	return toResultItems(rs), err
}

type accountDeleteReq struct {
	DeleteItem []userItem `json:"DeleteItem"`
}

func (a *API) accountDelete(ctx context.Context, c im.Caller, req *accountDeleteReq) (resultItems, error) {
	rs, err := a.accounts.Delete(ctx, c, userIDs(req.DeleteItem))
	return toResultItems(rs), err
}

func userIDs(items []userItem) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.UserID
	}
	return ids
}

func toResultItems(rs []account.Result) resultItems {
	out := resultItems{ResultItem: make([]resultItem, len(rs))}
	for i, r := range rs {
		out.ResultItem[i] = resultItem{UserID: r.UserID, ResultCode: int(r.Code), ResultInfo: r.Info, AccountStatus: r.Status}
	}
	return out
}
