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
	if addr, ok := ceilingArg(args); ok {
		return serveCeiling(ctx, addr, stdout)
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

// ceilingArg returns ADDR when args are "-serve-ceiling ADDR" or "-serve-ceiling=ADDR".
func ceilingArg(args []string) (string, bool) {
	if len(args) == 2 && args[0] == ceilingFlag {
		return args[1], true
	}
	if len(args) == 1 {
		return strings.CutPrefix(args[0], ceilingFlag+"=")
	}
	return "", false
}
