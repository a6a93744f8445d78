package sqlite

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// GroupAttrs returns the group's custom attributes in byte order of key.
func (t *tx) GroupAttrs(ctx context.Context, app uint64, group string) ([]im.KV, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT key, value FROM group_attrs WHERE app = ? AND group_id = ?
		ORDER BY key`, appID(app), group)
	if err != nil {
		return nil, fmt.Errorf("attributes of %q: %w", group, err)
	}
	defer rows.Close()
	var out []im.KV
	for rows.Next() {
		var kv im.KV
		var value []byte
		if err := rows.Scan(&kv.Key, &value); err != nil {
			return nil, fmt.Errorf("attributes of %q: %w", group, err)
		}
		kv.Value = string(value)
		out = append(out, kv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attributes of %q: %w", group, err)
	}
	return out, nil
}

// SetGroupAttrs replaces every custom attribute of the group by attrs.
func (t *tx) SetGroupAttrs(ctx context.Context, app uint64, group string, attrs []im.KV) error {
	if err := t.check(true); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM group_attrs WHERE app = ? AND group_id = ?`, appID(app), group); err != nil {
		return fmt.Errorf("set attributes of %q: %w", group, err)
	}
	for _, kv := range attrs {
		_, err := t.exec(ctx, `INSERT INTO group_attrs (app, group_id, key, value) VALUES (?, ?, ?, ?)`,
			appID(app), group, kv.Key, blob(kv.Value))
		if err != nil {
			return fmt.Errorf("set attribute %q of %q: %w", kv.Key, group, err)
		}
	}
	return nil
}
