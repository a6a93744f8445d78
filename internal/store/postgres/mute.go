package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
)

// SetMute records that account is muted in group until the given unix time (MuteForever for
// no end); until 0 deletes the record. The record does not need a membership. The write
// goes with the Update's next statement or its commit.
func (t *tx) SetMute(ctx context.Context, app uint64, group, account string, until int64) error {
	if err := t.check(true); err != nil {
		return err
	}
	var err error
	if until == 0 {
		err = t.later(`DELETE FROM mutes WHERE app = $1 AND group_id = $2 AND account = $3`,
			appID(app), group, account)
	} else {
		err = t.later(`INSERT INTO mutes (app, group_id, account, until) VALUES ($1, $2, $3, $4)
			ON CONFLICT (app, group_id, account) DO UPDATE SET until = excluded.until`,
			appID(app), group, account, until)
	}
	if err != nil {
		return fmt.Errorf("set mute of %q in group %q: %w", account, group, err)
	}
	return nil
}

// The statements of ListMutes, of everyone and of members only.
const (
	listMutes = `SELECT u.account, u.until FROM mutes u
		WHERE u.app = $1 AND u.group_id = $2 AND u.until > $3 ORDER BY u.account`
	listMemberMutes = `SELECT u.account, u.until FROM mutes u
		WHERE u.app = $1 AND u.group_id = $2 AND u.until > $3
			AND EXISTS (SELECT FROM members m
				WHERE m.app = u.app AND m.group_id = u.group_id AND m.account = u.account)
		ORDER BY u.account`
)

// ListMutes returns the group's mute records whose end is after now (MuteForever included),
// ordered by account; with membersOnly, only those of current members.
func (t *tx) ListMutes(ctx context.Context, app uint64, group string, now int64, membersOnly bool) ([]im.Mute, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	query := listMutes
	if membersOnly {
		query = listMemberMutes
	}
	mutes, err := collect(ctx, t, pgx.RowToStructByPos[im.Mute], query, appID(app), group, now)
	if err != nil {
		return nil, fmt.Errorf("list mutes of group %q: %w", group, err)
	}
	return mutes, nil
}
