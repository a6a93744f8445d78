// Package account holds the rules of account import, check and delete
// (im_open_login_svc).
package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/timdhq/timd/internal/im"
)

// Service applies the account rules on a store.
type Service struct {
	store    im.Store
	clock    im.Clock
	presence im.Presence // who is connected; nil for nobody
}

// SetPresence tells the service who is connected (query_online_status) and lets kick end
// connections; default nobody. Call it before serving.
func (s *Service) SetPresence(p im.Presence) { s.presence = p }

// New returns a Service on store; a nil clock means im.SystemClock.
func New(store im.Store, clock im.Clock) *Service {
	if clock == nil {
		clock = im.SystemClock{}
	}
	return &Service{store: store, clock: clock}
}

// Profile is an account to import. A nil Nick or FaceURL leaves the stored one as it is.
type Profile struct {
	UserID  string
	Nick    *string
	FaceURL *string
}

// Status of an account as account_check answers it.
const (
	StatusImported    = "Imported"
	StatusNotImported = "NotImported"
)

// Result is the outcome for one account of account_check or account_delete.
type Result struct {
	UserID string
	Code   im.Code // 0, or 70107 for a missing account (account_delete)
	Info   string
	Status string // account_check only
}

// Import is account_import: it imports one account, or updates its Nick and FaceUrl when
// it exists.
func (s *Service) Import(ctx context.Context, c im.Caller, p Profile) error {
	if err := checkProfile(c.App.Limits, p); err != nil {
		return err
	}
	return s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		return s.put(ctx, tx, c.App.SDKAppID, p)
	})
}

// ImportMany is multiaccount_import. Accounts with a malformed UserID, Nick or FaceUrl are
// not imported and come back as failed; the others are imported together.
func (s *Service) ImportMany(ctx context.Context, c im.Caller, ps []Profile) (failed []string, err error) {
	if err := checkBatch(c.App.Limits, "Accounts", len(ps)); err != nil {
		return nil, err
	}
	failed = []string{}
	err = s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		failed = failed[:0]
		for _, p := range ps {
			if checkProfile(c.App.Limits, p) != nil {
				failed = append(failed, p.UserID)
				continue
			}
			if err := s.put(ctx, tx, c.App.SDKAppID, p); err != nil {
				return err
			}
		}
		return nil
	})
	return failed, err
}

// put inserts or updates one account inside tx.
func (s *Service) put(ctx context.Context, tx im.Tx, app uint64, p Profile) error {
	a, err := tx.GetAccount(ctx, app, p.UserID)
	switch {
	case errors.Is(err, im.ErrNotFound):
		a = im.Account{App: app, UserID: p.UserID, Created: s.clock.Now().Unix()}
	case err != nil:
		return fmt.Errorf("load account %q: %w", p.UserID, err)
	}
	if p.Nick != nil {
		a.Nick = *p.Nick
	}
	if p.FaceURL != nil {
		a.FaceURL = *p.FaceURL
	}
	if err := tx.PutAccount(ctx, a); err != nil {
		return fmt.Errorf("put account %q: %w", p.UserID, err)
	}
	return nil
}

// Check is account_check.
func (s *Service) Check(ctx context.Context, c im.Caller, ids []string) ([]Result, error) {
	if err := checkIDs(c.App.Limits, ids); err != nil {
		return nil, err
	}
	var found map[string]bool
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		var err error
		found, err = tx.ExistingAccounts(ctx, c.App.SDKAppID, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(ids))
	for i, id := range ids {
		out[i] = Result{UserID: id, Status: StatusNotImported}
		if found[id] {
			out[i].Status = StatusImported
		}
	}
	return out, nil
}

