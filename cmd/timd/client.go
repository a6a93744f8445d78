package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/config"
)

// The client side of call and health: where the configured server is and how to reach it.

// serverURL returns the base URL of the server cfg configures: https when it has a
// certificate, and its listen address with a wildcard host replaced by loopback.
func serverURL(cfg config.Config) string {
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + dialAddr(cfg.Listen)
}

// dialAddr returns an address to reach a server listening on addr: a host of "" or an
// unspecified address (0.0.0.0, ::) is the loopback address of its family.
func dialAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch ip := net.ParseIP(host); {
	case host == "":
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified() && ip.To4() != nil:
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

// newClient returns an HTTP client for the server cfg configures. Over TLS it trusts
// the system's roots and the server's own certificate file when it can read it (a
// self-signed certificate, typically); insecure turns verification off.
func newClient(cfg config.Config, timeout time.Duration, insecure bool) *http.Client {
	tlsConf := &tls.Config{InsecureSkipVerify: insecure}
	if !insecure && cfg.TLSCert != "" {
		if pem, err := os.ReadFile(cfg.TLSCert); err == nil {
			pool, err := x509.SystemCertPool()
			if err != nil {
				pool = x509.NewCertPool()
			}
			pool.AppendCertsFromPEM(pem)
			tlsConf.RootCAs = pool
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsConf
	return &http.Client{Timeout: timeout, Transport: tr}
}

// redactSig returns err with every occurrence of the UserSig sig, raw or query-escaped,
// replaced by REDACTED: the errors of net/http quote the whole URL, and a UserSig is a
// credential. The result still unwraps to err, for errors.As.
func redactSig(err error, sig string) error {
	if err == nil || sig == "" {
		return err
	}
	msg := err.Error()
	for _, s := range []string{url.QueryEscape(sig), sig} {
		msg = strings.ReplaceAll(msg, s, "REDACTED")
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError is an error whose text had a secret taken out.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// tlsHint says what to do about a failed TLS handshake with the server, or returns "".
func tlsHint(err error) string {
	var verr *tls.CertificateVerificationError
	var herr x509.HostnameError
	switch {
	case errors.As(err, &herr):
		return fmt.Sprintf("; the server's certificate is not for %q: give -url with a name it is for, or -insecure", herr.Host)
	case errors.As(err, &verr):
		return "; the server's certificate is not trusted here: give -url with a name it is for, or -insecure"
	}
	return ""
}
