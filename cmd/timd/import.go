package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/transfer"
)

// importApp reads a document `timd export` wrote and writes it into the configured
// store: timd import [flags] [-app N] [-force] FILE ("-" for stdin).
func importApp(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("timd import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	appID := fs.Uint64("app", 0, "SDKAppID to import into (default: the document's)")
	force := fs.Bool("force", false, "replace the app's data if it has any (default: refuse)")
	cfg, err := config.Load(fs, args, lookupEnv)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: timd import [flags] [-app N] [-force] FILE (- for stdin)")
	}
	d, err := readDocument(fs.Arg(0))
	if err != nil {
		return err
	}
	target := *appID
	if target == 0 {
		target = d.SDKAppID
	}
	warnUnserved(stderr, cfg, target)
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	err = transfer.Import(ctx, st, d, transfer.ImportOptions{App: target, Replace: *force})
	if errors.Is(err, transfer.ErrNotEmpty) {
		return fmt.Errorf("%w; give -force to replace it", err)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "timd: imported %v into app %d of %s\n", d.Summary(), target, storeName(cfg))
	return err
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
func warnUnserved(stderr io.Writer, cfg config.Config, app uint64) {
	for _, a := range cfg.Apps {
		if a.SDKAppID == app {
			return
		}
	}
	fmt.Fprintf(stderr, "timd: warning: app %d is not in the configuration; timd will not serve its data until it is\n", app)
}
