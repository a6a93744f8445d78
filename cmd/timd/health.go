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

Examples:
  timd health
  timd health -url https://chat.example.com:8443 -timeout 2s
`,
		setup: setupHealth,
	}
}

// setupHealth registers health's flags.
func setupHealth(fs *flag.FlagSet) action {
	base := fs.String("url", "", "base `URL` of the server; default: https:// when tls_cert is set, else http://, and the listen address")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this `duration`")
	return func(ctx context.Context, c *cli, cfg config.Config, _ []string) error {
		if *base == "" {
			*base = serverURL(cfg)
		}
		u := strings.TrimRight(*base, "/") + "/readyz"
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := newClient(cfg, *timeout, true).Do(req)
		if err != nil {
			return fmt.Errorf("health: %w", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("health: %s is not ready: HTTP %s %s", u, resp.Status, strings.TrimSpace(string(body)))
		}
		_, err = fmt.Fprintf(c.stdout, "%s: ready\n", *base)
		return err
	}
}
