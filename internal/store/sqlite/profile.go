package sqlite

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// ProfileFields returns the account's profile fields by tag.
func (t *tx) ProfileFields(ctx context.Context, app uint64, account string) ([]im.KV, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT tag, value FROM profiles WHERE app = ? AND account = ? ORDER BY tag`,
		appID(app), account)
	if err != nil {
		return nil, fmt.Errorf("profile of %q: %w", account, err)
	}
	defer rows.Close()
	var out []im.KV
	for rows.Next() {
		var kv im.KV
		var value []byte
		if err := rows.Scan(&kv.Key, &value); err != nil {
			return nil, fmt.Errorf("profile of %q: %w", account, err)
		}
		kv.Value = string(value)
		out = append(out, kv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("profile of %q: %w", account, err)
	}
	return out, nil
}

// SetProfileFields sets the listed profile fields of the account.
func (t *tx) SetProfileFields(ctx context.Context, app uint64, account string, fields []im.KV) error {
	if err := t.check(true); err != nil {
		return err
	}
	for _, f := range fields {
		_, err := t.exec(ctx, `INSERT INTO profiles (app, account, tag, value) VALUES (?, ?, ?, ?)
			ON CONFLICT (app, account, tag) DO UPDATE SET value = excluded.value`,
			appID(app), account, f.Key, blob(f.Value))
		if err != nil {
			return fmt.Errorf("set profile field %q of %q: %w", f.Key, account, err)
		}
	}
	return nil
}
