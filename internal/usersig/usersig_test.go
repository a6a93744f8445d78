package usersig_test

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/internal/usersig"
)

// The test vector Tencent publishes with its UserSig docs.
const (
	vecKey        = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
	vecSDKAppID   = 1400000000
	vecIdentifier = "xiaojun"
	vecTime       = 1700000000
	vecExpire     = 15552000
	vecSig        = "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4="
	vecSigUserBuf = "Im15dLZ7jHelhF6mNjTZkjYEA1fu0NUjUnXyvlZjBQs="
	vecUserSig    = "eNqrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMikVhRkFqUCxU1NTY3goiWZuSAxc1S1xZnpQJN9yhzNU-Q9y83Tg4vzirPLwqqcXAL8nZ1dkkr9nMtN3D3KQ5wNkjILtJ1MbJVqAa3HMfI_"
)

// unix returns the time at unix second sec.
func unix(sec int64) time.Time { return time.Unix(sec, 0) }

// encodeDoc wraps a JSON document the way a signer does: zlib, standard
// base64, then Tencent's character swaps.
func encodeDoc(tb testing.TB, doc string) string {
	tb.Helper()
	return tencentBase64(zlibBytes(tb, []byte(doc)))
}

// zlibBytes compresses data into a zlib stream.
func zlibBytes(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// tencentBase64 encodes b in Tencent's base64 variant.
func tencentBase64(b []byte) string {
	return strings.NewReplacer("+", "*", "/", "-", "=", "_").Replace(base64.StdEncoding.EncodeToString(b))
}

// vecDoc returns the §2.9 document as compact JSON, with sig as TLS.sig and
// the other fields changed by the replacements old1, new1, ...
func vecDoc(replacements ...string) string {
	doc := fmt.Sprintf(`{"TLS.ver":"2.0","TLS.identifier":%q,"TLS.sdkappid":%d,"TLS.expire":%d,"TLS.time":%d,"TLS.sig":%q}`,
		vecIdentifier, vecSDKAppID, vecExpire, vecTime, vecSig)
	return strings.NewReplacer(replacements...).Replace(doc)
}

// mustDecode decodes s or fails the test.
func mustDecode(tb testing.TB, s string) usersig.Sig {
	tb.Helper()
	sig, err := usersig.Decode(s)
	if err != nil {
		tb.Fatalf("Decode(%q): %v", s, err)
	}
	return sig
}

func TestKnownAnswerHMAC(t *testing.T) {
	tests := []struct {
		name    string
		userbuf []byte
		want    string
	}{
		{"no userbuf", nil, vecSig},
		{"userbuf 0x05", []byte{0x05}, vecSigUserBuf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := usersig.MintWithUserBuf(vecSDKAppID, vecIdentifier, vecKey, vecExpire, unix(vecTime), tt.userbuf)
			sig := mustDecode(t, s)
			if got := base64.StdEncoding.EncodeToString(sig.HMAC); got != tt.want {
				t.Errorf("TLS.sig = %s, want %s", got, tt.want)
			}
			if !bytes.Equal(sig.UserBuf, tt.userbuf) || (sig.UserBuf == nil) != (tt.userbuf == nil) {
				t.Errorf("UserBuf = %#v, want %#v", sig.UserBuf, tt.userbuf)
			}
		})
	}
}

func TestMintEqualsMintWithNilUserBuf(t *testing.T) {
	a := usersig.Mint(vecSDKAppID, vecIdentifier, vecKey, vecExpire, unix(vecTime))
	b := usersig.MintWithUserBuf(vecSDKAppID, vecIdentifier, vecKey, vecExpire, unix(vecTime), nil)
	if a != b {
		t.Errorf("Mint = %q, MintWithUserBuf(nil) = %q", a, b)
	}
}

