package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// maxStatusQuery bounds the accounts of one query_online_status (Tencent's page).
const maxStatusQuery = 500

// The States query_online_status answers: an account with an event stream open is
// Online; timd has no offline push, so PushOnline is never answered.
const (
	StateOnline  = "Online"
	StateOffline = "Offline"
)

// Kick is im_open_login_svc/kick: it invalidates the login state of an account, closing
// its event streams and refusing the UserSigs issued until now; a UserID that is
// malformed is 70402, one that was never imported 70107 (docs/compatibility.md §11).
func (s *Service) Kick(ctx context.Context, c im.Caller, id string) error {
	if !im.ValidUserID(c.App.Limits, id) {
		return im.Errorf(im.CodeAccountParam, "UserID %q must be 1 to %d bytes of printable ASCII", id, c.App.Limits.UserIDMax)
	}
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		_, err := tx.GetAccount(ctx, c.App.SDKAppID, id)
		switch {
		case errors.Is(err, im.ErrNotFound):
			return im.Errorf(im.CodeAccountMissing, "account %q has not been imported", id)
		case err != nil:
			return fmt.Errorf("load account %q: %w", id, err)
		}
		return nil
	})
	if err == nil && s.presence != nil {
		s.presence.Kick(c.App.SDKAppID, id, s.clock.Now().Unix())
	}
	return err
}

// OnlineStatus is the answer of query_online_status: the State of each imported account
// asked, in request order, and the accounts that are not imported.
type OnlineStatus struct {
	States  []AccountState
	Missing []string // answered in ErrorList with 70107
}

// AccountState is one account's login state.
type AccountState struct {
	Account string
	State   string
}

// QueryOnlineStatus is openim/query_online_status: an imported account is Online while
// it has an event stream open, else Offline; an account asked that is not imported (or
// is no UserID) is listed apart. To_Account empty or over 500 accounts is 70402.
func (s *Service) QueryOnlineStatus(ctx context.Context, c im.Caller, ids []string) (OnlineStatus, error) {
	if len(ids) == 0 {
		return OnlineStatus{}, im.Errorf(im.CodeAccountParam, "To_Account is required")
	}
	if len(ids) > maxStatusQuery {
		return OnlineStatus{}, im.Errorf(im.CodeAccountParam, "To_Account has %d accounts, over the limit of %d", len(ids), maxStatusQuery)
	}
	var valid []string
	for _, id := range ids {
		if im.ValidUserID(c.App.Limits, id) {
			valid = append(valid, id)
		}
	}
	var found map[string]bool
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) (err error) {
		found, err = tx.ExistingAccounts(ctx, c.App.SDKAppID, valid)
		return err
	})
	if err != nil {
		return OnlineStatus{}, err
	}
	var online map[string]bool
	if s.presence != nil {
		online = s.presence.Online(c.App.SDKAppID, valid)
	}
	out := OnlineStatus{States: []AccountState{}}
	for _, id := range ids {
		state := StateOffline
		if online[id] {
			state = StateOnline
		}
		if found[id] {
			out.States = append(out.States, AccountState{Account: id, State: state})
		} else {
			out.Missing = append(out.Missing, id)
		}
	}
	return out, nil
}
