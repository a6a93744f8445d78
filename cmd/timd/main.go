// Command timd serves Tencent Cloud Chat's group and account REST API.
//
// Usage:
//
//	timd [COMMAND] [flags] [arguments]
//
// The commands:
//
//	serve       run the server (the default command: timd -listen X is timd serve -listen X)
//	migrate     apply the store's pending schema migrations and exit
//	usersig     print a UserSig for an admin of a configured app
//	call        sign and send one REST call to a running server, print the answer
//	health      check that a running server is ready: exit 0 if so, 1 if not
//	export      write one app's accounts, groups, members and mutes as JSON
//	import      read what export wrote into the configured store
//	version     print timd's version, also as timd -version or --version
//	completion  print a shell completion script for bash or zsh
//	help        print help about timd or one of its commands
//
// `timd help COMMAND` gives a command's flags and examples. Flags go before the
// arguments. Every command but version, completion and help reads the configuration as
// the server does (flags, then TIMD_* variables, then the config file, then defaults).
// usersig and call sign with the configured app's key as the server reads it and never
// create one. The exit status is 0 on success, 1 on a failure (for call, also a FAIL
// answer), and 2 for a command line that cannot run.
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
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopWithGoRun()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	if err != nil {
		report(os.Stderr, err)
	}
	os.Exit(exitCode(err))
}
