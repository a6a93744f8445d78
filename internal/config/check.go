package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5/pgconn"
)

// The checks of this file read files or parse what Validate leaves to the code that
// uses a setting. Each error names the setting in its three forms and says what to do.

// CheckTLS checks that the TLS certificate and key files, when set, can be read and
// belong together, so that a server fails at start-up with a message naming the setting
// rather than after it has started to listen.
func (c *Config) CheckTLS() error {
	if c.TLSCert == "" && c.TLSKey == "" {
		return nil
	}
	for _, f := range []struct{ flag, path, what string }{
		{"tls-cert", c.TLSCert, "the PEM file of the server's certificate (and its chain)"},
		{"tls-key", c.TLSKey, "the PEM file of the certificate's private key"},
	} {
		if _, err := os.ReadFile(f.path); err != nil {
			return fmt.Errorf("config: %s: %w; give %s, or set neither tls_cert nor tls_key to serve plain HTTP",
				setting(f.flag), err, f.what)
		}
	}
	if _, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey); err != nil {
		return fmt.Errorf("config: %s and %s: %w; give a PEM certificate and the private key it was made for",
			setting("tls-cert"), setting("tls-key"), err)
	}
	return nil
}

// CheckDataDir creates the data directory dir (mode 0700) if it does not exist and
// checks that this process can create files in it and write each of files in it that
// exists: the SQLite database, for example, which a read-only directory or file would
// otherwise refuse as "unable to open database file".
func CheckDataDir(dir string, files ...string) error {
	hint := fmt.Sprintf("make it writable by this user (uid %d), or point %s at a directory that is", os.Geteuid(), setting("data"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config: data directory %s cannot be created: %w; %s", dir, err, hint)
	}
	probe, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("config: data directory %s is not writable: %w; %s", dir, err, hint)
	}
	probe.Close()
	os.Remove(probe.Name())
	for _, name := range files {
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("config: %s in the data directory is not writable: %w; %s", path, err, hint)
		}
		f.Close()
	}
	return nil
}

// dsnForms shows the forms of PostgreSQL DSN that timd accepts.
const dsnForms = "a URL such as postgres://user:password@127.0.0.1:5432/timd?sslmode=disable, " +
	"or key=value pairs such as 'host=127.0.0.1 port=5432 user=timd password=secret dbname=timd sslmode=disable'"

// checkDSN reports a PostgreSQL DSN that cannot be parsed, without showing it: it may
// hold a password.
func checkDSN(p *problems, dsn string) {
	if dsn == "" {
		return
	}
	_, err := pgconn.ParseConfig(dsn)
	if err == nil {
		return
	}
	reason := ""
	// A URL's parse error names what is wrong without the password; pgconn's own errors
	// quote the DSN, masked only on a best-effort basis, so they are not shown.
	if uerr := (*url.Error)(nil); errors.As(err, &uerr) {
		reason = " (" + uerr.Err.Error() + ")"
	}
	p.add(fmt.Errorf("config: %s: cannot be parsed%s; the value is not shown as it may hold a password. Give %s",
		setting("postgres-dsn"), reason, dsnForms))
}
