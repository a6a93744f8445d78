package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/usersig"
)

// printUserSig prints a UserSig for an identifier of a configured app.
func printUserSig(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("timd usersig", flag.ContinueOnError)
	fs.SetOutput(stderr)
	identifier := fs.String("identifier", "", "account to sign for (default: the app's first admin)")
	expire := fs.Int64("expire", 180*86400, "validity in seconds")
	appID := fs.Uint64("app", 0, "SDKAppID of the app to sign for (default: the first app)")
	cfg, err := loadConfig(fs, args, lookupEnv)
	if err != nil {
		return err
	}
	app, err := pickApp(cfg, *appID)
	if err != nil {
		return err
	}
	if *identifier == "" {
		*identifier = app.Admins[0]
	}
	if *expire <= 0 {
		return fmt.Errorf("-expire must be positive")
	}
	_, err = fmt.Fprintln(stdout, usersig.Mint(app.SDKAppID, *identifier, app.SecretKey, *expire, time.Now()))
	return err
}

// pickApp returns the app with SDKAppID id, or the first app when id is 0.
func pickApp(cfg config.Config, id uint64) (config.App, error) {
	if id == 0 {
		return cfg.Apps[0], nil
	}
	for _, a := range cfg.Apps {
		if a.SDKAppID == id {
			return a, nil
		}
	}
	return config.App{}, fmt.Errorf("no app with SDKAppID %d is configured", id)
}
