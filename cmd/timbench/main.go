// Command timbench is timd's load generator. It prepares a data set through the REST API,
// drives the server with a fixed concurrency or a fixed rate, and reports req/s,
// latency percentiles, error codes, the server's CPU time per request and its memory,
// each as a ratio to a bare net/http server (the ceiling) measured in the same run.
//
// Usage:
//
//	timbench [flags]
//
// By default it starts the timd binary next to its own executable (or -timd PATH) on a
// free loopback port with a fresh data directory and rate limits off; with -target URL it
// drives a server already running, which must be on a loopback address. BENCHMARKS.md
// describes the scenarios, the flags and every number of the report.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills at once; the children die with us (Pdeathsig)
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && ctx.Err() != nil {
		err = errors.New("interrupted")
	}
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "timbench:", err)
		os.Exit(1)
	}
}

// run runs timbench with args, or the hidden ceiling server when args ask for it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if ca, ok := ceilingArg(args); ok {
		return serveCeiling(ctx, ca, stdout)
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	b := &bencher{o: o, stdout: stdout, stderr: stderr}
	defer b.close()
	return b.run(ctx)
}

// ceilingFlag is the hidden flag that makes timbench the ceiling server: timbench runs
// its own executable with it, so the ceiling does not share the generator's runtime.
const ceilingFlag = "-serve-ceiling"

// ceilingArgs are the arguments of the ceiling server: its address, and the file holding
// the answer it gives every read ("" for none: reads get the OK envelope too).
type ceilingArgs struct {
	addr       string
	answerFile string
}

// ceilingArg parses "-serve-ceiling ADDR [FILE]" or "-serve-ceiling=ADDR [FILE]".
func ceilingArg(args []string) (ceilingArgs, bool) {
	var rest []string
	switch {
	case len(args) >= 2 && args[0] == ceilingFlag:
		rest = args[1:]
	case len(args) >= 1 && strings.HasPrefix(args[0], ceilingFlag+"="):
		rest = append([]string{strings.TrimPrefix(args[0], ceilingFlag+"=")}, args[1:]...)
	}
	switch len(rest) {
	case 1:
		return ceilingArgs{addr: rest[0]}, true
	case 2:
		return ceilingArgs{addr: rest[0], answerFile: rest[1]}, true
	}
	return ceilingArgs{}, false
}
