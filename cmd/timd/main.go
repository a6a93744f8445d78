// Command timd serves Tencent Cloud Chat's group and account REST API.
//
// Usage:
//
//	timd [serve] [flags]     run the server (the default)
//	timd migrate [flags]     apply the store's pending schema migrations and exit
//	timd usersig [flags]     print a UserSig for an app admin
//	timd call [flags] COMMAND [JSON]
//	                         sign and send one REST call to a running server, print the answer
//	timd export [flags] [-app N] [-o FILE]
//	                         write one app's accounts, groups, members and mutes as JSON
//	timd import [flags] [-app N] [-force] FILE
//	                         read what export wrote into the configured store
//	timd version             print the version
//
// Every subcommand takes the configuration flags; `timd serve -h` lists them.
//
// The store is SQLite under the data directory, or PostgreSQL when TIMD_POSTGRES_DSN (or
// -postgres-dsn, or postgres_dsn in the config file) is set. serve applies pending schema
// migrations itself when it starts, under a PostgreSQL advisory lock, so replicas starting
// together apply each one once; `timd migrate` applies them alone, for a deployment that
// migrates before it rolls out new replicas. For SQLite, migrating is opening the database.
//
// export and import work on the configured store directly, not through a server: export
// reads one consistent snapshot; import writes in one transaction and refuses an app that
// already has accounts or groups unless -force, which replaces them. Export from one
// store and import into another to move an app between SQLite and PostgreSQL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "timd:", err)
		os.Exit(1)
	}
}

// run runs the subcommand named by args[0] (serve when there is none).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	sub := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "serve":
		return serve(ctx, args, stderr, lookupEnv)
	case "migrate":
		return migrate(ctx, args, stdout, stderr, lookupEnv)
	case "usersig":
		return printUserSig(args, stdout, stderr, lookupEnv)
	case "call":
		return call(ctx, args, stdout, stderr, lookupEnv)
	case "export":
		return export(ctx, args, stdout, stderr, lookupEnv)
	case "import":
		return importApp(ctx, args, stdout, stderr, lookupEnv)
	case "version":
		_, err := fmt.Fprintln(stdout, "timd", version)
		return err
	}
	return fmt.Errorf("unknown command %q (want serve, migrate, usersig, call, export, import or version)", sub)
}
