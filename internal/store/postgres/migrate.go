package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/store/migration"
)

// migrationFiles holds the schema, one numbered file per change: NNNN_name.sql, the
// PostgreSQL dialect of the SQLite store's schema (their numbers agree up to 0003; SQLite's
// 0004 reorders its members table, which PostgreSQL does not need). Files are
// append-only: a released migration never changes.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the pg_advisory_lock key that serializes migrations: every timd
// process migrating any schema of the database takes it, so replicas that start together
// apply each migration once. It is "timd" in ASCII.
const migrationLockKey int64 = 0x74696d64

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]migration.File, error) {
	return migration.Load(migrationFiles, "migrations")
}

// Migrate applies the embedded migrations that the database dsn names lacks, in the schema
// its search_path selects, and returns. Open does the same before it serves; Migrate is for
// running them alone (timd migrate). The DSN never appears in its errors.
func Migrate(ctx context.Context, dsn string) error {
	cfg, err := parseConfig(dsn)
	if err != nil {
		return err
	}
	return migrateWith(ctx, cfg.ConnConfig)
}

// MigrateConfig is Migrate for a connection configuration already parsed, e.g. one whose
// run-time search_path selects a schema of the caller's.
func MigrateConfig(ctx context.Context, cfg *pgx.ConnConfig) error {
	return migrateWith(ctx, cfg)
}

// migrateWith connects with cfg on a connection of its own, which carries the session's
// advisory lock and is closed at the end: the lock cannot outlive the migration, even when
// its explicit release fails.
func migrateWith(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := migrate(ctx, conn); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// migrate applies the pending migrations on conn while it holds the migration lock, each in
// its own transaction together with its schema_migrations row. schema_migrations itself is
// created under the lock too: two sessions creating it at once would collide.
func migrate(ctx context.Context, conn *pgx.Conn) (err error) {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	defer func() {
		_, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockKey)
		err = errors.Join(err, uerr)
	}()
	_, err = conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`)
	if err != nil {
		return err
	}
	var newest int
	err = conn.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest)
	if err != nil {
		return err
	}
	if known := ms[len(ms)-1].Version; newest > known {
		return fmt.Errorf("database schema version %d is newer than this program's %d", newest, known)
	}
	for _, m := range ms {
		if m.Version <= newest {
			continue
		}
		if err := applyMigration(ctx, conn, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// applyMigration runs m's statements and records m in one transaction.
func applyMigration(ctx context.Context, conn *pgx.Conn, m migration.File) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// Without arguments pgx sends the file as one simple query, which may hold many
		// statements.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version)
		return err
	})
}
