package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mustKeyPair writes a self-signed certificate and its key to dir and returns the paths.
func mustKeyPair(t *testing.T, dir, name string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func TestCheckTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := mustKeyPair(t, dir, "a")
	_, otherKey := mustKeyPair(t, dir, "b")
	tests := []struct {
		name       string
		cert, key  string
		want       []string // parts of the error; none for no error
		wantAbsent string
	}{
		{"off", "", "", nil, ""},
		{"good", cert, key, nil, ""},
		{"missing cert", "/nonexistent/x.pem", key, []string{"tls_cert (TIMD_TLS_CERT, -tls-cert)", "/nonexistent/x.pem", "no such file", "plain HTTP"}, "TIMD_TLS_KEY"},
		{"missing key", cert, "/nonexistent/k.pem", []string{"tls_key (TIMD_TLS_KEY, -tls-key)", "/nonexistent/k.pem", "private key"}, ""},
		{"key of another cert", cert, otherKey, []string{"tls_cert (TIMD_TLS_CERT, -tls-cert) and tls_key (TIMD_TLS_KEY, -tls-key)", "does not match"}, ""},
		{"not PEM", key, cert, []string{"tls_cert", "tls_key"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.TLSCert, c.TLSKey = tt.cert, tt.key
			err := c.CheckTLS()
			if tt.want == nil {
				if err != nil {
					t.Errorf("CheckTLS: got %v, want nil", err)
				}
				return
			}
			wantErr(t, err, tt.want...)
			if tt.wantAbsent != "" && strings.Contains(err.Error(), tt.wantAbsent) {
				t.Errorf("got %q, want it not to mention %s", err, tt.wantAbsent)
			}
		})
	}
}

func TestCheckDataDir(t *testing.T) {
	t.Run("created", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b")
		if err := CheckDataDir(dir, "timd.db"); err != nil {
			t.Fatal(err)
		}
		checkMode(t, dir, os.ModeDir|0o700)
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("data directory after the check holds %d entries, want none", len(entries))
		}
	})
	t.Run("under a file", func(t *testing.T) {
		dir := filepath.Join(MustWriteFile(t, "x"), "data")
		wantErr(t, CheckDataDir(dir), dir, "data (TIMD_DATA, -data)", "cannot be created")
	})
	t.Run("read-only", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes to read-only directories")
		}
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o700)
		wantErr(t, CheckDataDir(dir), dir, "not writable", "data (TIMD_DATA, -data)")
	})
	t.Run("read-only database", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes to read-only files")
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "timd.db"), nil, 0o400); err != nil {
			t.Fatal(err)
		}
		wantErr(t, CheckDataDir(dir, "timd.db"), filepath.Join(dir, "timd.db"), "not writable")
	})
}

func TestDSNErrors(t *testing.T) {
	for _, dsn := range []string{
		"postgres://user:hunter2@db:port/timd",
		"host=db password='hunter2",
		"postgres://user:hunter2@db/timd?sslmode=sometimes",
	} {
		t.Run(dsn, func(t *testing.T) {
			c := Default()
			c.PostgresDSN = dsn
			err := c.Validate()
			wantErr(t, err, "postgres_dsn (TIMD_POSTGRES_DSN, -postgres-dsn)", "postgres://user:password@127.0.0.1:5432/timd", "host=127.0.0.1")
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
	c := Default()
	c.PostgresDSN = "postgres://user:hunter2@db:5432/timd?sslmode=disable"
	if err := c.Validate(); err != nil {
		t.Errorf("Validate with a good DSN: %v", err)
	}
}
