package sqlite

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// GroupCounters returns the group's counters in byte order of key.
func (t *tx) GroupCounters(ctx context.Context, app uint64, group string) ([]im.Counter, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT key, value FROM group_counters WHERE app = ? AND group_id = ?
		ORDER BY key`, appID(app), group)
	if err != nil {
		return nil, fmt.Errorf("counters of %q: %w", group, err)
	}
	defer rows.Close()
	var out []im.Counter
	for rows.Next() {
		var c im.Counter
		if err := rows.Scan(&c.Key, &c.Value); err != nil {
			return nil, fmt.Errorf("counters of %q: %w", group, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counters of %q: %w", group, err)
	}
	return out, nil
}

// SetGroupCounters replaces every counter of the group by counters.
func (t *tx) SetGroupCounters(ctx context.Context, app uint64, group string, counters []im.Counter) error {
	if err := t.check(true); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM group_counters WHERE app = ? AND group_id = ?`, appID(app), group); err != nil {
		return fmt.Errorf("set counters of %q: %w", group, err)
	}
	for _, c := range counters {
		_, err := t.exec(ctx, `INSERT INTO group_counters (app, group_id, key, value) VALUES (?, ?, ?, ?)`,
			appID(app), group, c.Key, c.Value)
		if err != nil {
			return fmt.Errorf("set counter %q of %q: %w", c.Key, group, err)
		}
	}
	return nil
}
