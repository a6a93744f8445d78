package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/bench"
)

// checkStream checks the flags of the stream scenario.
func (o *options) checkStream(bad func(string, ...any)) {
	if o.streams < 1 || o.streamMessages < 1 || o.streamIdle < 0 {
		bad("-streams and -stream-messages must be at least 1, -stream-idle not negative")
	}
	if o.target != "" {
		bad("-scenario stream spawns its servers: no -target")
	}
	if o.replicas < 1 {
		bad("-replicas must be at least 1")
	}
	if o.replicas > 1 && !o.postgres() {
		bad("-replicas %d needs PostgreSQL: -server-env TIMD_POSTGRES_DSN=...", o.replicas)
	}
}

// postgres reports whether the spawned timd runs on PostgreSQL.
func (o *options) postgres() bool {
	for _, kv := range o.serverEnv {
		if strings.HasPrefix(kv, "TIMD_POSTGRES_DSN=") {
			return true
		}
	}
	return false
}

// runStream runs the stream scenario: one group of -streams members, a stream open for
// each, spread over -replicas timd processes; the memory and CPU of the idle streams, then
// the fan-out latency of -stream-messages messages.
func (b *bencher) runStream(ctx context.Context) error {
	o := b.o
	t, err := spawnTimd(ctx, o)
	if err != nil {
		return err
	}
	b.timd = t
	replicas := []bench.StreamReplica{{Base: t.url, PID: t.pid()}}
	for range o.replicas - 1 {
		r, err := t.spawnReplica(ctx)
		if err != nil {
			return err
		}
		b.extra = append(b.extra, r)
		replicas = append(replicas, bench.StreamReplica{Base: r.url, PID: r.pid()})
	}
	b.logf("%d timd process(es), store %s", len(replicas), t.store)
	target := bench.Target{Base: t.url, SDKAppID: o.sdkappid, Admin: o.admin, Key: t.key}
	c, err := bench.NewCaller(target, bench.NewHTTPClient(o.setupC, time.Minute))
	if err != nil {
		return err
	}
	d, _, err := bench.Prepare(ctx, c, bench.SetupConfig{Groups: 1, Members: 1, BigMembers: o.streams, Parallel: o.setupC, Progress: b.stderr})
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	accounts := make([]string, o.streams)
	for i := range accounts {
		accounts[i] = d.Account(i)
	}
	rep, err := bench.RunStream(ctx, c, bench.StreamConfig{Replicas: replicas, SDKAppID: o.sdkappid, Key: t.key,
		Accounts: accounts, Group: d.Big, Messages: o.streamMessages, Idle: o.streamIdle, Progress: b.stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(b.stdout, "\n%s\nstore %s, %d CPUs, load %s\n", redactedCommand(os.Args[1:]), t.store, runtime.NumCPU(), bench.LoadAverage())
	rep.WriteText(b.stdout)
	if o.jsonPath == "" {
		return nil
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(o.jsonPath, append(data, '\n'), 0o644)
}

// spawnReplica starts another timd like t, on the same database and key, with a data
// directory and port of its own.
func (t *spawnedTimd) spawnReplica(ctx context.Context) (*spawnedTimd, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	r := &spawnedTimd{bin: t.bin, dir: t.dir, logPath: t.logPath + "." + addr, key: t.key, store: t.store, url: "http://" + addr}
	for _, kv := range t.env {
		switch {
		case strings.HasPrefix(kv, "TIMD_LISTEN="):
			kv = "TIMD_LISTEN=" + addr
		case strings.HasPrefix(kv, "TIMD_DATA="):
			kv += "-" + addr
		}
		r.env = append(r.env, kv)
	}
	if _, err := r.launch(ctx); err != nil {
		return nil, err
	}
	return r, nil
}
