package usersig

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"sync"
	"time"
)

// mintDocument is the JSON a minted UserSig carries, in the key order of
// Tencent's Go SDK.
type mintDocument struct {
	Ver        string  `json:"TLS.ver"`
	Identifier string  `json:"TLS.identifier"`
	SDKAppID   uint64  `json:"TLS.sdkappid"`
	Expire     int64   `json:"TLS.expire"`
	Time       int64   `json:"TLS.time"`
	UserBuf    *string `json:"TLS.userbuf,omitempty"`
	Sig        string  `json:"TLS.sig"`
}

// Mint returns a UserSig for identifier in app sdkappid, signed with key,
// issued at now and valid for expire seconds, without a userbuf. The result
// is compact JSON, zlib-compressed, in Tencent's base64 variant with padding
// kept as '_', so it holds only A-Z a-z 0-9 '*' '-' '_'.
func Mint(sdkappid uint64, identifier, key string, expire int64, now time.Time) string {
	return MintWithUserBuf(sdkappid, identifier, key, expire, now, nil)
}

// MintWithUserBuf is Mint with a userbuf: TLS.userbuf carries the standard
// base64 of userbuf and the signed text gains the line
// "TLS.userbuf:<base64>\n". A nil userbuf mints exactly what Mint does; an
// empty non-nil one is carried as an empty TLS.userbuf.
func MintWithUserBuf(sdkappid uint64, identifier, key string, expire int64, now time.Time, userbuf []byte) string {
	issued := now.Unix()
	mac := sign(nil, sdkappid, identifier, key, issued, expire, userbuf)
	doc := mintDocument{
		Ver:        "2.0",
		Identifier: identifier,
		SDKAppID:   sdkappid,
		Expire:     expire,
		Time:       issued,
		Sig:        base64.StdEncoding.EncodeToString(mac),
	}
	if userbuf != nil {
		b64 := base64.StdEncoding.EncodeToString(userbuf)
		doc.UserBuf = &b64
	}
	data, err := json.Marshal(doc)
	if err != nil {
		// Strings and integers always marshal.
		panic("usersig: marshal document: " + err.Error())
	}
	return encodeTencent(compress(data))
}

// zlibWriters keeps zlib writers for reuse: a new one allocates about 800 KB, many times
// the cost of the rest of Mint, and load generators and test fakes mint on every call.
// Like decode's pool it holds no state between calls.
var zlibWriters = sync.Pool{New: func() any { return zlib.NewWriter(nil) }}

// compress returns data as a zlib stream, at the default level as Tencent's SDKs write
// it (so a sig minted here is byte for byte the one they mint).
func compress(data []byte) []byte {
	var buf bytes.Buffer
	zw := zlibWriters.Get().(*zlib.Writer)
	zw.Reset(&buf)
	zw.Write(data) // writes to a bytes.Buffer do not fail
	zw.Close()
	zlibWriters.Put(zw)
	return buf.Bytes()
}

// encodeTencent encodes b in standard base64 and then swaps in Tencent's
// characters: '+' as '*', '/' as '-', '=' as '_'.
func encodeTencent(b []byte) string {
	out := base64.StdEncoding.AppendEncode(nil, b)
	for i, c := range out {
		switch c {
		case '+':
			out[i] = '*'
		case '/':
			out[i] = '-'
		case '=':
			out[i] = '_'
		}
	}
	return string(out)
}
