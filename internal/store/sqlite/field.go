package sqlite

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// PutField records a declared custom-field key. ErrConflict if the app has already
// declared it for its kind.
func (t *tx) PutField(ctx context.Context, f im.Field) error {
	if err := t.check(true); err != nil {
		return err
	}
	res, err := t.exec(ctx, `INSERT INTO custom_fields (app, kind, key, created, seq)
		SELECT ?1, ?2, ?3, ?4, COALESCE(MAX(seq), 0) + 1 FROM custom_fields WHERE app = ?1
		ON CONFLICT (app, kind, key) DO NOTHING`, appID(f.App), string(f.Kind), f.Key, f.Created)
	if err != nil {
		return fmt.Errorf("put field %s %q: %w", f.Kind, f.Key, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("put field %s %q: %w", f.Kind, f.Key, conflictOr(err))
	}
	return nil
}

// conflictOr returns err, or ErrConflict when err is nil.
func conflictOr(err error) error {
	if err != nil {
		return err
	}
	return im.ErrConflict
}

// ListFields returns every field app has declared, by kind and then in the order
// declared. An Update needs no lock to count them: the store has one writer.
func (t *tx) ListFields(ctx context.Context, app uint64) ([]im.Field, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT kind, key, created FROM custom_fields WHERE app = ?
		ORDER BY kind, seq, key`, appID(app))
	if err != nil {
		return nil, fmt.Errorf("list fields: %w", err)
	}
	defer rows.Close()
	var out []im.Field
	for rows.Next() {
		f := im.Field{App: app}
		var kind string
		if err := rows.Scan(&kind, &f.Key, &f.Created); err != nil {
			return nil, fmt.Errorf("list fields: %w", err)
		}
		f.Kind = im.FieldKind(kind)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list fields: %w", err)
	}
	return out, nil
}
