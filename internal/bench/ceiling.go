package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// okEnvelope is the ceiling server's answer to every call but a read: timd's answer to a
// command that returns no fields.
const okEnvelope = okPrefix + "}"

// readPath is the path of the read scenario's command.
const readPath = "/v4/" + cmdRead

// CeilingHandler is the bare net/http handler every result is compared to: it reads the
// request body and answers the OK envelope, as fast as net/http allows. With a
// readAnswer, it answers a read (get_group_member_info) with those bytes instead: a real
// answer of timd to the same kind of read, so that a read is compared to a server that
// writes as many bytes, not 50 (see Workload.SampleReadAnswer).
func CeilingHandler(readAnswer []byte) http.Handler {
	body := []byte(okEnvelope)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if readAnswer != nil && r.URL.Path == readPath {
			_, _ = w.Write(readAnswer)
			return
		}
		_, _ = w.Write(body)
	})
}

// ServeCeiling serves CeilingHandler(readAnswer) on addr (a loopback host:port; port 0
// picks one) until ctx ends. Once it listens it writes "listening ADDR\n" to ready.
func ServeCeiling(ctx context.Context, addr string, readAnswer []byte, ready io.Writer) error {
	if err := CheckLoopbackHostPort(addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: CeilingHandler(readAnswer), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if _, err := fmt.Fprintf(ready, "listening %s\n", ln.Addr()); err != nil {
		srv.Close()
		return err
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) {
		err = errors.Join(err, e)
	}
	return err
}
