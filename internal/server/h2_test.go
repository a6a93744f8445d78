package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/server"
	"github.com/timdhq/timd/internal/usersig"
)

// These tests send calls that timd refuses before it reads their body (a UserSig made
// with the wrong key: 70009) over TLS and HTTP/2. The answer must reach the client whole,
// and the stream must end without a reset: curl takes a RST_STREAM that arrives while it
// still uploads for a failure ("(92) Stream error in the HTTP/2 framing layer") and drops
// the answer.

// wrongKeyPath is an account_check call whose UserSig was made with another key.
func wrongKeyPath() string {
	sig := usersig.Mint(1400000000, "administrator", "another key entirely, not testKey", 3600, time.Now())
	return "/v4/im_open_login_svc/account_check?sdkappid=1400000000&identifier=administrator&usersig=" + sig + "&random=1&contenttype=json"
}

const checkBody = `{"CheckItem":[{"UserID":"alice"},{"UserID":"bob"}]}`

// mustServeTLS starts timd over TLS and returns its address and a TLS config trusting it.
func mustServeTLS(t *testing.T) (string, *tls.Config) {
	t.Helper()
	certFile, keyFile, pool := MustSelfSignedCert(t)
	cfg := config.Default()
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	return MustServe(t, cfg, server.Options{}), &tls.Config{RootCAs: pool}
}

// TestHTTP2ErrorAnswerWithoutReset speaks HTTP/2 frame by frame: it sends a call's
// HEADERS, waits, then its DATA. timd must wait for the body and answer 70009 with the
// stream ended by its own DATA frame, never with a RST_STREAM.
func TestHTTP2ErrorAnswerWithoutReset(t *testing.T) {
	addr, tlsConf := mustServeTLS(t)
	tlsConf.NextProtos = []string{"h2"}
	conn, err := tls.Dial("tcp", addr, tlsConf)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if p := conn.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("ALPN: got %q, want h2", p)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	h2 := &h2Conn{w: conn, r: bufio.NewReader(conn)}
	h2.start(t)
	h2.headers(t, 1, addr, wrongKeyPath(), len(checkBody))
	// The client is slow with its body, as one whose DATA is still on the wire when the
	// server has made up its mind.
	time.Sleep(100 * time.Millisecond)
	h2.data(t, 1, []byte(checkBody))

	h2.mustAnswer(t, 1)
	// A reset of the first stream would come after its answer; the second call's frames
	// come after it.
	h2.headers(t, 3, addr, wrongKeyPath(), len(checkBody))
	h2.data(t, 3, []byte(checkBody))
	h2.mustAnswer(t, 3)
}

// mustAnswer reads frames until stream ends and checks that its answer is the 70009
// envelope; a RST_STREAM of any stream fails t.
func (c *h2Conn) mustAnswer(t *testing.T, stream uint32) {
	t.Helper()
	var body bytes.Buffer
	for ended := false; !ended; {
		f := c.read(t)
		switch {
		case f.typ == frameRSTStream:
			t.Fatalf("got RST_STREAM %s on stream %d, want every stream ended by its answer",
				h2ErrCode(binary.BigEndian.Uint32(f.payload)), f.stream)
		case f.stream != stream:
		case f.typ == frameData:
			body.Write(f.payload)
			ended = f.flags&flagEndStream != 0
		case f.typ == frameHeaders:
			ended = f.flags&flagEndStream != 0
		}
	}
	var env struct{ ErrorCode int }
	if err := json.Unmarshal(body.Bytes(), &env); err != nil || env.ErrorCode != 70009 {
		t.Errorf("answer on stream %d: got %q, want the envelope with ErrorCode 70009", stream, body.String())
	}
}

// TestHTTP2ErrorAnswersGoClient sends concurrent wrong-key calls through Go's own
// HTTP/2 client: every one gets HTTP 200 and the whole 70009 envelope.
func TestHTTP2ErrorAnswersGoClient(t *testing.T) {
	addr, tlsConf := mustServeTLS(t)
	// One connection: concurrent first requests would each dial one, and a spare one could
	// outlive CloseIdleConnections without ever sending a request; the server's Shutdown
	// waits 5 s for such a connection, the cleanup's whole deadline (failed 2 runs in 40).
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConf, ForceAttemptHTTP2: true, MaxConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			resp, err := client.Post("https://"+addr+wrongKeyPath(), "application/json", strings.NewReader(checkBody))
			if err != nil {
				t.Errorf("call %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			var env struct{ ErrorCode int }
			if err != nil || resp.ProtoMajor != 2 || resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &env) != nil || env.ErrorCode != 70009 {
				t.Errorf("call %d: got %s %d %q %v, want HTTP/2.0 200 and ErrorCode 70009", i, resp.Proto, resp.StatusCode, raw, err)
			}
		})
	}
	wg.Wait()
}

