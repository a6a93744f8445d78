package httpapi

import (
	"context"

	"github.com/timdhq/timd/internal/im"
)

type changeGroupOwnerReq struct {
	GroupID         string `json:"GroupId"`
	NewOwnerAccount string `json:"NewOwner_Account"`
}

func (a *API) changeGroupOwner(ctx context.Context, c im.Caller, req *changeGroupOwnerReq) (empty, error) {
	return empty{}, a.groups.ChangeOwner(ctx, c, req.GroupID, req.NewOwnerAccount)
}
