package httpapi_test

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/usersig"
	"github.com/timdhq/timd/timtest"
)

// The pins of docs/compatibility.md §2 (UserSig failures, in their order). The UserSigs below are
// built either with usersig.Mint or by hand from the published algorithm
// (Tencent's docs, see docs/compatibility.md Sources), so a server that agreed only with its own minting would fail.

// tencentBase64 encodes b in standard base64 with Tencent's substitutions.
func tencentBase64(b []byte) string {
	return strings.NewReplacer("+", "*", "/", "-", "=", "_").Replace(base64.StdEncoding.EncodeToString(b))
}

// zlibBytes compresses b with zlib at the given level.
func zlibBytes(tb testing.TB, b []byte, level int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// sigHMAC returns the standard base64 of the HMAC-SHA256 of the v2 text, keyed by key.
func sigHMAC(key, identifier string, sdkappid uint64, issued, expire int64, userbuf *string) string {
	text := fmt.Sprintf("TLS.identifier:%s\nTLS.sdkappid:%d\nTLS.time:%d\nTLS.expire:%d\n", identifier, sdkappid, issued, expire)
	if userbuf != nil {
		text += "TLS.userbuf:" + *userbuf + "\n"
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(text))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// pythonStyleSig builds a UserSig the way Tencent's Python SDK does: JSON with spaces
// after separators, keys in its order, zlib at the default level.
func pythonStyleSig(tb testing.TB, key, identifier string, sdkappid uint64, issued, expire int64, userbuf *string) string {
	tb.Helper()
	doc := fmt.Sprintf(`{"TLS.ver": "2.0", "TLS.identifier": %q, "TLS.sdkappid": %d, "TLS.expire": %d, "TLS.time": %d`,
		identifier, sdkappid, expire, issued)
	if userbuf != nil {
		doc += fmt.Sprintf(`, "TLS.userbuf": %q`, *userbuf)
	}
	doc += fmt.Sprintf(`, "TLS.sig": %q}`, sigHMAC(key, identifier, sdkappid, issued, expire, userbuf))
	return tencentBase64(zlibBytes(tb, []byte(doc), zlib.DefaultCompression))
}

// docSig wraps a JSON document into a UserSig without signing it.
func docSig(tb testing.TB, doc string) string {
	tb.Helper()
	return tencentBase64(zlibBytes(tb, []byte(doc), zlib.BestCompression))
}

// callAs posts an account_check as identifier with sig, for the app sdkappid.
func callAs(tb testing.TB, s *timtest.Server, sdkappid uint64, identifier, sig string) *reply {
	tb.Helper()
	q := fmt.Sprintf("sdkappid=%d&identifier=%s&usersig=%s&random=7&contenttype=json", sdkappid, identifier, sig)
	return MustPost(tb, s, accountCheck+"?"+q, checkU1)
}

func TestUserSig(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: unlimited})
	app, admin, key, now := s.SDKAppID(), s.Admin(), s.SecretKey(), s.Now()
	good := usersig.Mint(app, admin, key, 86400, now)
	trimmed := strings.TrimRight(good, "_") // padding may be left out; cut a data character
	buf := base64.StdEncoding.EncodeToString([]byte{5})
	tamperedBuf := base64.StdEncoding.EncodeToString([]byte{6})
	hourAgo := now.Add(-time.Hour)
	tests := []struct {
		name       string
		identifier string // default: the admin
		sig        string
		code       im.Code
		inInfo     []string // texts the ErrorInfo must contain
	}{
		{name: "valid", sig: good, code: im.CodeOK},
		{name: "garbage", sig: "garbage", code: im.CodeSigMalformed},
		{name: "not base64", sig: "@@@@****", code: im.CodeSigMalformed},
		{name: "truncated", sig: good[:len(good)/2], code: im.CodeSigMalformed},
		{name: "last data character cut", sig: trimmed[:len(trimmed)-1], code: im.CodeSigMalformed},
		{name: "base64 of no zlib", sig: tencentBase64([]byte("hello, this is not zlib")), code: im.CodeSigMalformed},
		{name: "zlib of no JSON", sig: docSig(t, "TLS.identifier:administrator"), code: im.CodeSigMalformed},
		{name: "JSON without TLS.sig", sig: docSig(t, fmt.Sprintf(
			`{"TLS.ver":"2.0","TLS.identifier":%q,"TLS.sdkappid":%d,"TLS.expire":86400,"TLS.time":%d}`,
			admin, app, now.Unix())), code: im.CodeSigMalformed},
		{name: "JSON without TLS.time", sig: docSig(t, fmt.Sprintf(
			`{"TLS.ver":"2.0","TLS.identifier":%q,"TLS.sdkappid":%d,"TLS.expire":86400,"TLS.sig":%q}`,
			admin, app, sigHMAC(key, admin, app, now.Unix(), 86400, nil))), code: im.CodeSigMalformed},
		{name: "legacy v1 ECDSA document", sig: docSig(t, fmt.Sprintf(
			`{"TLS.account_type":"0","TLS.identifier":%q,"TLS.appid_at_3rd":"0","TLS.sdk_appid":"%d","TLS.expire_after":"86400","TLS.version":"201610110000","TLS.time":"%d","TLS.sig":"MEUCIQDh"}`,
			admin, app, now.Unix())), code: im.CodeSigMalformed},
		{name: "another sdkappid", sig: usersig.Mint(app+1, admin, key, 86400, now), code: im.CodeSigSDKAppID},
		{name: "another identifier", sig: usersig.Mint(app, "alice", key, 86400, now), code: im.CodeSigIdentifier,
			inInfo: []string{`"alice"`, `"administrator"`}},
		{name: "the admin's sig for a non-admin identifier", identifier: "alice", sig: good, code: im.CodeSigIdentifier,
			inInfo: []string{`"alice"`, `"administrator"`}},
		{name: "expired", sig: usersig.Mint(app, admin, key, 10, hourAgo), code: im.CodeSigExpired},
		{name: "wrong key", sig: usersig.Mint(app, admin, key+"x", 86400, now), code: im.CodeSigBad},
		{name: "sdkappid checked before identifier, expiry and key",
			sig: usersig.Mint(app+1, "alice", "wrong", 10, hourAgo), code: im.CodeSigSDKAppID},
		{name: "identifier checked before expiry and key",
			sig: usersig.Mint(app, "alice", "wrong", 10, hourAgo), code: im.CodeSigIdentifier},
		{name: "expiry checked before key",
			sig: usersig.Mint(app, admin, "wrong", 10, hourAgo), code: im.CodeSigExpired},
		{name: "with userbuf", sig: usersig.MintWithUserBuf(app, admin, key, 86400, now, []byte{5}), code: im.CodeOK},
		{name: "with empty userbuf", sig: usersig.MintWithUserBuf(app, admin, key, 86400, now, []byte{}), code: im.CodeOK},
		{name: "with userbuf, Python style", sig: pythonStyleSig(t, key, admin, app, now.Unix(), 86400, &buf), code: im.CodeOK},
		{name: "userbuf changed after signing", code: im.CodeSigBad, sig: docSig(t, fmt.Sprintf(
			`{"TLS.ver":"2.0","TLS.identifier":%q,"TLS.sdkappid":%d,"TLS.expire":86400,"TLS.time":%d,"TLS.userbuf":%q,"TLS.sig":%q}`,
			admin, app, now.Unix(), tamperedBuf, sigHMAC(key, admin, app, now.Unix(), 86400, &buf)))},
		{name: "userbuf removed after signing", code: im.CodeSigBad, sig: docSig(t, fmt.Sprintf(
			`{"TLS.ver":"2.0","TLS.identifier":%q,"TLS.sdkappid":%d,"TLS.expire":86400,"TLS.time":%d,"TLS.sig":%q}`,
			admin, app, now.Unix(), sigHMAC(key, admin, app, now.Unix(), 86400, &buf)))},
		{name: "Python style", sig: pythonStyleSig(t, key, admin, app, now.Unix(), 86400, nil), code: im.CodeOK},
		{name: "Python style, expire changed after signing", code: im.CodeSigBad, sig: docSig(t, fmt.Sprintf(
			`{"TLS.ver": "2.0", "TLS.identifier": %q, "TLS.sdkappid": %d, "TLS.expire": 86401, "TLS.time": %d, "TLS.sig": %q}`,
			admin, app, now.Unix(), sigHMAC(key, admin, app, now.Unix(), 86400, nil)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.identifier
			if id == "" {
				id = admin
			}
			r := callAs(t, s, app, id, tt.sig)
			wantAnswer(t, r, http.StatusOK, tt.code)
			for _, text := range tt.inInfo {
				if !strings.Contains(r.Env.ErrorInfo, text) {
					t.Errorf("ErrorInfo: got %q, want it to contain %s", r.Env.ErrorInfo, text)
				}
			}
			if tt.code != im.CodeOK && strings.Contains(r.Env.ErrorInfo, key) {
				t.Errorf("ErrorInfo %q contains the secret key", r.Env.ErrorInfo)
			}
		})
	}
}

// TestUserSigTencentVector checks the full UserSig of Tencent's docs, see docs/compatibility.md Sources, made by
// another encoder: it decodes and matches its app and identifier, and is refused only
// because it expired in 2024.
func TestUserSigTencentVector(t *testing.T) {
	const vector = "eNqrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMikVhRkFqUCxU1NTY3goiWZuSAxc1S1xZnpQJN9yhzNU-Q9y83Tg4vzirPLwqqcXAL8nZ1dkkr9nMtN3D3KQ5wNkjILtJ1MbJVqAa3HMfI_"
	key := "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
	s := timtest.NewServer(t, &timtest.Options{SDKAppID: 1400000000, Admin: "xiaojun", SecretKey: key})
	t.Run("expired", func(t *testing.T) {
		wantAnswer(t, callAs(t, s, 1400000000, "xiaojun", vector), http.StatusOK, im.CodeSigExpired)
	})
	t.Run("another identifier", func(t *testing.T) {
		wantAnswer(t, callAs(t, s, 1400000000, "xiaojun2", vector), http.StatusOK, im.CodeSigIdentifier)
	})
	t.Run("same fields signed now", func(t *testing.T) {
		sig := pythonStyleSig(t, key, "xiaojun", 1400000000, s.Now().Unix(), 15552000, nil)
		wantAnswer(t, callAs(t, s, 1400000000, "xiaojun", sig), http.StatusOK, im.CodeOK)
	})
}

func TestUserSigCache(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: func(c *config.Config) {
		unlimited(c)
		withSecondApp(c)
	}})
	app, admin, key := s.SDKAppID(), s.Admin(), s.SecretKey()

	t.Run("a repeated sig keeps working", func(t *testing.T) {
		sig := usersig.Mint(app, admin, key, 86400, s.Now())
		for i := range 30 {
			r := callAs(t, s, app, admin, sig)
			if r.Env.ErrorCode != 0 {
				t.Fatalf("call %d: ErrorCode: got %d (%s), want 0", i, r.Env.ErrorCode, r.Env.ErrorInfo)
			}
		}
	})
	t.Run("a cached sig is checked against identifier and app", func(t *testing.T) {
		sig := usersig.Mint(app, admin, key, 86400, s.Now())
		wantAnswer(t, callAs(t, s, app, admin, sig), http.StatusOK, im.CodeOK)
		wantAnswer(t, callAs(t, s, app, "alice", sig), http.StatusOK, im.CodeSigIdentifier)
		wantAnswer(t, callAs(t, s, secondApp.id, admin, sig), http.StatusOK, im.CodeSigSDKAppID)
	})
	t.Run("a cached sig expires", func(t *testing.T) {
		sig := usersig.Mint(app, admin, key, 60, s.Now())
		wantAnswer(t, callAs(t, s, app, admin, sig), http.StatusOK, im.CodeOK)
		wantAnswer(t, callAs(t, s, app, admin, sig), http.StatusOK, im.CodeOK)
		s.Advance(2 * time.Minute)
		wantAnswer(t, callAs(t, s, app, admin, sig), http.StatusOK, im.CodeSigExpired)
		// A fresh sig still works on the advanced clock.
		wantAnswer(t, callAs(t, s, app, admin, s.UserSig(admin)), http.StatusOK, im.CodeOK)
	})
}
