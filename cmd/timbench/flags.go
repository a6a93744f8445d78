package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/timdhq/timd/internal/bench"
)

// options are timbench's flags.
type options struct {
	target         string
	serverPID      int
	timd           string
	serverEnv      []string
	serverLogLevel string
	keep           bool
	restart        bool

	sdkappid  uint64
	admin     string
	secretKey string
	fields    []string

	groups, members, bigMembers, setupC int
	sendGroups, historyMessages         int

	scenario, readBand        string
	duration, warmup, timeout time.Duration
	concurrency, conns, inMax int
	rate                      float64
	repeat                    int
	noCeiling                 bool
	pgxDSN, jsonPath          string

	// The stream scenario's (stream.go).
	streams, replicas, streamMessages int
	streamIdle                        time.Duration
}

// parseFlags parses and checks the flags.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("timbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: timbench [flags]\n\nLoad generator for timd; see BENCHMARKS.md.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.target, "target", "", "base URL of a running server to drive, e.g. http://127.0.0.1:8080 (loopback only); default: spawn timd")
	fs.IntVar(&o.serverPID, "server-pid", 0, "with -target: the server's pid, for its CPU time and memory")
	fs.StringVar(&o.timd, "timd", "", "timd binary to spawn (default: timd next to this executable)")
	fs.Func("server-env", "KEY=VAL for the spawned timd, e.g. TIMD_POSTGRES_DSN=...; repeatable", func(s string) error {
		if k, _, ok := strings.Cut(s, "="); !ok || k == "" {
			return errors.New("want KEY=VAL")
		}
		o.serverEnv = append(o.serverEnv, s)
		return nil
	})
	fs.StringVar(&o.serverLogLevel, "server-log-level", "", "TIMD_LOG_LEVEL of the spawned timd (default: timd's own, info: a log line per request)")
	fs.BoolVar(&o.restart, "restart", false, "restart the spawned timd after set-up: measures its start-up with the data set, and its VmHWM then excludes the set-up")
	fs.BoolVar(&o.keep, "keep", false, "keep the spawned timd's temporary directory (data and log)")
	fs.Uint64Var(&o.sdkappid, "sdkappid", 1400000000, "SDKAppID to call")
	fs.StringVar(&o.admin, "admin", "administrator", "app admin account to call as")
	fs.StringVar(&o.secretKey, "secret-key", "", "with -target: the app's secret key (default: $TIMD_SECRET_KEY); spawned: random")
	fields := fs.String("fields", "F1,F2,F3", "member custom fields modify writes (the spawned timd defines them); empty for none")
	fs.IntVar(&o.groups, "groups", 100, "normal groups to create")
	fs.IntVar(&o.members, "members", 100, "members per normal group")
	fs.IntVar(&o.bigMembers, "big-members", 0, "members of one big group for deep-offset reads; 0 for none")
	fs.IntVar(&o.setupC, "setup-c", 4, "set-up calls in flight at once")
	fs.IntVar(&o.sendGroups, "send-groups", 0, "send: messages go to the first N groups, 1 for one busy group (default: all -groups)")
	fs.IntVar(&o.historyMessages, "history-messages", 1000000, "history: messages imported into the history group")
	fs.StringVar(&o.scenario, "scenario", "modify", "modify, read, mixed, auth, ceiling, send, history or stream")
	fs.IntVar(&o.streams, "streams", 10000, "stream: event streams to open, one per member of one group")
	fs.IntVar(&o.replicas, "replicas", 1, "stream: timd processes to spawn on one database (more than 1 needs -server-env TIMD_POSTGRES_DSN=...)")
	fs.IntVar(&o.streamMessages, "stream-messages", 50, "stream: messages sent to the group, one at a time, for the fan-out latency")
	fs.DurationVar(&o.streamIdle, "stream-idle", 35*time.Second, "stream: how long the streams stay idle while the servers' CPU is measured (one keep-alive round is 30s)")
	fs.StringVar(&o.readBand, "read-band", "all", "pages read: all, groups, big0, bigmid or bigdeep")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time of each phase")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each phase")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "timeout of one request")
	fs.IntVar(&o.concurrency, "c", 64, "closed loop: requests in flight (workers); also the pgx-raw pool size")
	fs.Float64Var(&o.rate, "rate", 0, "open loop: requests per second (overrides -c for the load)")
	fs.IntVar(&o.inMax, "max-inflight", 4096, "open loop: cap of requests in flight")
	fs.IntVar(&o.conns, "conns", 0, "HTTP connections per server (default: -c, or 512 with -rate)")
	fs.IntVar(&o.repeat, "repeat", 1, "rounds of ceiling + scenario (+ pgx-raw); the report gives the median ratio")
	fs.BoolVar(&o.noCeiling, "no-ceiling", false, "skip the ceiling phase")
	fs.StringVar(&o.pgxDSN, "pgx-dsn", "", "PostgreSQL DSN (loopback) for the raw pgx UPDATE baseline; a temporary schema is created and dropped")
	fs.StringVar(&o.jsonPath, "json", "", "also write the report as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o.fields = splitList(*fields)
	if o.secretKey == "" && o.target != "" {
		o.secretKey = os.Getenv("TIMD_SECRET_KEY")
	}
	return o, o.check()
}

