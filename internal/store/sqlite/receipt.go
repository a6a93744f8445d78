package sqlite

import (
	"context"
	"fmt"
)

// PutReceipts records that account has read the messages seqs of the group's stream.
func (t *tx) PutReceipts(ctx context.Context, app uint64, group, account string, seqs []int64) error {
	if err := t.check(true); err != nil {
		return err
	}
	for _, seq := range seqs {
		_, err := t.exec(ctx, `INSERT INTO receipts (app, group_id, seq, account) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, appID(app), group, seq, account)
		if err != nil {
			return fmt.Errorf("receipt of %q for %d in %q: %w", account, seq, group, err)
		}
	}
	return nil
}

// ReceiptReaders returns the readers of a message in byte order: one range scan of the
// primary key.
func (t *tx) ReceiptReaders(ctx context.Context, app uint64, group string, seq int64) ([]string, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT account FROM receipts WHERE app = ? AND group_id = ? AND seq = ?
		ORDER BY account`, appID(app), group, seq)
	if err != nil {
		return nil, fmt.Errorf("readers of %d in %q: %w", seq, group, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("readers of %d in %q: %w", seq, group, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("readers of %d in %q: %w", seq, group, err)
	}
	return out, nil
}