// TestHTTP2ErrorAnswersCurl is the report's reproduction: curl --http2 with a wrong key,
// 20 times. It is skipped where curl is not installed or lacks HTTP/2.
func TestHTTP2ErrorAnswersCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	if out, _ := exec.Command(curl, "--version").Output(); !bytes.Contains(out, []byte("HTTP2")) {
		t.Skip("curl without HTTP/2")
	}
	certFile, keyFile, _ := MustSelfSignedCert(t)
	cfg := config.Default()
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	addr := MustServe(t, cfg, server.Options{})
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := exec.CommandContext(ctx, curl, "-sS", "--http2", "--cacert", certFile, "-X", "POST",
			"https://"+addr+wrongKeyPath(), "-d", checkBody).CombinedOutput()
		cancel()
		if err != nil || !bytes.Contains(out, []byte(`"ErrorCode":70009`)) {
			t.Fatalf("curl call %d: got %v %q, want the 70009 envelope", i, err, out)
		}
	}
}

// HTTP/2 frame types and flags these tests use (RFC 9113 §6).
const (
	frameData      = 0x0
	frameHeaders   = 0x1
	frameRSTStream = 0x3
	frameSettings  = 0x4
	framePing      = 0x6
	frameGoAway    = 0x7

	flagEndStream  = 0x1
	flagAck        = 0x1
	flagEndHeaders = 0x4
)

// h2ErrCode names an HTTP/2 error code.
func h2ErrCode(code uint32) string {
	names := map[uint32]string{0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR", 3: "FLOW_CONTROL_ERROR", 5: "STREAM_CLOSED", 8: "CANCEL"}
	if n, ok := names[code]; ok {
		return n
	}
	return fmt.Sprintf("error code %d", code)
}

// h2Conn is the client side of an HTTP/2 connection, just enough to send one POST at a
// time and read frames.
type h2Conn struct {
	w io.Writer
	r *bufio.Reader
}

// h2Frame is one frame read.
type h2Frame struct {
	typ, flags byte
	stream     uint32
	payload    []byte
}

// start sends the connection preface and an empty SETTINGS frame.
func (c *h2Conn) start(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(c.w, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	c.write(t, frameSettings, 0, 0, nil)
}

// write sends one frame.
func (c *h2Conn) write(t *testing.T, typ, flags byte, stream uint32, payload []byte) {
	t.Helper()
	hdr := make([]byte, 9, 9+len(payload))
	hdr[0], hdr[1], hdr[2] = byte(len(payload)>>16), byte(len(payload)>>8), byte(len(payload))
	hdr[3], hdr[4] = typ, flags
	binary.BigEndian.PutUint32(hdr[5:], stream)
	if _, err := c.w.Write(append(hdr, payload...)); err != nil {
		t.Fatalf("write frame: %v", err)
	}
}

// headers sends the HEADERS of a POST of n bytes of JSON to path, without END_STREAM.
func (c *h2Conn) headers(t *testing.T, stream uint32, authority, path string, n int) {
	t.Helper()
	var block []byte
	for _, f := range [][2]string{
		{":method", "POST"}, {":scheme", "https"}, {":authority", authority}, {":path", path},
		{"content-type", "application/json"}, {"content-length", fmt.Sprint(n)},
	} {
		block = hpackLiteral(block, f[0], f[1])
	}
	c.write(t, frameHeaders, flagEndHeaders, stream, block)
}

// data sends body as one DATA frame that ends the stream.
func (c *h2Conn) data(t *testing.T, stream uint32, body []byte) {
	t.Helper()
	c.write(t, frameData, flagEndStream, stream, body)
}

// read returns the next frame, acknowledging SETTINGS and PING on the way.
func (c *h2Conn) read(t *testing.T) h2Frame {
	t.Helper()
	for {
		var hdr [9]byte
		if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
			t.Fatalf("read frame: %v", err)
		}
		f := h2Frame{typ: hdr[3], flags: hdr[4], stream: binary.BigEndian.Uint32(hdr[5:]) & 0x7fffffff}
		f.payload = make([]byte, int(hdr[0])<<16|int(hdr[1])<<8|int(hdr[2]))
		if _, err := io.ReadFull(c.r, f.payload); err != nil {
			t.Fatalf("read frame: %v", err)
		}
		switch {
		case f.typ == frameSettings && f.flags&flagAck == 0:
			c.write(t, frameSettings, flagAck, 0, nil)
		case f.typ == framePing && f.flags&flagAck == 0:
			c.write(t, framePing, flagAck, 0, f.payload)
		case f.typ == frameGoAway:
			t.Fatalf("got GOAWAY %x", f.payload)
		default:
			return f
		}
	}
}

// hpackLiteral appends a header field as an HPACK literal without indexing, with a new
// name and no Huffman coding (RFC 7541 §6.2.2).
func hpackLiteral(b []byte, name, value string) []byte {
	b = append(b, 0)
	b = hpackString(b, name)
	return hpackString(b, value)
}

// hpackString appends s with its length as a 7-bit prefix integer (RFC 7541 §5.1, §5.2).
func hpackString(b []byte, s string) []byte {
	n := len(s)
	if n < 127 {
		b = append(b, byte(n))
	} else {
		b = append(b, 127)
		for n -= 127; n >= 128; n >>= 7 {
			b = append(b, byte(n%128)|0x80)
		}
		b = append(b, byte(n))
	}
	return append(b, s...)
}
