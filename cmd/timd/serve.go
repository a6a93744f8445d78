package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
)

// serveCommand is `timd serve`, the command timd runs when given none.
func serveCommand() command {
	return command{
		name: "serve", synopsis: "[flags]", summary: "run the server (the default command)",
		config: true,
		help: `
Serve the REST API until SIGTERM or SIGINT, then finish the requests in flight (for up
to -shutdown-timeout) and exit 0. Pending schema migrations are applied at start-up.

The configuration comes from the flags below, then the TIMD_* environment variable
named in each flag's text, then the config file (-config or TIMD_CONFIG; its format is
in 'go doc ./internal/config'), then the defaults. An app with no secret key gets one
created in <data>/secret-<sdkappid>.key on first start. The first log line says where
the server listens and gives the 'timd usersig' command for this configuration.

Examples:
  timd
  timd serve -listen 0.0.0.0:8080 -data /var/lib/timd
  TIMD_POSTGRES_DSN=postgres://timd@127.0.0.1/timd timd serve
  timd serve -config timd.json -tls-cert cert.pem -tls-key key.pem
`,
		setup: func(*flag.FlagSet) action { return serve },
	}
}

// serve runs the server until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, c *cli, cfg config.Config, _ []string) error {
	if err := cfg.CheckTLS(); err != nil {
		return err
	}
	if err := cfg.ResolveSecrets(); err != nil {
		return err
	}
	log := newLogger(c.stderr, cfg.LogLevel)
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	srv, err := server.New(ctx, cfg, server.Options{Logger: log})
	if err != nil {
		return err
	}
	if cfg.DebugListen != "" {
		stop, err := startDebug(cfg.DebugListen, log)
		if err != nil {
			_ = srv.Shutdown(context.Background())
			return err
		}
		defer stop()
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		_ = srv.Shutdown(context.Background())
		return fmt.Errorf("listen (TIMD_LISTEN, -listen): %w", err)
	}
	logListening(log, cfg, ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		_ = srv.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return <-errc
}

// logListening logs the first line: where timd listens, the app, where its key comes
// from, and how to make a first call.
func logListening(log *slog.Logger, cfg config.Config, addr string) {
	listening := cfg
	listening.Listen = addr
	app := cfg.Apps[0]
	log.Info("timd listening", "addr", addr, "sdkappid", app.SDKAppID, "data", storeName(cfg), "key", app.KeySource,
		"usersig_hint", fmt.Sprintf("get a UserSig with: %s; then POST %s/v4/im_open_login_svc/account_check?sdkappid=%d&identifier=%s&usersig=SIG&random=1&contenttype=json",
			usersigHint(progName(), cfg), serverURL(listening), app.SDKAppID, app.Admins[0]))
}

// newLogger returns a JSON logger at level.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// storeName says where the data lives, without credentials.
func storeName(cfg config.Config) string {
	if cfg.PostgresDSN != "" {
		return "postgresql"
	}
	return "sqlite:" + cfg.DataDir
}
