package server_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/usersig"
)

const testKey = "0123456789abcdef0123456789abcdef"

// MustServe starts a server for cfg on a loopback port and returns its address; the
// server stops when the test ends.
func MustServe(tb testing.TB, cfg config.Config, opts server.Options) string {
	tb.Helper()
	cfg.DataDir = tb.TempDir()
	cfg.Apps[0].SecretKey = testKey
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	srv, err := server.New(context.Background(), cfg, opts)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// apiPath is an account_check call signed for the default app.
func apiPath() string {
	sig := usersig.Mint(1400000000, "administrator", testKey, 3600, time.Now())
	return "/v4/im_open_login_svc/account_check?sdkappid=1400000000&identifier=administrator&usersig=" + sig
}

// MustSelfSignedCert writes a certificate and key for 127.0.0.1 and returns their paths
// and a pool that trusts the certificate.
func MustSelfSignedCert(tb testing.TB) (certFile, keyFile string, pool *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "timd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		tb.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestTLSListener(t *testing.T) {
	certFile, keyFile, pool := MustSelfSignedCert(t)
	cfg := config.Default()
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	addr := MustServe(t, cfg, server.Options{})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Post("https://"+addr+apiPath(), "application/json", strings.NewReader(`{"CheckItem":[{"UserID":"a"}]}`))
	if err != nil {
		t.Fatalf("HTTPS call: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(body), `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0`) {
		t.Errorf("HTTPS answer = %s, want OK", body)
	}
	plain, err := http.Post("http://"+addr+apiPath(), "application/json", strings.NewReader(`{}`))
	if err == nil {
		plain.Body.Close()
		if plain.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS port: HTTP %d, want 400 or a failed call", plain.StatusCode)
		}
	}
}

// TestSlowClientsCannotHoldConnections opens slowloris-style connections that trickle
// their headers and checks that the server drops them at ReadHeader while serving
// everyone else promptly.
func TestSlowClientsCannotHoldConnections(t *testing.T) {
	timeouts := server.Timeouts{ReadHeader: 300 * time.Millisecond, Read: time.Second}
	addr := MustServe(t, config.Default(), server.Options{Timeouts: timeouts})
	const slow = 20
	var wg sync.WaitGroup
	closedAfter := make(chan time.Duration, slow)
	for range slow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			start := time.Now()
			_, _ = io.WriteString(conn, "POST "+apiPath()+" HTTP/1.1\r\nHost: x\r\n")
			for i := 0; i < 50; i++ { // would take 5 s if the server let it
				time.Sleep(100 * time.Millisecond)
				if _, err := io.WriteString(conn, "X-Slow: 1\r\n"); err != nil {
					break
				}
				_ = conn.SetReadDeadline(time.Now().Add(time.Millisecond))
				if _, err := conn.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
					break
				}
			}
			closedAfter <- time.Since(start)
		}()
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	resp, err := http.Post("http://"+addr+apiPath(), "application/json", strings.NewReader(`{"CheckItem":[{"UserID":"a"}]}`))
	if err != nil {
		t.Fatalf("normal call during the slow ones: %v", err)
	}
	resp.Body.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("normal call took %v while slow clients were connected", d)
	}
	wg.Wait()
	close(closedAfter)
	for d := range closedAfter {
		if d > 2*time.Second {
			t.Errorf("a slow client held its connection for %v; ReadHeader is %v", d, timeouts.ReadHeader)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestHeaderSizeLimit(t *testing.T) {
	addr := MustServe(t, config.Default(), server.Options{Timeouts: server.Timeouts{MaxHeaderBytes: 4 << 10}})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "POST "+apiPath()+" HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 64<<10)+"\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB header: HTTP %d, want 431", resp.StatusCode)
	}
}
