package sqlite

import (
	"context"
	"fmt"
)

// deleteApp lists the statements of DeleteApp; each takes the app as its one parameter.
var deleteApp = []string{
	`DELETE FROM members WHERE app = ?`,
	`DELETE FROM mutes WHERE app = ?`,
	`DELETE FROM messages WHERE app = ?`,
	`DELETE FROM group_attrs WHERE app = ?`,
	`DELETE FROM group_counters WHERE app = ?`,
	`DELETE FROM group_bans WHERE app = ?`,
	`DELETE FROM topics WHERE app = ?`,
	`DELETE FROM receipts WHERE app = ?`,
	`DELETE FROM nospeaking WHERE app = ?`,
	`DELETE FROM groups WHERE app = ?`,
	`DELETE FROM group_tombstones WHERE app = ?`,
	`DELETE FROM accounts WHERE app = ?`,
	`DELETE FROM profiles WHERE app = ?`,
	`DELETE FROM outbox WHERE app = ?`,
}

// DeleteApp deletes every account, profile field, group, membership, mute record, ban,
// message, group attribute and counter, account-wide mute, destroyed group ID and outbox
// event of app. The store's counters (group Seq, outbox IDs) keep counting: a
// number handed out is never handed out again.
func (t *tx) DeleteApp(ctx context.Context, app uint64) error {
	if err := t.check(true); err != nil {
		return err
	}
	for _, q := range deleteApp {
		if _, err := t.exec(ctx, q, appID(app)); err != nil {
			return fmt.Errorf("delete app %d: %w", app, err)
		}
	}
	return nil
}
