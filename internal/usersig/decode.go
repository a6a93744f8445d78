package usersig

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
)

const (
	// maxInput is the longest UserSig accepted, in bytes. Real ones are
	// about 150-300 bytes.
	maxInput = 8 << 10
	// maxInflated caps the inflated JSON, in bytes, so a small UserSig
	// cannot expand into a large allocation.
	maxInflated = 64 << 10
	// keepScratch is the largest inflate buffer returned to the pool, so one
	// odd request does not pin its memory.
	keepScratch = 4 << 10
)

// Decode parses a UserSig: it reverses Tencent's base64 variant ('*' to '+',
// '-' to '/', '_' to '='), decodes standard base64 with or without padding,
// inflates zlib and parses the JSON document. It checks only the form: the
// required fields TLS.identifier, TLS.sdkappid, TLS.time, TLS.expire and
// TLS.sig must be present with the right JSON types (a number field may also
// be a JSON string of decimal digits), TLS.sig must hold 32 bytes and
// TLS.userbuf, when present, must be standard base64. TLS.ver and unknown keys
// are ignored. Percent-decoding a UserSig taken from a URL is the caller's
// job. Errors wrap ErrEmpty or ErrMalformed.
func Decode(usersig string) (Sig, error) {
	if usersig == "" {
		return Sig{}, ErrEmpty
	}
	if len(usersig) > maxInput {
		return Sig{}, errorf(ErrMalformed, "usersig is malformed: %d bytes, over the limit of %d", len(usersig), maxInput)
	}
	sc := scratchPool.Get().(*scratch)
	defer sc.release()
	zipped, err := sc.unbase64(usersig)
	if err != nil {
		return Sig{}, err
	}
	doc, err := sc.inflate(zipped)
	if err != nil {
		return Sig{}, err
	}
	return parseDocument(doc)
}

// scratchPool recycles the buffers and the zlib reader of Decode: a flate
// reader holds tens of KiB, which would otherwise be allocated on every
// Verify. It carries no state from one call to the next.
var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// scratch is the reusable working memory of one Decode call.
type scratch struct {
	b64 []byte        // the usersig with Tencent's alphabet mapped back
	raw []byte        // its base64 decoding: the zlib stream
	out []byte        // the inflated JSON
	src bytes.Reader  // reads raw for zr
	zr  io.ReadCloser // a zlib reader that also implements zlib.Resetter; nil until first use
}

// release returns sc to the pool, dropping buffers that grew large.
func (sc *scratch) release() {
	if cap(sc.out) > keepScratch {
		sc.out = nil
	}
	sc.src.Reset(nil)
	scratchPool.Put(sc)
}

// unbase64 maps usersig back to the standard base64 alphabet and decodes it.
// Padding may be present or missing.
func (sc *scratch) unbase64(usersig string) ([]byte, error) {
	b := sc.b64[:0]
	for i := 0; i < len(usersig); i++ {
		b = append(b, unmapTencent(usersig[i]))
	}
	sc.b64 = b
	b = bytes.TrimRight(b, "=")
	if len(sc.b64)-len(b) > 2 {
		return nil, errorf(ErrMalformed, "usersig is malformed: too much base64 padding")
	}
	n := base64.RawStdEncoding.DecodedLen(len(b))
	if cap(sc.raw) < n {
		sc.raw = make([]byte, n)
	}
	n, err := base64.RawStdEncoding.Decode(sc.raw[:n], b)
	if err != nil {
		return nil, errorf(ErrMalformed, "usersig is malformed: base64: %v", err)
	}
	return sc.raw[:n], nil
}

// unmapTencent maps one byte of Tencent's base64 alphabet to the standard
// one. Standard characters pass through unchanged.
func unmapTencent(c byte) byte {
	switch c {
	case '*':
		return '+'
	case '-':
		return '/'
	case '_':
		return '='
	}
	return c
}