func TestKnownAnswerUserSig(t *testing.T) {
	mac, _ := base64.StdEncoding.DecodeString(vecSig)
	want := usersig.Sig{Identifier: vecIdentifier, SDKAppID: vecSDKAppID, Time: vecTime, Expire: vecExpire, HMAC: mac}
	if diff := cmp.Diff(want, mustDecode(t, vecUserSig)); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
	got, err := usersig.Verify(vecUserSig, vecSDKAppID, vecIdentifier, vecKey, unix(vecTime+100))
	if err != nil {
		t.Fatalf("Verify at issue+100s: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Verify result mismatch (-want +got):\n%s", diff)
	}
	_, err = usersig.Verify(vecUserSig, vecSDKAppID, vecIdentifier, vecKey, unix(vecTime+vecExpire+1))
	if !errors.Is(err, usersig.ErrExpired) {
		t.Errorf("Verify one second after expiry: got %v, want ErrExpired", err)
	}
}

func TestExpiryBoundary(t *testing.T) {
	tests := []struct {
		now  time.Time
		want error
	}{
		{unix(vecTime - 1000), nil}, // issued "in the future": Tencent does not check this
		{unix(vecTime), nil},
		{unix(vecTime + vecExpire), nil},
		{unix(vecTime + vecExpire).Add(999 * time.Millisecond), nil},
		{unix(vecTime + vecExpire + 1), usersig.ErrExpired},
		{unix(vecTime + 10*vecExpire), usersig.ErrExpired},
	}
	for _, tt := range tests {
		_, err := usersig.Verify(vecUserSig, vecSDKAppID, vecIdentifier, vecKey, tt.now)
		if !errors.Is(err, tt.want) { // errors.Is(err, nil) holds only for a nil err
			t.Errorf("Verify at %v: got %v, want %v", tt.now.Unix(), err, tt.want)
		}
	}
}

// failureCase is one Verify call that must fail with a sentinel.
type failureCase struct {
	name       string
	usersig    string
	sdkappid   uint64
	identifier string
	key        string
	now        time.Time
	want       error
}

