package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// PutAccount inserts a or replaces the account with the same (App, UserID).
func (t *tx) PutAccount(ctx context.Context, a im.Account) error {
	if err := t.check(true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO accounts (app, user_id, nick, face_url, created)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (app, user_id) DO UPDATE SET
			nick = excluded.nick, face_url = excluded.face_url, created = excluded.created`,
		appID(a.App), a.UserID, a.Nick, a.FaceURL, a.Created)
	if err != nil {
		return fmt.Errorf("put account %q: %w", a.UserID, err)
	}
	return nil
}

// GetAccount returns one account, or ErrNotFound.
func (t *tx) GetAccount(ctx context.Context, app uint64, userID string) (im.Account, error) {
	if err := t.check(false); err != nil {
		return im.Account{}, err
	}
	a := im.Account{App: app, UserID: userID}
	err := t.queryRow(ctx, `SELECT nick, face_url, created FROM accounts
		WHERE app = ? AND user_id = ?`, appID(app), userID).Scan(&a.Nick, &a.FaceURL, &a.Created)
	if err != nil {
		return im.Account{}, fmt.Errorf("get account %q: %w", userID, notFound(err))
	}
	return a, nil
}

// ExistingAccounts returns the subset of ids that are imported accounts, each mapped to true.
func (t *tx) ExistingAccounts(ctx context.Context, app uint64, ids []string) (map[string]bool, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	found := make(map[string]bool)
	if len(ids) == 0 {
		return found, nil
	}
	// One JSON array parameter keeps the statement text fixed whatever the number of ids.
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("existing accounts: %w", err)
	}
	rows, err := t.query(ctx, `SELECT user_id FROM accounts
		WHERE app = ? AND user_id IN (SELECT value FROM json_each(?))`, appID(app), string(list))
	if err != nil {
		return nil, fmt.Errorf("existing accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("existing accounts: %w", err)
		}
		found[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("existing accounts: %w", err)
	}
	return found, nil
}

// deleteAccountStatements take an account out of every group, after its row is gone.
// Without statistics SQLite would walk every member (and mute, and group) of the app by its
// primary key's first column for the account's few rows, so the statements name the
// index that holds them by account.
var deleteAccountStatements = []string{
	`UPDATE groups SET member_num = member_num - 1
		WHERE app = ?1 AND id IN (SELECT group_id FROM members INDEXED BY members_account
			WHERE app = ?1 AND account = ?2)`,
	`DELETE FROM members INDEXED BY members_account WHERE app = ?1 AND account = ?2`,
	`DELETE FROM mutes INDEXED BY mutes_account WHERE app = ?1 AND account = ?2`,
	`DELETE FROM nospeaking WHERE app = ?1 AND account = ?2`,
	`UPDATE groups INDEXED BY groups_owner SET owner = '' WHERE app = ?1 AND owner = ?2`,
	`DELETE FROM group_bans INDEXED BY group_bans_account WHERE app = ?1 AND account = ?2`,
	`DELETE FROM profiles WHERE app = ?1 AND account = ?2`,
}

// DeleteAccount deletes an account, its profile fields, memberships (keeping each
// group's member count), mute records, bans and account-wide mute, and clears it as
// owner of its groups. ErrNotFound if it does not exist.
func (t *tx) DeleteAccount(ctx context.Context, app uint64, userID string) error {
	if err := t.check(true); err != nil {
		return err
	}
	err := t.execOne(ctx, `DELETE FROM accounts WHERE app = ? AND user_id = ?`, appID(app), userID)
	if err != nil {
		return fmt.Errorf("delete account %q: %w", userID, err)
	}
	for _, q := range deleteAccountStatements {
		if _, err := t.exec(ctx, q, appID(app), userID); err != nil {
			return fmt.Errorf("delete account %q: %w", userID, err)
		}
	}
	return nil
}

// ListAccounts returns up to limit of the app's accounts after afterUserID, in byte order
// of UserID (SQLite's BINARY collation); limit 0 means no limit.
func (t *tx) ListAccounts(ctx context.Context, app uint64, afterUserID string, limit int) ([]im.Account, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = -1 // SQLite's LIMIT -1 is no limit
	}
	rows, err := t.query(ctx, `SELECT user_id, nick, face_url, created FROM accounts
		WHERE app = ? AND user_id > ? ORDER BY user_id LIMIT ?`, appID(app), afterUserID, limit)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []im.Account
	for rows.Next() {
		a := im.Account{App: app}
		if err := rows.Scan(&a.UserID, &a.Nick, &a.FaceURL, &a.Created); err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// PutAccounts is PutAccount for many accounts of app, one prepared statement each.
func (t *tx) PutAccounts(ctx context.Context, app uint64, as []im.Account) error {
	for _, a := range as {
		a.App = app
		if err := t.PutAccount(ctx, a); err != nil {
			return err
		}
	}
	return nil
}
