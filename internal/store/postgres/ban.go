package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
)

// SetBan records a ban of b.Account in group; an Until of 0 deletes it.
func (t *tx) SetBan(ctx context.Context, app uint64, group string, b im.Ban) error {
	if err := t.check(true); err != nil {
		return err
	}
	var err error
	if b.Until == 0 {
		_, err = t.exec(ctx, `DELETE FROM group_bans WHERE app = $1 AND group_id = $2 AND account = $3`,
			appID(app), group, b.Account)
	} else {
		_, err = t.exec(ctx, `INSERT INTO group_bans (app, group_id, account, until, description)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (app, group_id, account) DO UPDATE SET until = excluded.until, description = excluded.description`,
			appID(app), group, b.Account, b.Until, b.Description)
	}
	if err != nil {
		return fmt.Errorf("set ban of %q in group %q: %w", b.Account, group, err)
	}
	return nil
}

// GetBan returns account's ban record in group, or ErrNotFound.
func (t *tx) GetBan(ctx context.Context, app uint64, group, account string) (im.Ban, error) {
	if err := t.check(false); err != nil {
		return im.Ban{}, err
	}
	b := im.Ban{Account: account}
	err := t.queryRow(ctx, `SELECT until, description FROM group_bans
		WHERE app = $1 AND group_id = $2 AND account = $3`, appID(app), group, account).Scan(&b.Until, &b.Description)
	if err != nil {
		return im.Ban{}, fmt.Errorf("get ban of %q in group %q: %w", account, group, err)
	}
	return b, nil
}

// ListBans returns a page of the group's bans in force at now, ordered by account.
func (t *tx) ListBans(ctx context.Context, app uint64, group string, now int64, offset, limit int) ([]im.Ban, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t, pgx.RowToStructByPos[im.Ban], `SELECT account, until, description FROM group_bans
		WHERE app = $1 AND group_id = $2 AND until > $3 ORDER BY account LIMIT $4 OFFSET $5`,
		appID(app), group, now, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list bans of group %q: %w", group, err)
	}
	return out, nil
}