// inflate decompresses the zlib stream zipped, checking its checksum, and
// fails if the result would exceed maxInflated bytes.
func (sc *scratch) inflate(zipped []byte) ([]byte, error) {
	sc.src.Reset(zipped)
	if err := sc.resetReader(); err != nil {
		return nil, errorf(ErrMalformed, "usersig is malformed: inflate: %v", err)
	}
	out := sc.out[:0]
	for {
		if len(out) == cap(out) {
			out = grow(out)
		}
		n, err := sc.zr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		sc.out = out
		if len(out) > maxInflated {
			return nil, errorf(ErrMalformed, "usersig is malformed: inflates to over %d bytes", maxInflated)
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, errorf(ErrMalformed, "usersig is malformed: inflate: %v", err)
		}
	}
}

// resetReader points sc.zr at sc.src, creating the reader on first use. Both
// paths read and check the zlib header.
func (sc *scratch) resetReader() error {
	if sc.zr == nil {
		zr, err := zlib.NewReader(&sc.src)
		if err != nil {
			return err
		}
		sc.zr = zr
		return nil
	}
	return sc.zr.(zlib.Resetter).Reset(&sc.src, nil)
}

// grow returns b with more capacity, never beyond maxInflated+1: one byte
// over the cap is enough to detect a stream that exceeds it.
func grow(b []byte) []byte {
	n := min(max(2*cap(b), 512), maxInflated+1)
	nb := make([]byte, len(b), n)
	copy(nb, b)
	return nb
}

// document is the JSON form of a v2 UserSig. Pointers and the flex types
// record whether a key was present. TLS.ver is deliberately not read: any
// value, or none, is accepted.
type document struct {
	Identifier *string    `json:"TLS.identifier"`
	SDKAppID   flexUint64 `json:"TLS.sdkappid"`
	Time       flexInt64  `json:"TLS.time"`
	Expire     flexInt64  `json:"TLS.expire"`
	UserBuf    *string    `json:"TLS.userbuf"`
	Sig        *string    `json:"TLS.sig"`
}

// parseDocument parses the inflated JSON into a Sig, requiring every field
// the HMAC covers.
func parseDocument(data []byte) (Sig, error) {
	var d document
	if err := json.Unmarshal(data, &d); err != nil {
		return Sig{}, errorf(ErrMalformed, "usersig is malformed: parse: %v", err)
	}
	if problem := d.problem(); problem != "" {
		return Sig{}, errorf(ErrMalformed, "usersig is malformed: %s", problem)
	}
	mac, err := decodeStd(*d.Sig)
	if err != nil || len(mac) != 32 {
		return Sig{}, errorf(ErrMalformed, "usersig is malformed: TLS.sig is not 32 bytes of base64")
	}
	s := Sig{
		Identifier: *d.Identifier,
		SDKAppID:   d.SDKAppID.v,
		Time:       d.Time.v,
		Expire:     d.Expire.v,
		HMAC:       mac,
	}
	if d.UserBuf != nil {
		// Strict standard base64, so that re-encoding the bytes for the HMAC
		// text gives back exactly the string the signer used.
		s.UserBuf, err = base64.StdEncoding.Strict().AppendDecode(make([]byte, 0, len(*d.UserBuf)), []byte(*d.UserBuf))
		if err != nil {
			return Sig{}, errorf(ErrMalformed, "usersig is malformed: TLS.userbuf is not standard base64")
		}
	}
	return s, nil
}

// problem describes the first required field that is absent or not of the
// right type, or returns "".
func (d *document) problem() string {
	switch {
	case d.Identifier == nil:
		return "TLS.identifier is missing"
	case d.SDKAppID.state != numOK:
		return numProblem("TLS.sdkappid", d.SDKAppID.state)
	case d.Time.state != numOK:
		return numProblem("TLS.time", d.Time.state)
	case d.Expire.state != numOK:
		return numProblem("TLS.expire", d.Expire.state)
	case d.Sig == nil:
		return "TLS.sig is missing"
	}
	return ""
}

// numProblem describes a number field that is not numOK.
func numProblem(name string, state numState) string {
	if state == numAbsent {
		return name + " is missing"
	}
	return name + " is not an integer"
}

// decodeStd decodes standard base64 with or without padding.
func decodeStd(s string) ([]byte, error) {
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}
