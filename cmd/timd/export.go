package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/transfer"
)

// exportCommand is `timd export`.
func exportCommand() command {
	return command{
		name: "export", synopsis: "[flags]", summary: "write one app's accounts, groups, members and mutes as JSON",
		config: true,
		help: `
Write one app's accounts, groups, members and mute records as one JSON document, to
stdout or to -o FILE (mode 0600, renamed into place when complete), for a backup or to
move the app to another store with 'timd import'. The file is also a seed: a server started
with -seed FILE (TIMD_SEED) loads it as fixtures. It reads the configured store directly,
in one consistent snapshot, so it is safe while a server runs; it refuses a data
directory with no database rather than export nothing. It writes each group as it reads
it, holding one group's members at a time, so its memory does not grow with the app; an
export that fails on stdout leaves part of a document there (and exits non-zero).

On a terminal, stderr shows the progress (counts, rate, time left); elsewhere one summary
line at the end.

Examples:
  timd export -o app.json
  timd export -app 1400000001 > other.json
  TIMD_POSTGRES_DSN=postgres://timd@db/timd timd export -o app.json
`,
		setup: setupExport,
	}
}

// setupExport registers export's flags.
func setupExport(fs *flag.FlagSet) action {
	appID := fs.Uint64("app", 0, "`SDKAppID` of the app to export; default: the first app")
	out := fs.String("o", "", "write to this `file` (mode 0600) instead of stdout")
	return func(ctx context.Context, c *cli, cfg config.Config, _ []string) error {
		if *appID == 0 {
			*appID = cfg.Apps[0].SDKAppID
		}
		st, err := openExisting(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		m := newMeter(c.stderr, "exporting")
		var sum transfer.Summary
		err = writeDocument(*out, c.stdout, func(w io.Writer) error {
			var err error
			sum, err = transfer.ExportTo(ctx, st, *appID, w, transfer.ExportOptions{Progress: m.update})
			return err
		})
		took := m.finish()
		if err != nil {
			return err
		}
		c.notef("exported %v of app %d from %s %s", sum, *appID, storeName(cfg), took)
		return nil
	}
}

// openExisting opens the configured store for export, refusing to create an empty
// SQLite database where none is: a mistyped -data would otherwise export nothing.
func openExisting(ctx context.Context, cfg config.Config) (im.Store, error) {
	if cfg.PostgresDSN == "" {
		path := filepath.Join(cfg.DataDir, "timd.db")
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no database to export: %w; point data (TIMD_DATA, -data) or postgres_dsn (TIMD_POSTGRES_DSN, -postgres-dsn) at the server's", err)
		}
	}
	return server.OpenStore(ctx, cfg)
}

// writeDocument has write write the document, buffered, to the file path, or to stdout
// when path is "". A file is written beside its final name and renamed into place, so it
// is never seen half written; stdout gets the document as it is written.
func writeDocument(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" {
		bw := bufio.NewWriterSize(stdout, 1<<16)
		return errors.Join(write(bw), bw.Flush())
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	err = errors.Join(write(bw), bw.Flush())
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
