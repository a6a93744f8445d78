package timtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/timdhq/timd/internal/account"
	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/server"
)

// The seeding helpers call timd's services directly, as the first app's admin, not over
// HTTP: they apply every rule of the REST command they stand for and send its callbacks,
// but they are not rate-limited, not counted in /metrics and not in the request journal.

// seed runs fn on the current timd with the admin caller of the first app and fails tb
// with what if fn returns an error.
func (s *Server) seed(tb testing.TB, what string, fn func(ctx context.Context, srv *server.Server, c im.Caller) error) {
	tb.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.srv.AdminCaller(s.SDKAppID())
	if !ok {
		tb.Fatalf("timtest: %s: app %d is not served", what, s.SDKAppID())
	}
	if err := fn(context.Background(), s.srv, c); err != nil {
		tb.Fatalf("timtest: %s: %v", what, describe(err))
	}
}

// describe shows err with its Tencent code.
func describe(err error) string {
	return fmt.Sprintf("ErrorCode %d (%v)", im.CodeOf(err), err)
}

// MustImportAccounts imports the accounts, as multiaccount_import does, and fails the
// test unless every one is imported.
func (s *Server) MustImportAccounts(tb testing.TB, ids ...string) {
	tb.Helper()
	s.seed(tb, "import accounts", func(ctx context.Context, srv *server.Server, c im.Caller) error {
		return importAccounts(ctx, srv.Accounts(), c, ids)
	})
}

// importAccounts imports ids in batches of the app's limit.
func importAccounts(ctx context.Context, svc *account.Service, c im.Caller, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), c.App.Limits.AccountBatch)
		ps := make([]account.Profile, n)
		for i, id := range ids[:n] {
			ps[i] = account.Profile{UserID: id}
		}
		failed, err := svc.ImportMany(ctx, c, ps)
		if err != nil {
			return err
		}
		if len(failed) > 0 {
			return fmt.Errorf("accounts not imported (malformed UserID?): %q", failed)
		}
		ids = ids[n:]
	}
	return nil
}

// MustCreateGroup creates a group of type typ ("Public", "Private", ...) named "timtest
// group", owned by owner ("" for none) with the given members, as create_group does, and
// returns its ID.
func (s *Server) MustCreateGroup(tb testing.TB, typ, owner string, members ...string) string {
	tb.Helper()
	var id string
	s.seed(tb, "create group", func(ctx context.Context, srv *server.Server, c im.Caller) error {
		r := group.CreateRequest{Type: typ, Name: "timtest group", Owner: owner}
		for _, m := range members {
			r.Members = append(r.Members, group.NewMember{Account: m})
		}
		created, err := srv.Groups().CreateGroup(ctx, c, r)
		id = created.GroupID
		return err
	})
	return id
}

// MustAddMembers adds accounts to a group, as add_group_member does, and fails the test
// if any of them is not an imported account. An account already in the group is no
// failure.
func (s *Server) MustAddMembers(tb testing.TB, groupID string, accounts ...string) {
	tb.Helper()
	s.seed(tb, "add members", func(ctx context.Context, srv *server.Server, c im.Caller) error {
		return addMembers(ctx, srv.Groups(), c, groupID, accounts)
	})
}

// addMembers adds accounts in batches of the app's limit.
func addMembers(ctx context.Context, svc *group.Service, c im.Caller, groupID string, accounts []string) error {
	for len(accounts) > 0 {
		n := min(len(accounts), c.App.Limits.AddMemberBatch)
		out, err := svc.AddMembers(ctx, c, groupID, accounts[:n], false)
		if err != nil {
			return err
		}
		for _, o := range out {
			if o.Result == group.AddFailed {
				return fmt.Errorf("%q not added to %s: not an imported account", o.Account, groupID)
			}
		}
		accounts = accounts[n:]
	}
	return nil
}
