package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/transfer"
)

// importCommand is `timd import`.
func importCommand() command {
	return command{
		name: "import", synopsis: "[flags] FILE", summary: "read what export wrote into the configured store",
		config: true, minArgs: 1, maxArgs: 1,
		help: `
Read a document 'timd export' wrote (FILE, or - for stdin) into the configured store, in
one transaction: all of it or nothing. An app that already has accounts or groups is
refused unless -force, which deletes its data first, in the same transaction. Run it while
no server writes to that app. It applies pending migrations to the target store, and warns
when the target app is not in the configuration (timd would not serve its data). On
PostgreSQL it then has the tables analyzed, so that the server plans with statistics.

On a terminal, stderr shows the progress (counts, rate, time left); the summary line goes
to stdout.

Examples:
  timd import app.json
  TIMD_POSTGRES_DSN=postgres://timd@db/timd timd import -force app.json
  timd import -app 1400000002 app.json
  timd export | timd import -data ./copy -
`,
		setup: setupImport,
	}
}

// setupImport registers import's flags.
func setupImport(fs *flag.FlagSet) action {
	appID := fs.Uint64("app", 0, "`SDKAppID` to import into; default: the document's")
	force := fs.Bool("force", false, "replace the app's data if it has any; default: refuse")
	return func(ctx context.Context, c *cli, cfg config.Config, args []string) error {
		d, err := readDocument(args[0])
		if err != nil {
			return err
		}
		target := *appID
		if target == 0 {
			target = d.SDKAppID
		}
		warnUnserved(c, cfg, target)
		st, err := server.OpenStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		m := newMeter(c.stderr, "importing")
		err = transfer.Import(ctx, st, d, transfer.ImportOptions{App: target, Replace: *force, Progress: m.update})
		took := m.finish()
		if errors.Is(err, transfer.ErrNotEmpty) {
			return fmt.Errorf("%w; give -force to replace it", err)
		}
		if err != nil {
			return err
		}
		if a, ok := st.(analyzer); ok {
			// The import has committed: a failure here costs only plans until
			// autovacuum's next pass, so it is a warning.
			if err := a.Analyze(ctx); err != nil {
				c.notef("warning: %v", err)
			}
		}
		_, err = fmt.Fprintf(c.stdout, "timd: imported %v into app %d of %s %s\n", d.Summary(), target, storeName(cfg), took)
		return err
	}
}

// analyzer is a store that can refresh its database's statistics after a bulk load
// (PostgreSQL's).
type analyzer interface {
	Analyze(ctx context.Context) error
}

// readDocument reads and checks the document in the file path, or on stdin for "-".
func readDocument(path string) (*transfer.Document, error) {
	if path == "-" {
		return transfer.Read(os.Stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return transfer.Read(f)
}

// warnUnserved warns when the configuration does not serve app: the import works, but
// timd will not answer for the data until the app is configured.
func warnUnserved(c *cli, cfg config.Config, app uint64) {
	for _, a := range cfg.Apps {
		if a.SDKAppID == app {
			return
		}
	}
	c.notef("warning: app %d is not in the configuration; timd will not serve its data until it is", app)
}
