package sqlite

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// SetMute records that account is muted in group until the given unix time (MuteForever for
// no end); until 0 deletes the record. The record does not need a membership.
func (t *tx) SetMute(ctx context.Context, app uint64, group, account string, until int64) error {
	if err := t.check(true); err != nil {
		return err
	}
	var err error
	if until == 0 {
		_, err = t.exec(ctx, `DELETE FROM mutes WHERE app = ? AND group_id = ? AND account = ?`,
			appID(app), group, account)
	} else {
		_, err = t.exec(ctx, `INSERT INTO mutes (app, group_id, account, until) VALUES (?, ?, ?, ?)
			ON CONFLICT (app, group_id, account) DO UPDATE SET until = excluded.until`,
			appID(app), group, account, until)
	}
	if err != nil {
		return fmt.Errorf("set mute of %q in group %q: %w", account, group, err)
	}
	return nil
}

// ListMutes returns the group's mute records whose end is after now (MuteForever included),
// ordered by account; with membersOnly, only those of current members.
func (t *tx) ListMutes(ctx context.Context, app uint64, group string, now int64, membersOnly bool) ([]im.Mute, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	query := `SELECT u.account, u.until FROM mutes u
		WHERE u.app = ? AND u.group_id = ? AND u.until > ?`
	if membersOnly {
		query += ` AND EXISTS (SELECT 1 FROM members m
			WHERE m.app = u.app AND m.group_id = u.group_id AND m.account = u.account)`
	}
	rows, err := t.query(ctx, query+` ORDER BY u.account`, appID(app), group, now)
	if err != nil {
		return nil, fmt.Errorf("list mutes of group %q: %w", group, err)
	}
	defer rows.Close()
	var mutes []im.Mute
	for rows.Next() {
		var mu im.Mute
		if err := rows.Scan(&mu.Account, &mu.Until); err != nil {
			return nil, fmt.Errorf("list mutes of group %q: %w", group, err)
		}
		mutes = append(mutes, mu)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list mutes of group %q: %w", group, err)
	}
	return mutes, nil
}