// failureCases covers every sentinel, including the order of the checks.
func failureCases(tb testing.TB) []failureCase {
	okNow := unix(vecTime + 100)
	badKey := strings.Repeat("0", 64)
	zipped := zlibBytes(tb, []byte(vecDoc()))
	badChecksum := append([]byte(nil), zipped...)
	badChecksum[len(badChecksum)-1] ^= 0xff
	bomb := `{"TLS.identifier":"xiaojun"` + strings.Repeat(" ", 100<<10) + `}`
	c := func(name, s string, want error) failureCase {
		return failureCase{name, s, vecSDKAppID, vecIdentifier, vecKey, okNow, want}
	}
	cases := []failureCase{
		c("empty", "", usersig.ErrEmpty),
		c("garbage", "!!!not base64!!!", usersig.ErrMalformed),
		c("whitespace", "   ", usersig.ErrMalformed),
		c("percent-encoded", "eNqrVg%2A%2A", usersig.ErrMalformed),
		c("truncated", vecUserSig[:len(vecUserSig)/2], usersig.ErrMalformed),
		c("base64 of non-zlib", tencentBase64([]byte(vecDoc())), usersig.ErrMalformed),
		c("raw deflate instead of zlib", tencentBase64(zipped[2:]), usersig.ErrMalformed),
		c("bad zlib checksum", tencentBase64(badChecksum), usersig.ErrMalformed),
		c("too much padding", vecUserSig+"___", usersig.ErrMalformed),
		c("over input limit", strings.Repeat("A", 8<<10+4), usersig.ErrMalformed),
		c("inflates over 64 KiB", encodeDoc(tb, bomb), usersig.ErrMalformed),
		c("not json", encodeDoc(tb, "TLS.identifier:xiaojun"), usersig.ErrMalformed),
		c("json array", encodeDoc(tb, "[1,2]"), usersig.ErrMalformed),
		c("json null", encodeDoc(tb, "null"), usersig.ErrMalformed),
		c("json trailing data", encodeDoc(tb, vecDoc()+"{}"), usersig.ErrMalformed),
		c("missing identifier", encodeDoc(tb, vecDoc(`"TLS.identifier"`, `"TLS.id"`)), usersig.ErrMalformed),
		c("missing sdkappid", encodeDoc(tb, vecDoc(`"TLS.sdkappid"`, `"TLS.sdk_appid"`)), usersig.ErrMalformed),
		c("missing time", encodeDoc(tb, vecDoc(`"TLS.time"`, `"TLS.t"`)), usersig.ErrMalformed),
		c("missing expire", encodeDoc(tb, vecDoc(`"TLS.expire"`, `"TLS.expire_after"`)), usersig.ErrMalformed),
		c("missing sig", encodeDoc(tb, vecDoc(`"TLS.sig"`, `"TLS.sign"`)), usersig.ErrMalformed),
		c("null sig", encodeDoc(tb, vecDoc(`"`+vecSig+`"`, "null")), usersig.ErrMalformed),
		c("identifier is a number", encodeDoc(tb, vecDoc(`"xiaojun"`, "12")), usersig.ErrMalformed),
		c("sdkappid is a bool", encodeDoc(tb, vecDoc("1400000000", "true")), usersig.ErrMalformed),
		c("sdkappid negative", encodeDoc(tb, vecDoc("1400000000", "-1400000000")), usersig.ErrMalformed),
		c("time is a float", encodeDoc(tb, vecDoc("1700000000", "1700000000.5")), usersig.ErrMalformed),
		c("expire is an exponent", encodeDoc(tb, vecDoc("15552000", "1.5552e7")), usersig.ErrMalformed),
		c("expire is a word", encodeDoc(tb, vecDoc("15552000", `"forever"`)), usersig.ErrMalformed),
		c("time string with plus", encodeDoc(tb, vecDoc("1700000000", `"+1700000000"`)), usersig.ErrMalformed),
		c("time overflows", encodeDoc(tb, vecDoc("1700000000", "99999999999999999999")), usersig.ErrMalformed),
		c("sig not base64", encodeDoc(tb, vecDoc(vecSig, "not base64!")), usersig.ErrMalformed),
		c("sig too short", encodeDoc(tb, vecDoc(vecSig, "AAAA")), usersig.ErrMalformed),
		c("userbuf not base64", encodeDoc(tb, vecDoc(`"TLS.sig"`, `"TLS.userbuf":"B!==","TLS.sig"`)), usersig.ErrMalformed),
		c("legacy v1 document", encodeDoc(tb, `{"TLS.account_type":"0","TLS.identifier":"xiaojun","TLS.appid_at_3rd":"0",`+
			`"TLS.sdk_appid":"1400000000","TLS.expire_after":"15552000","TLS.version":"201512300000","TLS.time":"1700000000",`+
			`"TLS.sig":"MEUCIQDLUvkLA5L6sS3W0IC0tCHHjHdUdmiJkRYSvxNDBomrHwIgJ1ZixX6BWKSqXW8oQ5wtNfz3jfOmdgTO+TlR+GdzHdI="}`),
			usersig.ErrMalformed),
		c("wrong identifier", vecUserSig, usersig.ErrIdentifierMismatch),
		c("expired", vecUserSig, usersig.ErrExpired),
		c("wrong key", vecUserSig, usersig.ErrBadSignature),
		c("tampered expire", encodeDoc(tb, vecDoc("15552000", "155520000")), usersig.ErrBadSignature),
		c("tampered time", encodeDoc(tb, vecDoc("1700000000", "1700000050")), usersig.ErrBadSignature),
		c("added userbuf", encodeDoc(tb, vecDoc(`"TLS.sig"`, `"TLS.userbuf":"BQ==","TLS.sig"`)), usersig.ErrBadSignature),
		c("order: sdkappid before key", vecUserSig, usersig.ErrSDKAppIDMismatch),
		c("order: identifier before expiry and key", vecUserSig, usersig.ErrIdentifierMismatch),
		c("order: expiry before key", vecUserSig, usersig.ErrExpired),
	}
	for i := range cases {
		tc := &cases[i]
		switch tc.name {
		case "wrong identifier":
			tc.identifier = "xiaojun2"
		case "expired":
			tc.now = unix(vecTime + vecExpire + 1)
		case "wrong key":
			tc.key = badKey
		case "order: sdkappid before key":
			tc.sdkappid, tc.identifier, tc.key, tc.now = 1400000001, "other", badKey, unix(vecTime+vecExpire+1)
		case "order: identifier before expiry and key":
			tc.identifier, tc.key, tc.now = "other", badKey, unix(vecTime+vecExpire+1)
		case "order: expiry before key":
			tc.key, tc.now = badKey, unix(vecTime+vecExpire+1)
		}
	}
	return cases
}