// Delete is account_delete: each existing account is deleted, leaving every group it was
// in (a group it owned becomes ownerless); a missing one is answered 70107.
func (s *Service) Delete(ctx context.Context, c im.Caller, ids []string) ([]Result, error) {
	if err := checkIDs(c.App.Limits, ids); err != nil {
		return nil, err
	}
	out := make([]Result, len(ids))
	err := s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		for i, id := range ids {
			out[i] = Result{UserID: id}
			var joined []im.Joined
			if c.App.Messages.Tips { // the groups it leaves get a quit tip
				var err error
				if joined, err = tx.ListJoined(ctx, c.App.SDKAppID, id); err != nil {
					return fmt.Errorf("list groups of %q: %w", id, err)
				}
			}
			err := tx.DeleteAccount(ctx, c.App.SDKAppID, id)
			switch {
			case errors.Is(err, im.ErrNotFound):
				out[i].Code, out[i].Info = im.CodeAccountMissing, "Err_TLS_PT_Open_Login_Account_Not_Exist"
			case err != nil:
				return fmt.Errorf("delete account %q: %w", id, err)
			}
			if err := s.quitTips(ctx, tx, c, id, joined); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// quitTips appends a quit tip (3) to each group a deleted account has left, where the
// group keeps such tips (docs/compatibility.md §8).
func (s *Service) quitTips(ctx context.Context, tx im.Tx, c im.Caller, id string, joined []im.Joined) error {
	now := s.clock.Now().Unix()
	for _, j := range joined {
		if !im.TipStored(j.Group.Type, im.TipQuit) {
			continue
		}
		g, err := tx.GetGroup(ctx, c.App.SDKAppID, j.Group.ID)
		if err != nil {
			return fmt.Errorf("load group %q: %w", j.Group.ID, err)
		}
		err = tx.AppendMessage(ctx, im.TipMessage(g, now, im.Tip{Op: im.TipQuit, Operator: c.Identifier, Members: []string{id}}))
		if err != nil {
			return fmt.Errorf("tip of %q leaving %q: %w", id, g.ID, err)
		}
	}
	return nil
}

// checkProfile returns 70402 unless p's fields are well-formed. A Nick or FaceUrl that is
// not valid UTF-8 is an invalid parameter too (docs/compatibility.md §4a lists only the length;
// its guiding rule is strict on input that is plainly wrong, as the group texts are).
func checkProfile(l im.Limits, p Profile) error {
	if !im.ValidUserID(l, p.UserID) {
		return im.Errorf(im.CodeAccountParam, "UserID %q must be 1 to %d bytes of printable ASCII", p.UserID, l.UserIDMax)
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"Nick", p.Nick}, {"FaceUrl", p.FaceURL}} {
		if f.v != nil && !utf8.ValidString(*f.v) {
			return im.Errorf(im.CodeAccountParam, "%s is not valid UTF-8", f.name)
		}
		if f.v != nil && strings.IndexByte(*f.v, 0) >= 0 {
			return im.Errorf(im.CodeAccountParam, "%s contains a NUL character", f.name)
		}
		if f.v != nil && len(*f.v) > l.AccountTextMax {
			return im.Errorf(im.CodeAccountParam, "%s is %d bytes, over the limit of %d bytes", f.name, len(*f.v), l.AccountTextMax)
		}
	}
	return nil
}

// checkBatch returns 70402 for an empty batch or one over the limit.
func checkBatch(l im.Limits, field string, n int) error {
	if n == 0 {
		return im.Errorf(im.CodeAccountParam, "%s is required", field)
	}
	if n > l.AccountBatch {
		return im.Errorf(im.CodeAccountParam, "%s has %d accounts, over the limit of %d", field, n, l.AccountBatch)
	}
	return nil
}

// checkIDs returns 70402 for a bad batch or any malformed UserID.
func checkIDs(l im.Limits, ids []string) error {
	if err := checkBatch(l, "UserID list", len(ids)); err != nil {
		return err
	}
	for _, id := range ids {
		if !im.ValidUserID(l, id) {
			return im.Errorf(im.CodeAccountParam, "UserID %q must be 1 to %d bytes of printable ASCII", id, l.UserIDMax)
		}
	}
	return nil
}
