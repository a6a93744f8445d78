package postgres

import (
	"context"
	"fmt"
)

// deleteApp lists the statements of DeleteApp; each takes the app as its one parameter.
// The groups go first: a group command locks its group before the accounts and members it
// reads, and taking the locks in that order keeps the two from deadlocking.
var deleteApp = []string{
	`DELETE FROM groups WHERE app = $1`,
	`DELETE FROM members WHERE app = $1`,
	`DELETE FROM mutes WHERE app = $1`,
	`DELETE FROM messages WHERE app = $1`,
	`DELETE FROM group_attrs WHERE app = $1`,
	`DELETE FROM group_counters WHERE app = $1`,
	`DELETE FROM group_bans WHERE app = $1`,
	`DELETE FROM topics WHERE app = $1`,
	`DELETE FROM receipts WHERE app = $1`,
	`DELETE FROM nospeaking WHERE app = $1`,
	`DELETE FROM group_tombstones WHERE app = $1`,
	`DELETE FROM accounts WHERE app = $1`,
	`DELETE FROM profiles WHERE app = $1`,
	`DELETE FROM outbox WHERE app = $1`,
}

// DeleteApp deletes every account, profile field, group, membership, mute record, ban,
// message, group attribute and counter, account-wide mute, destroyed group ID and outbox
// event of app. The store's sequences (group Seq, outbox IDs) keep counting: a
// number handed out is never handed out again.
func (t *tx) DeleteApp(ctx context.Context, app uint64) error {
	if err := t.check(true); err != nil {
		return err
	}
	t.releaseAll()
	for _, q := range deleteApp {
		if _, err := t.exec(ctx, q, appID(app)); err != nil {
			return fmt.Errorf("delete app %d: %w", app, err)
		}
	}
	return nil
}