func TestVerifyFailures(t *testing.T) {
	for _, tc := range failureCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := usersig.Verify(tc.usersig, tc.sdkappid, tc.identifier, tc.key, tc.now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			t.Logf("error: %v", err)
			if diff := cmp.Diff(usersig.Sig{}, sig); diff != "" {
				t.Errorf("failed Verify returned a Sig (-want +got):\n%s", diff)
			}
			if strings.Contains(err.Error(), tc.key) {
				t.Errorf("error %q contains the key", err)
			}
			if len(tc.usersig) > 8 && strings.Contains(err.Error(), tc.usersig) {
				t.Errorf("error %q contains the usersig", err)
			}
		})
	}
}

func TestCheckMatchesVerify(t *testing.T) {
	for _, tc := range failureCases(t) {
		sig, err := usersig.Decode(tc.usersig)
		if err != nil {
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: Decode: got %v, want %v", tc.name, err, tc.want)
			}
			continue
		}
		if err := sig.Check(tc.sdkappid, tc.identifier, tc.key, tc.now); !errors.Is(err, tc.want) {
			t.Errorf("%s: Check: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestErrorTexts(t *testing.T) {
	_, err := usersig.Verify(vecUserSig, vecSDKAppID, "bob", vecKey, unix(vecTime))
	want := `usersig identifier "xiaojun" does not match request identifier "bob"`
	if err == nil || err.Error() != want {
		t.Errorf("identifier mismatch: got %v, want %s", err, want)
	}
	_, err = usersig.Verify(vecUserSig, 1400000001, vecIdentifier, vecKey, unix(vecTime))
	want = "usersig sdkappid 1400000000 does not match request sdkappid 1400000001"
	if err == nil || err.Error() != want {
		t.Errorf("sdkappid mismatch: got %v, want %s", err, want)
	}
	long := strings.Repeat("z", 5000)
	_, err = usersig.Verify(usersig.Mint(vecSDKAppID, long, vecKey, 60, unix(vecTime)), vecSDKAppID, "bob", vecKey, unix(vecTime))
	if err == nil || len(err.Error()) > 300 {
		t.Errorf("identifier mismatch with a 5000-byte identifier: error of %d bytes, want a short one", len(fmt.Sprint(err)))
	}
}

// tencentAlphabet is every character a minted UserSig may contain.
var tencentAlphabet = regexp.MustCompile(`^[A-Za-z0-9*_-]+$`)

func TestMintVerifyRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		sdkappid   uint64
		identifier string
		expire     int64
		userbuf    []byte
	}{
		{"plain", vecSDKAppID, "alice", 86400, nil},
		{"admin", 1600000001, "administrator", 15552000, nil},
		{"punctuation", 20000001, `we"ird\id <&> ~!`, 60, nil},
		{"utf-8", vecSDKAppID, "用户一", 3600, nil},
		{"zero expire", vecSDKAppID, "bob", 0, nil},
		{"fifty years", vecSDKAppID, "bob", 50 * 365 * 86400, nil},
		{"userbuf", vecSDKAppID, "carol", 300, []byte{0, 0, 5, 'c', 'a', 'r', 'o', 'l', 0xff, 0xfe}},
		{"empty userbuf", vecSDKAppID, "dave", 300, []byte{}},
	}
	issued := unix(1750000000)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := usersig.MintWithUserBuf(tt.sdkappid, tt.identifier, vecKey, tt.expire, issued, tt.userbuf)
			if !tencentAlphabet.MatchString(s) {
				t.Errorf("minted %q has characters outside [A-Za-z0-9*_-]", s)
			}
			sig, err := usersig.Verify(s, tt.sdkappid, tt.identifier, vecKey, issued.Add(time.Duration(tt.expire)*time.Second))
			if err != nil {
				t.Fatalf("Verify at expiry: %v", err)
			}
			want := usersig.Sig{Identifier: tt.identifier, SDKAppID: tt.sdkappid, Time: issued.Unix(), Expire: tt.expire,
				UserBuf: tt.userbuf, HMAC: sig.HMAC}
			if diff := cmp.Diff(want, sig); diff != "" {
				t.Errorf("Verify result mismatch (-want +got):\n%s", diff)
			}
			if (sig.UserBuf == nil) != (tt.userbuf == nil) {
				t.Errorf("UserBuf nil = %v, want %v", sig.UserBuf == nil, tt.userbuf == nil)
			}
			_, err = usersig.Verify(s, tt.sdkappid, tt.identifier, vecKey+"x", issued)
			if !errors.Is(err, usersig.ErrBadSignature) {
				t.Errorf("Verify with another key: got %v, want ErrBadSignature", err)
			}
		})
	}
}

