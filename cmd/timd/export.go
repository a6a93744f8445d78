package main

import (
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

// export writes one app's data from the configured store as a JSON document, to stdout
// or to -o FILE: timd export [flags] [-app N] [-o FILE].
func export(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("timd export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	appID := fs.Uint64("app", 0, "SDKAppID of the app to export (default: the first app)")
	out := fs.String("o", "", "write to this `file` (mode 0600) instead of stdout")
	cfg, err := config.Load(fs, args, lookupEnv)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("usage: timd export [flags] [-app N] [-o FILE]")
	}
	if *appID == 0 {
		*appID = cfg.Apps[0].SDKAppID
	}
	st, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := transfer.Export(ctx, st, *appID)
	if err != nil {
		return err
	}
	if err := writeDocument(*out, stdout, d); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stderr, "timd: exported %v of app %d from %s\n", d.Summary(), *appID, storeName(cfg))
	return err
}

// openExisting opens the configured store for export, refusing to create an empty
// SQLite database where none is: a mistyped -data would otherwise export nothing.
func openExisting(ctx context.Context, cfg config.Config) (im.Store, error) {
	if cfg.PostgresDSN == "" {
		path := filepath.Join(cfg.DataDir, "timd.db")
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no database to export: %w", err)
		}
	}
	return server.OpenStore(ctx, cfg)
}

// writeDocument writes d to the file path, or to stdout when path is "". A file is
// written beside its final name and renamed into place, so it is never seen half
// written.
func writeDocument(path string, stdout io.Writer, d *transfer.Document) error {
	if path == "" {
		return transfer.Write(stdout, d)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = transfer.Write(f, d)
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
