package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/timdhq/timd/internal/store/migration"
)

// migrationFiles holds the schema, one numbered file per change: NNNN_name.sql. Files are
// append-only: a released migration never changes.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]migration.File, error) {
	return migration.Load(migrationFiles, "migrations")
}

// migrate applies the embedded migrations that conn's database lacks, each in its own
// transaction together with its schema_migrations row.
func migrate(ctx context.Context, conn *sql.Conn) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY)`)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	var newest int
	err = conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if known := ms[len(ms)-1].Version; newest > known {
		return fmt.Errorf("sqlite: database schema version %d is newer than this program's %d", newest, known)
	}
	for _, m := range ms {
		if err := applyMigration(ctx, conn, m); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// applyMigration applies m unless it is recorded as applied. It checks inside the write
// transaction, so two processes opening the same file apply m once.
func applyMigration(ctx context.Context, conn *sql.Conn, m migration.File) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	var applied bool
	err = conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations
		WHERE version = ?)`, m.Version).Scan(&applied)
	if err != nil {
		return err
	}
	if !applied {
		if err := execMigration(ctx, conn, m); err != nil {
			return err
		}
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// execMigration runs m's statements and records m.
func execMigration(ctx context.Context, conn *sql.Conn, m migration.File) error {
	if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	_, err := conn.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, m.Version)
	return err
}
