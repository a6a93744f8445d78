package bench

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// The generator only ever sends traffic to this machine: every address it is given is
// checked here first.

// CheckLoopbackHost returns an error unless host is "localhost" or a loopback IP address.
// Other names are refused without a lookup: what they resolve to may change.
func CheckLoopbackHost(host string) error {
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err == nil && ip.Unmap().IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address: timbench only sends traffic to this machine (127.0.0.1, ::1, localhost)", host)
}

// CheckLoopbackHostPort checks the host of a host:port address.
func CheckLoopbackHostPort(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	return CheckLoopbackHost(host)
}

// CheckLoopbackURL checks that raw is an http URL of a loopback host.
func CheckLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("URL %q: %w", raw, err)
	}
	if u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("URL %q: want http://HOST:PORT", raw)
	}
	return CheckLoopbackHost(u.Hostname())
}

// CheckLoopbackDSN checks that every host a PostgreSQL DSN names (fallbacks included) is
// a loopback address or a Unix socket directory. The error never shows the DSN, which
// may hold a password.
func CheckLoopbackDSN(dsn string) error {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("the PostgreSQL DSN does not parse")
	}
	hosts := []string{cfg.Host}
	for _, f := range cfg.Fallbacks {
		hosts = append(hosts, f.Host)
	}
	for _, h := range hosts {
		if strings.HasPrefix(h, "/") {
			continue // a Unix socket
		}
		if err := CheckLoopbackHost(h); err != nil {
			return fmt.Errorf("PostgreSQL DSN: %w", err)
		}
	}
	return nil
}
