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

// serve runs the server until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, args []string, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("timd serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := loadConfig(fs, args, lookupEnv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
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
		return err
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	app := cfg.Apps[0]
	log.Info("timd listening", "addr", ln.Addr().String(), "sdkappid", app.SDKAppID, "data", storeName(cfg),
		"usersig_hint", fmt.Sprintf("get a UserSig with: timd usersig -identifier %s, then POST %s://%s/v4/im_open_login_svc/account_check?sdkappid=%d&identifier=%s&usersig=SIG&random=1&contenttype=json",
			app.Admins[0], scheme, ln.Addr(), app.SDKAppID, app.Admins[0]))
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

// loadConfig loads the configuration and resolves the apps' secret keys.
func loadConfig(fs *flag.FlagSet, args []string, lookupEnv func(string) (string, bool)) (config.Config, error) {
	cfg, err := config.Load(fs, args, lookupEnv)
	if err != nil {
		return cfg, err
	}
	if err := cfg.ResolveSecrets(); err != nil {
		return cfg, err
	}
	return cfg, nil
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
