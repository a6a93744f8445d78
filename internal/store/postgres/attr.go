package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
)

// GroupAttrs returns the group's custom attributes in byte order of key.
func (t *tx) GroupAttrs(ctx context.Context, app uint64, group string) ([]im.KV, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t, func(row pgx.CollectableRow) (im.KV, error) {
		var kv im.KV
		var value []byte
		err := row.Scan(&kv.Key, &value)
		kv.Value = string(value)
		return kv, err
	}, `SELECT key, value FROM group_attrs WHERE app = $1 AND group_id = $2 ORDER BY key`, appID(app), group)
	if err != nil {
		return nil, fmt.Errorf("attributes of %q: %w", group, err)
	}
	return out, nil
}

// SetGroupAttrs replaces every custom attribute of the group by attrs, in two statements
// whatever their number.
func (t *tx) SetGroupAttrs(ctx context.Context, app uint64, group string, attrs []im.KV) error {
	if err := t.check(true); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM group_attrs WHERE app = $1 AND group_id = $2`, appID(app), group); err != nil {
		return fmt.Errorf("set attributes of %q: %w", group, err)
	}
	if len(attrs) == 0 {
		return nil
	}
	keys := make([]string, len(attrs))
	values := make([][]byte, len(attrs))
	for i, kv := range attrs {
		keys[i], values[i] = kv.Key, []byte(kv.Value)
	}
	_, err := t.exec(ctx, `INSERT INTO group_attrs (app, group_id, key, value)
		SELECT $1, $2, k, v FROM unnest($3::text[], $4::bytea[]) AS a(k, v)`, appID(app), group, keys, values)
	if err != nil {
		return fmt.Errorf("set attributes of %q: %w", group, err)
	}
	return nil
}
