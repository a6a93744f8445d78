package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/usersig"
)

// usersigCommand is `timd usersig`.
func usersigCommand() command {
	return command{
		name: "usersig", synopsis: "[flags]", summary: "print a UserSig for an admin of a configured app",
		config: true,
		help: `
Print a UserSig (TLS sig v2) for an account of a configured app, signed with the app's
secret key as the server reads it: give usersig the server's configuration, the same
-config, -data, TIMD_* variables or -secret-key. The server's first log line has the
usersig command for its own configuration ("usersig_hint").

usersig never creates a key: with no key given and no key file in the data directory it
fails, where a new key would only sign UserSigs the server refuses (70009). It says on
stderr which app, account and key source it used; only the UserSig goes to stdout.

Examples:
  timd usersig
  SIG=$(timd usersig -data /var/lib/timd)
  timd usersig -config timd.json -app 1400000001 -identifier ops -expire 3600
`,
		setup: setupUsersig,
	}
}

// setupUsersig registers usersig's flags.
func setupUsersig(fs *flag.FlagSet) action {
	identifier := fs.String("identifier", "", "`account` to sign for; default: the app's first admin")
	expire := fs.Int64("expire", 180*86400, "validity in `seconds` (15552000 is 180 days)")
	appID := fs.Uint64("app", 0, "`SDKAppID` of the app to sign for; default: the first app")
	return func(_ context.Context, c *cli, cfg config.Config, _ []string) error {
		if *expire <= 0 {
			return usageErrorf("usersig", "-expire must be positive")
		}
		if err := cfg.ReadSecrets(); err != nil {
			return err
		}
		warn(c, cfg)
		app, err := pickApp(cfg, *appID)
		if err != nil {
			return err
		}
		if *identifier == "" {
			*identifier = app.Admins[0]
		}
		c.notef("UserSig for %s of app %d, valid %s, signed with the key from %s",
			*identifier, app.SDKAppID, validity(*expire), app.KeySource)
		_, err = fmt.Fprintln(c.stdout, usersig.Mint(app.SDKAppID, *identifier, app.SecretKey, *expire, time.Now()))
		return err
	}
}

// validity describes a validity of seconds for people.
func validity(seconds int64) string {
	if seconds%86400 == 0 {
		return fmt.Sprintf("%d days", seconds/86400)
	}
	return (time.Duration(seconds) * time.Second).String()
}

// warn prints the configuration's warnings on stderr.
func warn(c *cli, cfg config.Config) {
	for _, w := range cfg.Warnings() {
		c.notef("warning: %s", w)
	}
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

// usersigHint returns the usersig command line that signs for the first app of cfg, the
// configuration of a server started as prog (a command line prefix, such as "go run
// ./cmd/timd"): its settings as flags, which beat whatever the shell it is pasted into has
// in its environment. A key given inline is not shown.
func usersigHint(prog string, cfg config.Config) string {
	def := config.Default()
	args := []string{prog, "usersig"}
	if cfg.File != "" {
		args = append(args, "-config", cfg.File)
	}
	if cfg.DataDir != def.DataDir {
		args = append(args, "-data", cfg.DataDir)
	}
	app := cfg.Apps[0]
	if app.SDKAppID != def.Apps[0].SDKAppID {
		args = append(args, "-sdkappid", strconv.FormatUint(app.SDKAppID, 10))
	}
	if app.Admins[0] != def.Apps[0].Admins[0] {
		args = append(args, "-identifier", app.Admins[0])
	}
	for i, a := range args[1:] {
		args[i+1] = shellQuote(a)
	}
	line := strings.Join(args, " ")
	switch app.KeySource {
	case "TIMD_SECRET_KEY", "-secret-key":
		line = "TIMD_SECRET_KEY=<the key given in " + app.KeySource + "> " + line
	}
	return line
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// progName returns how the user ran this program, for the commands timd suggests: the
// `go run` command when the go tool ran it, else the program name as it was typed.
func progName() string {
	if run, ok := goRunCommand(); ok {
		return run
	}
	if len(os.Args) == 0 || os.Args[0] == "" {
		return "timd"
	}
	return os.Args[0]
}
