package server

import (
	"io"
	"net/http"
	"strings"
)

// drainLimit bounds how much of an unread request body drainBody reads: the default
// body limit of an app (1 MiB). A longer body is left unread and its stream reset.
const drainLimit = 1 << 20

// drainBody reads what the handler left of an HTTP/2 request's body before the answer
// ends its stream.
//
// timd answers many errors (a bad UserSig, a rate limit) without reading the body. Over
// HTTP/1 net/http drains an unread body itself. Over HTTP/2 it ends the answer and then
// resets the stream (RST_STREAM NO_ERROR, which RFC 9113 §8.1 allows), and the DATA frames
// the client was still sending meet a closed stream and a second reset (STREAM_CLOSED).
// Some clients take either reset for a failure and drop the answer they already had: curl
// fails with "(92) Stream error in the HTTP/2 framing layer" and an empty body. Reading the
// body first lets the client finish its request, so the answer closes the stream cleanly.
//
// A request with "Expect: 100-continue" is left alone: reading its body would ask the
// client to send a body the answer does not need.
func drainBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.ProtoMajor != 2 || r.Body == nil || r.Body == http.NoBody {
			return
		}
		if strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
			return
		}
		_, _ = io.CopyN(io.Discard, r.Body, drainLimit)
	})
}
