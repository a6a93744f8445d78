// Package usersig verifies and mints Tencent Cloud Chat UserSigs of the
// "TLS sig API v2" scheme: an HMAC-SHA256 over a few fields, carried in a
// JSON document that is zlib-compressed and encoded with Tencent's base64
// variant ('+' as '*', '/' as '-', '=' as '_').
//
// Everything here is a pure function of its arguments: the caller supplies
// the app's secret key and the current time.
package usersig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Failure reasons, in the order Verify checks them (docs/compatibility.md §2). Every
// error returned by this package wraps exactly one of them.
var (
	// ErrEmpty means the UserSig is the empty string (ErrorCode 70002).
	ErrEmpty = errors.New("usersig is empty")
	// ErrMalformed means the UserSig is not Tencent base64, not zlib, not
	// JSON, too large, or lacks a required field or has one of the wrong
	// JSON type (ErrorCode 70003).
	ErrMalformed = errors.New("usersig is malformed")
	// ErrSDKAppIDMismatch means TLS.sdkappid differs from the request's
	// sdkappid (ErrorCode 70014).
	ErrSDKAppIDMismatch = errors.New("usersig sdkappid does not match")
	// ErrIdentifierMismatch means TLS.identifier differs from the request's
	// identifier (ErrorCode 70013).
	ErrIdentifierMismatch = errors.New("usersig identifier does not match")
	// ErrExpired means the current time is after TLS.time + TLS.expire
	// (ErrorCode 70001).
	ErrExpired = errors.New("usersig expired")
	// ErrBadSignature means TLS.sig is not the HMAC of the fields under the
	// app's key (ErrorCode 70009).
	ErrBadSignature = errors.New("usersig signature does not match")
)

// Sig is a decoded UserSig document.
type Sig struct {
	Identifier string // TLS.identifier, the UserID the sig was issued to
	SDKAppID   uint64 // TLS.sdkappid
	Time       int64  // TLS.time, issue time in unix seconds
	Expire     int64  // TLS.expire, validity in seconds counted from Time
	UserBuf    []byte // TLS.userbuf decoded; nil when absent
	HMAC       []byte // TLS.sig decoded: the 32 bytes of HMAC-SHA256
}

// sigError is an error with its own text that still matches its sentinel
// under errors.Is.
type sigError struct {
	sentinel error
	msg      string
}

// Error returns the full message.
func (e *sigError) Error() string { return e.msg }

// Unwrap returns the sentinel.
func (e *sigError) Unwrap() error { return e.sentinel }

// errorf returns an error wrapping sentinel whose text is the formatted
// message alone.
func errorf(sentinel error, format string, args ...any) error {
	return &sigError{sentinel: sentinel, msg: fmt.Sprintf(format, args...)}
}

// Verify checks usersig for the request's sdkappid and identifier at time now
// with the app's secret key. The checks run in the order of docs/compatibility.md §2:
// empty, malformed, sdkappid mismatch, identifier mismatch, expired, HMAC
// mismatch; the first failure is returned and wraps the matching sentinel.
// On success Verify returns the decoded Sig.
//
// Error texts never contain the key or the UserSig. The text of an
// identifier mismatch names both identifiers, each cut to 64 bytes.
func Verify(usersig string, sdkappid uint64, identifier, key string, now time.Time) (Sig, error) {
	s, err := Decode(usersig)
	if err != nil {
		return Sig{}, err
	}
	if err := s.Check(sdkappid, identifier, key, now); err != nil {
		return Sig{}, err
	}
	return s, nil
}

// Check runs the checks of Verify that follow decoding, in the same order:
// sdkappid mismatch, identifier mismatch, expired, HMAC mismatch. It lets a
// caller that caches Decode results skip the inflate. The HMAC comparison
// takes constant time.
func (s Sig) Check(sdkappid uint64, identifier, key string, now time.Time) error {
	if s.SDKAppID != sdkappid {
		return errorf(ErrSDKAppIDMismatch, "usersig sdkappid %d does not match request sdkappid %d", s.SDKAppID, sdkappid)
	}
	if s.Identifier != identifier {
		return errorf(ErrIdentifierMismatch, "usersig identifier %q does not match request identifier %q",
			clip(s.Identifier), clip(identifier))
	}
	if end := s.expiry(); now.Unix() > end {
		return errorf(ErrExpired, "usersig expired at unix time %d (issued %d, valid %d s), now %d",
			end, s.Time, s.Expire, now.Unix())
	}
	var sum [sha256.Size]byte
	if !hmac.Equal(s.HMAC, sign(sum[:0], s.SDKAppID, s.Identifier, key, s.Time, s.Expire, s.UserBuf)) {
		return errorf(ErrBadSignature, "usersig signature does not match the key of sdkappid %d", sdkappid)
	}
	return nil
}

// expiry returns the last unix second at which s is valid, Time + Expire,
// saturated instead of overflowing.
func (s Sig) expiry() int64 {
	switch {
	case s.Expire > 0 && s.Time > math.MaxInt64-s.Expire:
		return math.MaxInt64
	case s.Expire < 0 && s.Time < math.MinInt64-s.Expire:
		return math.MinInt64
	}
	return s.Time + s.Expire
}

// maxQuoted is how many bytes of an identifier an error message shows, so a
// huge identifier cannot bloat logs and responses.
const maxQuoted = 64

// clip shortens s to maxQuoted bytes for an error message.
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return s[:maxQuoted] + "..."
}

// sign appends to dst the HMAC-SHA256, keyed with key's raw bytes, of the
// text the v2 scheme signs: one "TLS.<name>:<value>\n" line each for
// identifier, sdkappid, time and expire, plus a userbuf line holding the
// standard base64 of userbuf when userbuf is not nil.
func sign(dst []byte, sdkappid uint64, identifier, key string, issued, expire int64, userbuf []byte) []byte {
	var stack [256]byte
	text := append(stack[:0], "TLS.identifier:"...)
	text = append(text, identifier...)
	text = append(text, "\nTLS.sdkappid:"...)
	text = strconv.AppendUint(text, sdkappid, 10)
	text = append(text, "\nTLS.time:"...)
	text = strconv.AppendInt(text, issued, 10)
	text = append(text, "\nTLS.expire:"...)
	text = strconv.AppendInt(text, expire, 10)
	text = append(text, '\n')
	if userbuf != nil {
		text = append(text, "TLS.userbuf:"...)
		text = base64.StdEncoding.AppendEncode(text, userbuf)
		text = append(text, '\n')
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(text)
	return mac.Sum(dst)
}
