package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
)

// GroupCounters returns the group's counters in byte order of key.
func (t *tx) GroupCounters(ctx context.Context, app uint64, group string) ([]im.Counter, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t, pgx.RowToStructByPos[im.Counter],
		`SELECT key, value FROM group_counters WHERE app = $1 AND group_id = $2 ORDER BY key`, appID(app), group)
	if err != nil {
		return nil, fmt.Errorf("counters of %q: %w", group, err)
	}
	return out, nil
}

// SetGroupCounters replaces every counter of the group by counters, in two statements
// whatever their number.
func (t *tx) SetGroupCounters(ctx context.Context, app uint64, group string, counters []im.Counter) error {
	if err := t.check(true); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM group_counters WHERE app = $1 AND group_id = $2`, appID(app), group); err != nil {
		return fmt.Errorf("set counters of %q: %w", group, err)
	}
	if len(counters) == 0 {
		return nil
	}
	keys := make([]string, len(counters))
	values := make([]int64, len(counters))
	for i, c := range counters {
		keys[i], values[i] = c.Key, c.Value
	}
	_, err := t.exec(ctx, `INSERT INTO group_counters (app, group_id, key, value)
		SELECT $1, $2, k, v FROM unnest($3::text[], $4::bigint[]) AS c(k, v)`, appID(app), group, keys, values)
	if err != nil {
		return fmt.Errorf("set counters of %q: %w", group, err)
	}
	return nil
}
