package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
)

// migrateCommand is `timd migrate`.
func migrateCommand() command {
	return command{
		name: "migrate", synopsis: "[flags]", summary: "apply the store's pending schema migrations and exit",
		config: true,
		help: `
Apply the configured store's pending schema migrations and exit, for a deployment that
migrates before it rolls out new replicas. On PostgreSQL it holds an advisory lock, so
replicas starting meanwhile wait; on SQLite it creates or upgrades <data>/timd.db. It
reports which store it migrated, never the DSN, and needs no secret key.

Examples:
  TIMD_POSTGRES_DSN=postgres://timd@db/timd timd migrate
  timd migrate -data /var/lib/timd
`,
		setup: func(*flag.FlagSet) action { return migrate },
	}
}

// migrate applies the configured store's pending migrations and reports which store it
// migrated (never the DSN). It needs no secret keys, so it creates no key files.
func migrate(ctx context.Context, c *cli, cfg config.Config, _ []string) error {
	store, err := server.MigrateStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	_, err = fmt.Fprintln(c.stdout, "timd: migrations applied to", store)
	return err
}
