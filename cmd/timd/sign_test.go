package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/usersig"
)

// The tests of the commands that sign for a running server, usersig and call, and of
// health: which key they use, that they create none, and how call and health end.

const signKey = "5f0a8c1e9b7d4f3a2c6e8b0d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a"

// verifies reports whether sig is a valid UserSig of the development admin under key.
func verifies(sig, key string) bool {
	_, err := usersig.Verify(strings.TrimSpace(sig), 1400000000, devAdmin, key, time.Now())
	return err == nil
}

func TestUsersigKeySource(t *testing.T) {
	dataDir := t.TempDir()
	keyFile := filepath.Join(dataDir, "secret-1400000000.key")
	if err := os.WriteFile(keyFile, []byte(signKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "timd.json")
	const fileKey = "abcdefabcdefabcdefabcdefabcdefabcdefabcdef"
	if err := os.WriteFile(conf, []byte(`{"apps":[{"sdkappid":1400000000,"secret_key":"`+fileKey+`"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	const envKey, flagKey = "envkeyenvkeyenvkeyenvkeyenvkeyenvkey", "flagkeyflagkeyflagkeyflagkeyflagkey"
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		key     string // the key the UserSig must verify with
		source  string // what stderr must name
		warning bool
	}{
		{"key file of TIMD_DATA", map[string]string{"TIMD_DATA": dataDir}, nil, signKey, "key file " + keyFile, false},
		{"key file of -data", nil, []string{"-data", dataDir}, signKey, "key file " + keyFile, false},
		{"config file", map[string]string{"TIMD_DATA": dataDir}, []string{"-config", conf}, fileKey, "apps[0].secret_key in " + conf, false},
		{"TIMD_CONFIG", map[string]string{"TIMD_DATA": dataDir, "TIMD_CONFIG": conf}, nil, fileKey, "apps[0].secret_key in " + conf, false},
		{"env beats file", map[string]string{"TIMD_CONFIG": conf, "TIMD_SECRET_KEY": envKey}, nil, envKey, "TIMD_SECRET_KEY", false},
		{"flag beats env", map[string]string{"TIMD_SECRET_KEY": envKey}, []string{"-secret-key", flagKey}, flagKey, "-secret-key", false},
		{"short key", map[string]string{"TIMD_SECRET_KEY": "tiny"}, nil, "tiny", "TIMD_SECRET_KEY", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runArgs(t, tt.env, append([]string{"usersig"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("timd usersig: exit %d\n%s", code, errOut)
			}
			if !verifies(out, tt.key) {
				t.Errorf("the UserSig does not verify with the key from %s", tt.source)
			}
			if !strings.Contains(errOut, "app 1400000000") || !strings.Contains(errOut, "key from "+tt.source+"\n") {
				t.Errorf("stderr: got %q, want it to name the app and the key source %q", errOut, tt.source)
			}
			if strings.Contains(errOut, tt.key) {
				t.Errorf("stderr shows the key: %q", errOut)
			}
			if got := strings.Contains(errOut, "warning:"); got != tt.warning {
				t.Errorf("stderr: got %q, want a warning %v", errOut, tt.warning)
			}
		})
	}
}

// TestSigningCommandsCreateNoKey is the report's trap: usersig and call without the
// server's configuration must fail, saying what to give, and create nothing.
func TestSigningCommandsCreateNoKey(t *testing.T) {
	for _, args := range [][]string{{"usersig"}, {"call", "im_open_login_svc/account_check"}} {
		dataDir := filepath.Join(t.TempDir(), "timd-data")
		out, errOut, code := runArgs(t, map[string]string{"TIMD_DATA": dataDir}, args...)
		if code != 1 || out != "" {
			t.Errorf("timd %s without a key: got exit %d, stdout %q; want 1 and nothing", args[0], code, out)
		}
		for _, want := range []string{filepath.Join(dataDir, "secret-1400000000.key"), "does not exist", "TIMD_DATA", "-config", "TIMD_SECRET_KEY"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("timd %s: got %q, want it to name %q", args[0], errOut, want)
			}
		}
		if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
			t.Errorf("timd %s created %s", args[0], dataDir)
		}
	}
}

// mustCert writes a self-signed certificate for 127.0.0.1 and its key, and returns their
// paths.
func mustCert(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "timd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// serveEnv starts timd in this process with the configuration of env on a loopback port
// and returns env with TIMD_LISTEN set to that port, for the commands that call it.
func serveEnv(t *testing.T, env map[string]string) map[string]string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out := map[string]string{"TIMD_LISTEN": addr}
	for k, v := range env {
		out[k] = v
	}
	serveOn(t, out, addr)
	return out
}

// serveOn starts timd in this process with the configuration of env on addr, until the
// test ends.
func serveOn(t *testing.T, env map[string]string, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ResolveSecrets(); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(t.Context(), cfg, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	})
}

func TestCall(t *testing.T) {
	cert, key := mustCert(t)
	for _, tls := range []bool{false, true} {
		name := "http"
		env := map[string]string{"TIMD_DATA": t.TempDir(), "TIMD_SECRET_KEY": signKey}
		if tls {
			name = "https"
			env["TIMD_TLS_CERT"], env["TIMD_TLS_KEY"] = cert, key
		}
		env = serveEnv(t, env)
		t.Run(name, func(t *testing.T) {
			out, errOut, code := runArgs(t, env, "call", "im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"alice"}]}`)
			if code != 0 || !strings.HasPrefix(out, `{"ActionStatus":"OK"`) {
				t.Fatalf("call with an OK answer: got exit %d, %q, %q; want 0 and the answer", code, out, errOut)
			}
			if !strings.Contains(errOut, "calling im_open_login_svc/account_check as administrator of app 1400000000, signed with the key from TIMD_SECRET_KEY") {
				t.Errorf("stderr: got %q, want the command, account, app and key source", errOut)
			}

			out, errOut, code = runArgs(t, env, "call", "/v4/group_open_http_svc/get_group_info", `{}`)
			if code != 1 || !strings.Contains(out, `"ErrorCode":10004`) || !strings.Contains(errOut, "FAIL, ErrorCode 10004") {
				t.Errorf("call with a FAIL answer: got exit %d, stdout %q, stderr %q; want 1, the answer, and its ErrorCode on stderr", code, out, errOut)
			}

			wrong := map[string]string{"TIMD_SECRET_KEY": strings.Repeat("0", 64)}
			for k, v := range env {
				if k != "TIMD_SECRET_KEY" {
					wrong[k] = v
				}
			}
			_, errOut, code = runArgs(t, wrong, "call", "im_open_login_svc/account_check", `{}`)
			if code != 1 || !strings.Contains(errOut, "ErrorCode 70009") || !strings.Contains(errOut, "another secret key") {
				t.Errorf("call with another key: got exit %d, %q; want 1, 70009 and a hint about the key", code, errOut)
			}

			out, errOut, code = runArgs(t, env, "health")
			if code != 0 || !strings.Contains(out, "ready") {
				t.Errorf("health: got exit %d, %q %q; want 0 and ready", code, out, errOut)
			}
		})
	}
}

