package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/config"
)

// healthCommand is `timd health`.
func healthCommand() command {
	return command{
		name: "health", synopsis: "[flags]", summary: "check that a running server is ready: exit 0 if so, 1 if not",
		config: true,
		help: `
Ask a running server whether it is ready (GET /readyz: it serves and its database
answers) and exit 0 if it is, 1 if it is not or does not answer. It is the HEALTHCHECK of
deploy/Dockerfile, whose distroless image has no shell or curl.

The server is found as call finds it: its listen address (a wildcard host is reached on
loopback), over https when tls_cert is set, unless -url says otherwise. health sends no
credentials and, over TLS, does not verify the server's certificate: it checks readiness,
not identity. It needs no secret key.

With -wait it checks again until the server is ready or the time is up: a script that
starts timd in the background can wait for it with 'timd health -wait 10s'.

Examples:
  timd health
  timd health -wait 10s
  timd health -url https://chat.example.com:8443 -timeout 2s
`,
		setup: setupHealth,
	}
}

// setupHealth registers health's flags.
func setupHealth(fs *flag.FlagSet) action {
	base := fs.String("url", "", "base `URL` of the server; default: https:// when tls_cert is set, else http://, and the listen address")
	timeout := fs.Duration("timeout", 5*time.Second, "give up on one check after this `duration`")
	wait := fs.Duration("wait", 0, "check again, every 100ms, until the server is ready or this `duration` has passed; default 0, one check")
	return func(ctx context.Context, c *cli, cfg config.Config, _ []string) error {
		if *base == "" {
			*base = serverURL(cfg)
		}
		client := newClient(cfg, *timeout, true)
		u := strings.TrimRight(*base, "/") + "/readyz"
		deadline := time.Now().Add(*wait)
		for {
			err := checkReady(ctx, client, u)
			if err == nil {
				_, err = fmt.Fprintf(c.stdout, "%s: ready\n", *base)
				return err
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// checkReady asks u (a /readyz URL) once whether the server is ready.
func checkReady(ctx context.Context, client *http.Client, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s is not ready: HTTP %s %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
