package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/bench"
)

// bencher runs one timbench invocation and owns what it started.
type bencher struct {
	o      *options
	stdout io.Writer
	stderr io.Writer

	timd    *spawnedTimd    // nil with -target or -scenario ceiling
	extra   []*spawnedTimd  // the other replicas of -scenario stream
	ceiling *spawnedCeiling // nil with -no-ceiling
	pg      *bench.PGBaseline

	serverURL string // the timd driven
	serverPID int    // 0 when unknown
	target    bench.Target
	data      *bench.Dataset
	report    *bench.Report
}

// close stops the processes and drops the PostgreSQL schema timbench made.
func (b *bencher) close() {
	if b.pg != nil {
		if err := b.pg.Close(); err != nil {
			fmt.Fprintln(b.stderr, "timbench:", err)
		}
	}
	if b.ceiling != nil {
		b.ceiling.stop(5 * time.Second)
	}
	for _, r := range b.extra {
		r.stop(30 * time.Second)
	}
	if b.timd != nil {
		b.timd.close(b.o.keep)
		if b.o.keep {
			fmt.Fprintf(b.stderr, "timbench: kept %s (data and timd.log)\n", b.timd.dir)
		}
	}
}

// run does the whole invocation: servers, set-up, phases, report.
func (b *bencher) run(ctx context.Context) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400) // fewer collections: the generator shares the cores with the server
	}
	o := b.o
	if o.scenario == bench.ScenarioStream {
		return b.runStream(ctx)
	}
	b.report = &bench.Report{Command: redactedCommand(os.Args[1:]), Started: time.Now(),
		Scenario: o.scenario, Params: o.params(), Target: "spawned timd", Store: "-",
		Machine: bench.Machine{CPUs: runtime.NumCPU(), LoadStart: bench.LoadAverage()}}
	if err := b.startServer(ctx); err != nil {
		return err
	}
	w, err := bench.NewWorkload(o.scenario, b.data, o.fields, o.readBand, b.target)
	if err != nil {
		return err
	}
	if o.sendGroups > 0 {
		if err := w.SetSendGroups(o.sendGroups); err != nil {
			return err
		}
	}
	if base := w.Base(); base != nil {
		b.report.Base = base.Name()
	}
	if !o.noCeiling {
		if err := b.startCeiling(ctx, w); err != nil {
			return err
		}
	}
	if o.pgxDSN != "" {
		if err := b.openPG(ctx); err != nil {
			return err
		}
	}
	for i := range o.repeat {
		run, err := b.round(ctx, w, i)
		if err != nil {
			return err
		}
		b.report.Runs = append(b.report.Runs, run)
	}
	return b.finish()
}

// startCeiling starts the ceiling server. For a scenario that reads, it first fetches
// one real answer of timd to a read, which the ceiling then answers to every read.
func (b *bencher) startCeiling(ctx context.Context, w *bench.Workload) error {
	var answer []byte
	if b.serverURL != "" {
		c, err := b.caller(b.serverURL)
		if err != nil {
			return err
		}
		if answer, err = w.SampleReadAnswer(ctx, c); err != nil {
			return err
		}
		b.report.CeilingReadBytes = len(answer)
	}
	var err error
	if b.ceiling, err = spawnCeiling(ctx, answer); err != nil {
		return err
	}
	b.logf("ceiling server at %s, pid %d", b.ceiling.url, b.ceiling.pid())
	if answer != nil {
		b.logf("the ceiling answers each read with %d bytes, timd's answer to one read of the scenario", len(answer))
	}
	return nil
}

// startServer spawns timd or checks -target, then prepares the data set. For the ceiling
// scenario there is no server: the data set is made up.
func (b *bencher) startServer(ctx context.Context) error {
	o := b.o
	b.target = bench.Target{SDKAppID: o.sdkappid, Admin: o.admin, Key: o.secretKey}
	if o.scenario == bench.ScenarioCeiling {
		b.report.Target, b.data = "none", fakeDataset(o)
		if b.target.Key == "" {
			b.target.Key = randomKey()
		}
		return nil
	}
	if o.target != "" {
		if o.serverPID != 0 {
			if _, err := bench.ProcCPU(o.serverPID); err != nil {
				return fmt.Errorf("-server-pid: %w", err)
			}
		}
		b.serverURL, b.serverPID = strings.TrimRight(o.target, "/"), o.serverPID
		b.report.Target, b.report.Store = b.serverURL, "unknown (-target)"
	} else {
		t, err := spawnTimd(ctx, o)
		if err != nil {
			return err
		}
		b.timd, b.serverURL, b.serverPID = t, t.url, t.pid()
		b.target.Key = t.key
		b.report.Store = t.store
		b.logf("timd at %s, pid %d, data and log in %s", t.url, t.pid(), t.dir)
	}
	b.target.Base = b.serverURL
	return b.prepare(ctx)
}

