package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
)

// ProfileFields returns the account's profile fields by tag.
func (t *tx) ProfileFields(ctx context.Context, app uint64, account string) ([]im.KV, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t, func(row pgx.CollectableRow) (im.KV, error) {
		var kv im.KV
		var value []byte
		err := row.Scan(&kv.Key, &value)
		kv.Value = string(value)
		return kv, err
	}, `SELECT tag, value FROM profiles WHERE app = $1 AND account = $2 ORDER BY tag`, appID(app), account)
	if err != nil {
		return nil, fmt.Errorf("profile of %q: %w", account, err)
	}
	return out, nil
}

// SetProfileFields sets the listed profile fields of the account in one statement.
func (t *tx) SetProfileFields(ctx context.Context, app uint64, account string, fields []im.KV) error {
	if err := t.check(true); err != nil {
		return err
	}
	if len(fields) == 0 {
		return nil
	}
	tags := make([]string, len(fields))
	values := make([][]byte, len(fields))
	for i, f := range fields {
		tags[i], values[i] = f.Key, []byte(f.Value)
	}
	_, err := t.exec(ctx, `INSERT INTO profiles (app, account, tag, value)
		SELECT $1, $2, k, v FROM unnest($3::text[], $4::bytea[]) AS f(k, v)
		ON CONFLICT (app, account, tag) DO UPDATE SET value = excluded.value`, appID(app), account, tags, values)
	if err != nil {
		return fmt.Errorf("set profile of %q: %w", account, err)
	}
	return nil
}
