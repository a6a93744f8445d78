package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// PutReceipts records that account has read the messages seqs of the group's stream, in
// one statement.
func (t *tx) PutReceipts(ctx context.Context, app uint64, group, account string, seqs []int64) error {
	if err := t.check(true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO receipts (app, group_id, seq, account)
		SELECT $1, $2, s, $3 FROM unnest($4::bigint[]) AS s
		ON CONFLICT DO NOTHING`, appID(app), group, account, seqs)
	if err != nil {
		return fmt.Errorf("receipts of %q in %q: %w", account, group, err)
	}
	return nil
}

// ReceiptReaders returns the readers of a message in byte order.
func (t *tx) ReceiptReaders(ctx context.Context, app uint64, group string, seq int64) ([]string, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t, pgx.RowTo[string], `SELECT account FROM receipts
		WHERE app = $1 AND group_id = $2 AND seq = $3 ORDER BY account`, appID(app), group, seq)
	if err != nil {
		return nil, fmt.Errorf("readers of %d in %q: %w", seq, group, err)
	}
	return out, nil
}