// TestCallNeverShowsUserSig calls a port where nothing listens: the error quotes the URL,
// and the UserSig in it must be redacted.
func TestCallNeverShowsUserSig(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{"TIMD_SECRET_KEY": signKey, "TIMD_LISTEN": addr}
	_, errOut, code := runArgs(t, env, "call", "im_open_login_svc/account_check")
	if code != 1 || !strings.Contains(errOut, "usersig=REDACTED") {
		t.Fatalf("call to a closed port: got exit %d, %q; want 1 and the URL with usersig=REDACTED", code, errOut)
	}
	u := errOut[strings.Index(errOut, "http://"):]
	u = u[:strings.IndexByte(u, '"')]
	parsed, err := url.Parse(u)
	if err != nil || parsed.Query().Get("usersig") != "REDACTED" {
		t.Errorf("URL in the error: %q, want usersig=REDACTED and nothing else of it", u)
	}

	_, errOut, code = runArgs(t, env, "health")
	if code != 1 || !strings.Contains(errOut, "/readyz") {
		t.Errorf("health of a closed port: got exit %d, %q; want 1 naming /readyz", code, errOut)
	}
}

func TestRedactSig(t *testing.T) {
	sig := usersig.Mint(1400000000, devAdmin, signKey, 60, time.Now())
	err := redactSig(&url.Error{Op: "Post", URL: "http://x/v4/a/b?usersig=" + url.QueryEscape(sig), Err: os.ErrDeadlineExceeded}, sig)
	if strings.Contains(err.Error(), sig) || strings.Contains(err.Error(), url.QueryEscape(sig)) {
		t.Errorf("redactSig: got %q, want no UserSig", err)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("redactSig: got %q, want it to keep the cause", err)
	}
}

// TestHealthWait starts a server only after health -wait has begun checking.
func TestHealthWait(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{"TIMD_DATA": t.TempDir(), "TIMD_SECRET_KEY": signKey, "TIMD_LISTEN": addr}
	type result struct {
		out  string
		code int
	}
	done := make(chan result, 1)
	go func() {
		var out, errOut strings.Builder
		err := run(context.Background(), []string{"health", "-wait", "10s"}, &out, &errOut, func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		})
		done <- result{out.String(), exitCode(err)}
	}()
	time.Sleep(300 * time.Millisecond)
	serveOn(t, env, addr)
	select {
	case r := <-done:
		if r.code != 0 || !strings.Contains(r.out, "ready") {
			t.Errorf("health -wait: got exit %d, %q; want 0 and ready", r.code, r.out)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("health -wait 10s still running after 15s")
	}
}
