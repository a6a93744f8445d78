package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
)

// migrate applies the configured store's pending migrations and reports which store it
// migrated (never the DSN). It needs no secret keys, so it creates no key files.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("timd migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := config.Load(fs, args, lookupEnv)
	if err != nil {
		return err
	}
	store, err := server.MigrateStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	_, err = fmt.Fprintln(stdout, "timd: migrations applied to", store)
	return err
}
