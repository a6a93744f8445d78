package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/im"
)

// PutField records a declared custom-field key. ErrConflict if the app has already
// declared it for its kind; the conflict leaves the transaction usable.
func (t *tx) PutField(ctx context.Context, f im.Field) error {
	if err := t.check(true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `INSERT INTO custom_fields (app, kind, key, created, seq)
		SELECT $1, $2, $3, $4, COALESCE(MAX(seq), 0) + 1 FROM custom_fields WHERE app = $1
		ON CONFLICT (app, kind, key) DO NOTHING`, appID(f.App), string(f.Kind), f.Key, f.Created)
	if err == nil && tag.RowsAffected() == 0 {
		err = im.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("put field %s %q: %w", f.Kind, f.Key, err)
	}
	return nil
}

// lockFields takes a transaction-scoped advisory lock on the app's declarations. Rows
// that do not exist yet cannot be locked, and READ COMMITTED would let two transactions
// each count the declarations and both add one past the limit.
const lockFields = `SELECT pg_advisory_xact_lock(hashtextextended('timd.custom_fields', $1))`

// listFields is the statement of ListFields.
const listFields = `SELECT kind, key, created FROM custom_fields WHERE app = $1
	ORDER BY kind, seq, key`

// ListFields returns every field app has declared, by kind and then in the order
// declared. In Update it first locks the app's declarations until commit.
func (t *tx) ListFields(ctx context.Context, app uint64) ([]im.Field, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	if !t.readOnly {
		if _, err := t.exec(ctx, lockFields, appID(app)); err != nil {
			return nil, fmt.Errorf("lock fields: %w", err)
		}
	}
	scan := func(r pgx.CollectableRow) (im.Field, error) {
		f := im.Field{App: app}
		var kind string
		err := r.Scan(&kind, &f.Key, &f.Created)
		f.Kind = im.FieldKind(kind)
		return f, err
	}
	out, err := collect(ctx, t, scan, listFields, appID(app))
	if err != nil {
		return nil, fmt.Errorf("list fields: %w", err)
	}
	return out, nil
}