// prepare makes the data set through the API.
func (b *bencher) prepare(ctx context.Context) error {
	o := b.o
	c, err := bench.NewCaller(b.target, bench.NewHTTPClient(o.setupC, time.Minute))
	if err != nil {
		return err
	}
	cfg := bench.SetupConfig{Groups: o.groups, Members: o.members, BigMembers: o.bigMembers, Parallel: o.setupC, Progress: b.stderr}
	if o.scenario == bench.ScenarioHistory {
		cfg.HistoryMessages = o.historyMessages
	}
	d, t, err := bench.Prepare(ctx, c, cfg)
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	b.data = d
	b.report.Setup = &bench.SetupReport{
		Accounts: d.Accounts(), Groups: len(d.Groups), Members: d.Members, BigMembers: d.BigMembers,
		AccountsSeconds: t.Accounts.Seconds(), GroupsSeconds: t.Groups.Seconds(), BigSeconds: t.Big.Seconds(),
		HistoryMessages: d.HistoryMessages, HistoryTop: d.HistoryTop, HistorySeconds: t.History.Seconds(),
		TotalSeconds: t.Total.Seconds(),
	}
	b.logf("set-up done in %s", t.Total.Round(time.Millisecond))
	if b.timd != nil && o.restart {
		took, err := b.timd.restart(ctx)
		if err != nil {
			return fmt.Errorf("restart timd: %w", err)
		}
		b.serverPID = b.timd.pid()
		b.report.Setup.RestartSeconds = took.Seconds()
		b.logf("timd restarted with the data set in %s, pid %d", took.Round(time.Millisecond), b.serverPID)
	}
	return nil
}

// fakeDataset is the data set of the ceiling scenario, which sends modify bodies to the
// ceiling server only.
func fakeDataset(o *options) *bench.Dataset {
	d := &bench.Dataset{Prefix: "tb", Members: o.members}
	for i := range o.groups {
		d.Groups = append(d.Groups, "@TGS#2CEILING"+strconv.Itoa(i))
	}
	return d
}

// openPG creates the pgx baseline's table.
func (b *bencher) openPG(ctx context.Context) error {
	o := b.o
	start := time.Now()
	pg, err := bench.OpenPGBaseline(ctx, o.pgxDSN, o.groups, o.members, o.concurrency)
	if err != nil {
		return fmt.Errorf("pgx baseline: %w", err)
	}
	b.pg = pg
	if b.report.Setup != nil {
		b.report.Setup.PgxRows = pg.Rows()
	}
	b.logf("pgx baseline: %d rows in %s", pg.Rows(), time.Since(start).Round(time.Millisecond))
	return nil
}

// round runs the phases of round i: ceiling, the scenario and its baseline (in turn first:
// the baseline in even rounds, the scenario in odd ones), pgx-raw.
func (b *bencher) round(ctx context.Context, w *bench.Workload, i int) (bench.Run, error) {
	o := b.o
	var run bench.Run
	add := func(p *bench.Phase, err error) error {
		if err == nil {
			run.Phases = append(run.Phases, p)
		}
		return err
	}
	if b.ceiling != nil {
		c, err := b.caller(b.ceiling.url)
		if err != nil {
			return run, err
		}
		if err := add(b.phase(ctx, i, "ceiling", w.NewCeilingOp(c), b.ceiling.pid(), "bare net/http, separate process")); err != nil {
			return run, err
		}
	}
	if o.scenario != bench.ScenarioCeiling {
		ws := []*bench.Workload{w}
		if base := w.Base(); base != nil {
			ws = []*bench.Workload{base, w}
			if i%2 == 1 {
				ws[0], ws[1] = ws[1], ws[0]
			}
		}
		for _, pw := range ws {
			c, err := b.caller(b.serverURL)
			if err != nil {
				return run, err
			}
			if err := add(b.phase(ctx, i, pw.Name(), pw.NewOp(c), b.serverPID, "timd, store "+b.report.Store)); err != nil {
				return run, err
			}
		}
	}
	if b.pg != nil {
		if err := add(b.phase(ctx, i, "pgx-raw", b.pg.NewOp, 0, "raw pgx UPDATE, autocommit")); err != nil {
			return run, err
		}
	}
	run.SetRatios(o.scenario, b.report.Base)
	return run, nil
}

