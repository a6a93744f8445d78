package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
)

// PutAccount inserts a or replaces the account with the same (App, UserID).
func (t *tx) PutAccount(ctx context.Context, a im.Account) error {
	if err := t.check(true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO accounts (app, user_id, nick, face_url, created)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (app, user_id) DO UPDATE SET
			nick = excluded.nick, face_url = excluded.face_url, created = excluded.created`,
		appID(a.App), a.UserID, a.Nick, a.FaceURL, a.Created)
	if err != nil {
		return fmt.Errorf("put account %q: %w", a.UserID, err)
	}
	return nil
}

// GetAccount returns one account, or ErrNotFound. In Update it locks the account row.
func (t *tx) GetAccount(ctx context.Context, app uint64, userID string) (im.Account, error) {
	if err := t.check(false); err != nil {
		return im.Account{}, err
	}
	a := im.Account{App: app, UserID: userID}
	err := t.queryRow(ctx, `SELECT nick, face_url, created FROM accounts
		WHERE app = $1 AND user_id = $2`+t.lockClause(),
		appID(app), userID).Scan(&a.Nick, &a.FaceURL, &a.Created)
	if err != nil {
		return im.Account{}, fmt.Errorf("get account %q: %w", userID, err)
	}
	return a, nil
}

// ExistingAccounts returns the subset of ids that are imported accounts, each mapped to
// true. In Update it locks the accounts found with FOR KEY SHARE, so none of them can be
// deleted before the commit (a membership added meanwhile would outlive its account),
// while their Nick and FaceURL stay free to change.
func (t *tx) ExistingAccounts(ctx context.Context, app uint64, ids []string) (map[string]bool, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	found := make(map[string]bool)
	if len(ids) == 0 {
		return found, nil
	}
	lock := ""
	if !t.readOnly {
		lock = " FOR KEY SHARE"
	}
	// One array parameter keeps the statement text fixed whatever the number of ids. The
	// order makes concurrent lockers of overlapping lists take their locks in one order.
	names, err := collect(ctx, t, pgx.RowTo[string], `SELECT user_id FROM accounts
		WHERE app = $1 AND user_id = ANY($2) ORDER BY user_id`+lock, appID(app), ids)
	if err != nil {
		return nil, fmt.Errorf("existing accounts: %w", err)
	}
	for _, id := range names {
		found[id] = true
	}
	return found, nil
}

// DeleteAccount deletes an account, its profile fields, memberships (keeping each
// group's member count), mute records, bans and account-wide mute, and clears it as
// owner of its groups. ErrNotFound if it does not exist.
//
// It locks the groups it will change before the account row, in ID order: the service
// locks a group before the accounts and members in it, and taking locks in that same order
// keeps a concurrent group command and this deletion from deadlocking.
func (t *tx) DeleteAccount(ctx context.Context, app uint64, userID string) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.deleteAccount(ctx, app, userID)
	if err != nil {
		return fmt.Errorf("delete account %q: %w", userID, err)
	}
	return nil
}

// deleteAccount does DeleteAccount.
func (t *tx) deleteAccount(ctx context.Context, app uint64, userID string) error {
	t.releaseMembers()
	_, err := t.exec(ctx, `SELECT FROM groups
		WHERE app = $1 AND (owner = $2
			OR id IN (SELECT group_id FROM members WHERE app = $1 AND account = $2))
		ORDER BY id FOR NO KEY UPDATE`, appID(app), userID)
	if err != nil {
		return err
	}
	err = t.execOne(ctx, `DELETE FROM accounts WHERE app = $1 AND user_id = $2`, appID(app), userID)
	if err != nil {
		return err
	}
	for _, q := range []string{
		// The count is taken from the rows deleted, not from a separate read, so a
		// membership added since the lock above is both removed and uncounted.
		`WITH gone AS (
			DELETE FROM members WHERE app = $1 AND account = $2 RETURNING group_id)
		UPDATE groups SET member_num = member_num - 1
			FROM gone WHERE groups.app = $1 AND groups.id = gone.group_id`,
		`DELETE FROM mutes WHERE app = $1 AND account = $2`,
		`DELETE FROM group_bans WHERE app = $1 AND account = $2`,
		`DELETE FROM profiles WHERE app = $1 AND account = $2`,
		`DELETE FROM nospeaking WHERE app = $1 AND account = $2`,
		`UPDATE groups SET owner = '' WHERE app = $1 AND owner = $2`,
	} {
		if _, err := t.exec(ctx, q, appID(app), userID); err != nil {
			return err
		}
	}
	return nil
}

// listAccounts is the statement of ListAccounts. COLLATE "C" orders by bytes, as SQLite
// does, whatever the database's collation; $3 NULL is no limit.
const listAccounts = `SELECT user_id, nick, face_url, created FROM accounts
	WHERE app = $1 AND user_id COLLATE "C" > $2
	ORDER BY user_id COLLATE "C" LIMIT $3`

// ListAccounts returns up to limit of the app's accounts after afterUserID, in byte order
// of UserID; limit 0 means no limit. Unless the database's collation is C, the primary
// key's index is not in that order, so each call sorts the app's accounts: prefer few
// large pages.
func (t *tx) ListAccounts(ctx context.Context, app uint64, afterUserID string, limit int) ([]im.Account, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	var max *int64
	if limit > 0 {
		max = new(int64(limit))
	}
	scan := func(r pgx.CollectableRow) (im.Account, error) {
		a := im.Account{App: app}
		return a, r.Scan(&a.UserID, &a.Nick, &a.FaceURL, &a.Created)
	}
	out, err := collect(ctx, t, scan, listAccounts, appID(app), afterUserID, max)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// PutAccounts is PutAccount for many accounts of app, in one statement.
func (t *tx) PutAccounts(ctx context.Context, app uint64, as []im.Account) error {
	if err := t.check(true); err != nil {
		return err
	}
	if len(as) == 0 {
		return nil
	}
	ids, nicks, faces, created := make([]string, len(as)), make([]string, len(as)), make([]string, len(as)), make([]int64, len(as))
	for i, a := range as {
		ids[i], nicks[i], faces[i], created[i] = a.UserID, a.Nick, a.FaceURL, a.Created
	}
	_, err := t.exec(ctx, `INSERT INTO accounts (app, user_id, nick, face_url, created)
		SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[])
		ON CONFLICT (app, user_id) DO UPDATE SET
			nick = excluded.nick, face_url = excluded.face_url, created = excluded.created`,
		appID(app), ids, nicks, faces, created)
	if err != nil {
		return fmt.Errorf("put %d accounts: %w", len(as), err)
	}
	return nil
}