// TestDecodeLenient covers forms that other signers produce or that clients
// may send after mangling padding.
func TestDecodeLenient(t *testing.T) {
	mac, _ := base64.StdEncoding.DecodeString(vecSig)
	want := usersig.Sig{Identifier: vecIdentifier, SDKAppID: vecSDKAppID, Time: vecTime, Expire: vecExpire, HMAC: mac}
	pythonStyle := fmt.Sprintf(`{"TLS.ver": "2.0", "TLS.identifier": "xiaojun", "TLS.sdkappid": 1400000000, `+
		`"TLS.expire": 15552000, "TLS.time": 1700000000, "TLS.sig": %q}`, vecSig)
	tests := []struct {
		name    string
		usersig string
	}{
		{"python key order and spaces", encodeDoc(t, pythonStyle)},
		{"other key order, newlines", encodeDoc(t, fmt.Sprintf("{\n\"TLS.sig\":%q,\n\"TLS.time\":1700000000,\n"+
			"\"TLS.expire\":15552000,\n\"TLS.sdkappid\":1400000000,\n\"TLS.identifier\":\"xiaojun\"\n}", vecSig))},
		{"no TLS.ver", encodeDoc(t, vecDoc(`"TLS.ver":"2.0",`, ""))},
		{"other TLS.ver", encodeDoc(t, vecDoc(`"2.0"`, `"2.1"`))},
		{"unknown keys", encodeDoc(t, vecDoc(`"TLS.ver"`, `"x":[1,{"y":null}],"TLS.ver"`))},
		{"numbers as strings", encodeDoc(t, vecDoc("1400000000", `"1400000000"`, "1700000000", `"1700000000"`, "15552000", `"15552000"`))},
		{"sig without padding", encodeDoc(t, vecDoc(vecSig, strings.TrimRight(vecSig, "=")))},
		{"usersig without padding", strings.TrimRight(vecUserSig, "_")},
		{"usersig with standard alphabet", strings.NewReplacer("*", "+", "-", "/", "_", "=").Replace(vecUserSig)},
		{"best compression", tencentBase64(bestZlib(t, vecDoc()))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(want, mustDecode(t, tt.usersig)); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
			if _, err := usersig.Verify(tt.usersig, vecSDKAppID, vecIdentifier, vecKey, unix(vecTime)); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

// bestZlib compresses doc at the highest level.
func bestZlib(tb testing.TB, doc string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		tb.Fatal(err)
	}
	zw.Write([]byte(doc))
	zw.Close()
	return buf.Bytes()
}

func TestUserBufAgainstVector(t *testing.T) {
	doc := vecDoc(vecSig, vecSigUserBuf, `"TLS.sig"`, `"TLS.userbuf":"BQ==","TLS.sig"`)
	sig, err := usersig.Verify(encodeDoc(t, doc), vecSDKAppID, vecIdentifier, vecKey, unix(vecTime))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !bytes.Equal(sig.UserBuf, []byte{5}) {
		t.Errorf("UserBuf = %x, want 05", sig.UserBuf)
	}
}

func BenchmarkVerify(b *testing.B) {
	s := usersig.Mint(vecSDKAppID, vecIdentifier, vecKey, vecExpire, unix(vecTime))
	now := unix(vecTime + 100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := usersig.Verify(s, vecSDKAppID, vecIdentifier, vecKey, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	sig := mustDecode(b, vecUserSig)
	now := unix(vecTime + 100)
	b.ReportAllocs()
	for b.Loop() {
		if err := sig.Check(vecSDKAppID, vecIdentifier, vecKey, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMint(b *testing.B) {
	now := unix(vecTime)
	b.ReportAllocs()
	for b.Loop() {
		usersig.Mint(vecSDKAppID, vecIdentifier, vecKey, vecExpire, now)
	}
}