// caller returns a Caller of the server at url with a client of its own.
func (b *bencher) caller(url string) (*bench.Caller, error) {
	t := b.target
	t.Base = url
	return bench.NewCaller(t, bench.NewHTTPClient(b.o.httpConns(), b.o.timeout))
}

// phase drives one phase and measures it; pid is the server's (0 for unknown).
func (b *bencher) phase(ctx context.Context, round int, name string, newOp func(int) bench.Op, pid int, note string) (*bench.Phase, error) {
	o := b.o
	b.logf("round %d/%d: %s (%s): %s warm-up, %s measured", round+1, o.repeat, name, o.loadLabel(), o.warmup, o.duration)
	var m measure
	w, err := bench.Drive(ctx, o.load(), len(bench.BandNames()), newOp, m.hooks(pid))
	if err != nil {
		return nil, err
	}
	if err := firstErr(m.cpuErr, m.memErr); err != nil {
		b.logf("WARNING: %s: the server's CPU and memory were not measured: %v", name, err)
	}
	p := bench.NewPhase(name, o.loadLabel(), w, bench.BandNames(), m.server(), m.gen1-m.gen0)
	p.Note = note
	b.logf("  %s: %.0f req/s, p99 %.2f ms, %d errors", name, p.ReqPerSec, p.Latency.P99, p.Requests-p.OK)
	return p, nil
}

// measure takes the CPU and memory figures at the bounds of a window.
type measure struct {
	pid        int
	gen0, gen1 time.Duration
	cpu0, cpu1 time.Duration
	cpuErr     error
	sampler    *bench.RSSSampler
	peak       int64
	mem        bench.Memory
	memErr     error
}

// hooks returns the hooks of a window for server pid (0: only this process is measured).
func (m *measure) hooks(pid int) bench.Hooks {
	m.pid = pid
	return bench.Hooks{
		Start: func() {
			m.gen0 = bench.SelfCPU()
			if pid > 0 {
				m.cpu0, m.cpuErr = bench.ProcCPU(pid)
				m.sampler = bench.StartRSSSampler(pid, 100*time.Millisecond)
			}
		},
		End: func() {
			m.gen1 = bench.SelfCPU()
			if pid > 0 {
				var err error
				m.cpu1, err = bench.ProcCPU(pid)
				m.cpuErr = firstErr(m.cpuErr, err)
				m.peak = m.sampler.Stop()
				m.mem, m.memErr = bench.ProcMemory(pid)
			}
		},
	}
}

// server returns the server's usage, or nil when it was not measured.
func (m *measure) server() *bench.ServerUsage {
	if m.pid == 0 || m.cpuErr != nil || m.memErr != nil {
		return nil
	}
	return &bench.ServerUsage{CPU: m.cpu1 - m.cpu0, PeakRSS: m.peak, Memory: m.mem}
}

// firstErr returns the first non-nil error.
func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// finish prints the report and writes its JSON.
func (b *bencher) finish() error {
	r := b.report
	r.Machine.LoadEnd = bench.LoadAverage()
	r.SetMedians()
	r.Warn()
	fmt.Fprintln(b.stdout)
	r.WriteText(b.stdout)
	for _, w := range r.Warnings {
		fmt.Fprintf(b.stderr, "timbench: WARNING: %s\n", w)
	}
	if b.o.jsonPath == "" {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep the & of a DSN in the command readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	return os.WriteFile(b.o.jsonPath, buf.Bytes(), 0o644)
}

// logf prints a progress line.
func (b *bencher) logf(format string, args ...any) {
	fmt.Fprintf(b.stderr, "timbench: "+format+"\n", args...)
}
