package bench

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"hash"
	"strconv"
	"time"
)

// Minter mints UserSigs as usersig.Mint does (TLS sig v2, the same document and key
// order), for a load generator that signs every request: it reuses its compressor and
// HMAC, where usersig.Mint allocates a fresh zlib writer (about 800 KB) per call. It
// compresses at zlib.BestSpeed; the server inflates whatever level the stream has. A
// Minter is not safe for concurrent use.
type Minter struct {
	sdkappid uint64
	id       string
	idJSON   []byte
	mac      hash.Hash
	zbuf     bytes.Buffer
	zw       *zlib.Writer
	text     []byte
	doc      []byte
	sum      []byte
}

// NewMinter returns a Minter for identifier of app sdkappid with the app's secret key.
func NewMinter(sdkappid uint64, identifier, key string) *Minter {
	idJSON, _ := json.Marshal(identifier) // a string always marshals
	m := &Minter{sdkappid: sdkappid, id: identifier, idJSON: idJSON, mac: hmac.New(sha256.New, []byte(key))}
	m.zw, _ = zlib.NewWriterLevel(&m.zbuf, zlib.BestSpeed) // a valid level never fails
	return m
}

// Mint returns a UserSig issued at now, valid for expire seconds.
func (m *Minter) Mint(now time.Time, expire int64) string {
	issued := now.Unix()
	m.text = append(m.text[:0], "TLS.identifier:"...)
	m.text = append(m.text, m.id...)
	m.text = append(m.text, "\nTLS.sdkappid:"...)
	m.text = strconv.AppendUint(m.text, m.sdkappid, 10)
	m.text = append(m.text, "\nTLS.time:"...)
	m.text = strconv.AppendInt(m.text, issued, 10)
	m.text = append(m.text, "\nTLS.expire:"...)
	m.text = strconv.AppendInt(m.text, expire, 10)
	m.text = append(m.text, '\n')
	m.mac.Reset()
	m.mac.Write(m.text)
	m.sum = m.mac.Sum(m.sum[:0])

	d := append(m.doc[:0], `{"TLS.ver":"2.0","TLS.identifier":`...)
	d = append(d, m.idJSON...)
	d = append(d, `,"TLS.sdkappid":`...)
	d = strconv.AppendUint(d, m.sdkappid, 10)
	d = append(d, `,"TLS.expire":`...)
	d = strconv.AppendInt(d, expire, 10)
	d = append(d, `,"TLS.time":`...)
	d = strconv.AppendInt(d, issued, 10)
	d = append(d, `,"TLS.sig":"`...)
	d = base64.StdEncoding.AppendEncode(d, m.sum)
	d = append(d, `"}`...)
	m.doc = d

	m.zbuf.Reset()
	m.zw.Reset(&m.zbuf)
	m.zw.Write(m.doc) // writes to a bytes.Buffer do not fail
	m.zw.Close()
	return tencentBase64(m.zbuf.Bytes())
}

// tencentBase64 encodes b in standard base64 with Tencent's substitutions: '+' as '*',
// '/' as '-', '=' as '_'.
func tencentBase64(b []byte) string {
	out := base64.StdEncoding.AppendEncode(make([]byte, 0, base64.StdEncoding.EncodedLen(len(b))), b)
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