// check validates the flags together.
func (o *options) check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if o.target != "" {
		if err := bench.CheckLoopbackURL(o.target); err != nil {
			bad("-target: %v", err)
		}
		if o.secretKey == "" && o.scenario != bench.ScenarioCeiling {
			bad("-target needs the app's secret key: -secret-key or $TIMD_SECRET_KEY")
		}
		if len(o.serverEnv) > 0 || o.timd != "" || o.restart || o.serverLogLevel != "" {
			bad("-server-env, -server-log-level, -timd and -restart are for a spawned timd, not with -target")
		}
	} else if o.serverPID != 0 {
		bad("-server-pid is for -target; a spawned timd's pid is known")
	}
	for _, kv := range o.serverEnv {
		if k, v, _ := strings.Cut(kv, "="); k == "TIMD_POSTGRES_DSN" {
			if err := bench.CheckLoopbackDSN(v); err != nil {
				bad("-server-env TIMD_POSTGRES_DSN: %v", err)
			}
		}
	}
	if o.pgxDSN != "" {
		if err := bench.CheckLoopbackDSN(o.pgxDSN); err != nil {
			bad("-pgx-dsn: %v", err)
		}
	}
	switch o.scenario {
	case bench.ScenarioModify, bench.ScenarioRead, bench.ScenarioMixed, bench.ScenarioAuth, bench.ScenarioCeiling, bench.ScenarioSend:
	case bench.ScenarioHistory:
		if o.historyMessages < bench.HistoryPage {
			bad("-history-messages must be at least %d, a page", bench.HistoryPage)
		}
	case bench.ScenarioStream:
		o.checkStream(bad)
	default:
		bad("-scenario %q: want modify, read, mixed, auth, ceiling, send, history or stream", o.scenario)
	}
	if o.sendGroups < 0 || o.sendGroups > o.groups {
		bad("-send-groups %d: want 0 (all) to -groups (%d)", o.sendGroups, o.groups)
	}
	switch o.readBand {
	case bench.ReadAll, bench.ReadGroups:
	case bench.ReadBig0, bench.ReadBigMid, bench.ReadBigDeep:
		if o.bigMembers < bench.PageLimit {
			bad("-read-band %s needs -big-members of at least %d", o.readBand, bench.PageLimit)
		}
	default:
		bad("-read-band %q: want all, groups, big0, bigmid or bigdeep", o.readBand)
	}
	if o.scenario == bench.ScenarioCeiling && o.noCeiling {
		bad("-scenario ceiling with -no-ceiling measures nothing")
	}
	if o.groups < 1 || o.members < 1 || o.bigMembers < 0 || o.setupC < 1 {
		bad("-groups, -members and -setup-c must be at least 1, -big-members at least 0")
	}
	if o.duration <= 0 || o.warmup < 0 || o.timeout <= 0 {
		bad("-duration and -timeout must be positive, -warmup not negative")
	}
	if o.concurrency < 1 || o.rate < 0 || o.inMax < 1 || o.conns < 0 || o.repeat < 1 {
		bad("-c, -max-inflight and -repeat must be at least 1; -rate and -conns not negative")
	}
	return errors.Join(errs...)
}

// load returns the load of every phase.
func (o *options) load() bench.Load {
	return bench.Load{Concurrency: o.concurrency, Rate: o.rate, MaxInFlight: o.inMax,
		Warmup: o.warmup, Duration: o.duration, Grace: o.timeout + 5*time.Second}
}

// loadLabel describes the load in a report column.
func (o *options) loadLabel() string {
	if o.rate > 0 {
		return "rate=" + strconv.FormatFloat(o.rate, 'f', -1, 64) + "/s"
	}
	return "c=" + strconv.Itoa(o.concurrency)
}

// httpConns returns the connections per server.
func (o *options) httpConns() int {
	switch {
	case o.conns > 0:
		return o.conns
	case o.rate > 0:
		return min(512, o.inMax)
	}
	return o.concurrency
}

// params are the flags that shape the load, for the report.
func (o *options) params() map[string]string {
	p := map[string]string{
		"groups": strconv.Itoa(o.groups), "members": strconv.Itoa(o.members),
		"duration": o.duration.String(), "warmup": o.warmup.String(), "repeat": strconv.Itoa(o.repeat),
		"load": o.loadLabel(), "conns": strconv.Itoa(o.httpConns()), "fields": strings.Join(o.fields, ","),
	}
	if o.bigMembers > 0 {
		p["big-members"] = strconv.Itoa(o.bigMembers)
	}
	if o.scenario == bench.ScenarioRead || o.scenario == bench.ScenarioMixed {
		p["read-band"] = o.readBand
	}
	if o.scenario == bench.ScenarioSend {
		p["send-groups"] = strconv.Itoa(cmp.Or(o.sendGroups, o.groups))
	}
	if o.scenario == bench.ScenarioHistory {
		p["history-messages"] = strconv.Itoa(o.historyMessages)
	}
	if o.serverLogLevel != "" {
		p["server-log-level"] = o.serverLogLevel
	}
	return p
}

// splitList splits a comma list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// secretPatterns match the secrets a command line may hold: the password of a URL DSN,
// a password= pair, and the value of -secret-key.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(://[^:/@\s]*:)[^@\s]*(@)`),
	regexp.MustCompile(`(password=)\S+()`),
	regexp.MustCompile(`(-secret-key[= ])\S+()`),
}

// redactedCommand returns the command line for the report, without its secrets.
func redactedCommand(args []string) string {
	s := "timbench " + strings.Join(args, " ")
	for _, re := range secretPatterns {
		s = re.ReplaceAllString(s, "${1}REDACTED${2}")
	}
	return s
}
