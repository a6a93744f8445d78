package bench

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// ErrorWarnRate is the share of failed requests above which a phase gets a loud warning.
const ErrorWarnRate = 0.01

// Report is everything a timbench run measured, as printed and as written with -json.
type Report struct {
	Command  string    `json:"command"`  // the command line
	Started  time.Time `json:"started"`  // when the run began
	Scenario string    `json:"scenario"` // modify, read, mixed, auth, ceiling, send or history
	// Base names the scenario's baseline phase, run against timd in the same rounds
	// (modify for send, history-newest for history); "" for none.
	Base     string            `json:"base,omitempty"`
	Target   string            `json:"target"`             // "spawned timd" or the -target URL
	Store    string            `json:"store"`              // sqlite, postgresql or unknown
	Params   map[string]string `json:"params"`             // the flags that shape the load
	Setup    *SetupReport      `json:"setup,omitempty"`    // the data set and how long it took
	Runs     []Run             `json:"runs"`               // one per -repeat
	Median   *Medians          `json:"median,omitempty"`   // over the runs
	Warnings []string          `json:"warnings,omitempty"` // loud ones, also printed
	// Machine describes where it ran: CPUs, and the 1-minute load average at the start
	// and the end (other work on the machine makes every number noisy).
	Machine Machine `json:"machine"`
	// CeilingReadBytes is the size of the answer the ceiling server gives every read: a
	// real answer of timd to a read of the scenario, fetched after the set-up; 0 when the
	// scenario sends no reads.
	CeilingReadBytes int `json:"ceiling_read_answer_bytes,omitempty"`
}

// Machine describes the machine a report was measured on.
type Machine struct {
	CPUs      int    `json:"cpus"`
	LoadStart string `json:"load_average_start"`
	LoadEnd   string `json:"load_average_end"`
}

// SetupReport describes the prepared data set.
type SetupReport struct {
	Accounts        int     `json:"accounts"`
	Groups          int     `json:"groups"`
	Members         int     `json:"members_per_group"`
	BigMembers      int     `json:"big_group_members"`
	AccountsSeconds float64 `json:"accounts_seconds"`
	GroupsSeconds   float64 `json:"groups_seconds"`
	BigSeconds      float64 `json:"big_group_seconds"`
	// HistoryMessages are the imported messages of the history group; HistoryTop is the
	// newest one's MsgSeq.
	HistoryMessages int     `json:"history_messages,omitempty"`
	HistoryTop      int64   `json:"history_top_seq,omitempty"`
	HistorySeconds  float64 `json:"history_seconds,omitempty"`
	TotalSeconds    float64 `json:"total_seconds"`
	PgxRows         int     `json:"pgx_rows,omitempty"`
	// RestartSeconds is the spawned timd's start-up time with the data set (-restart):
	// from exec to its first /healthz answer.
	RestartSeconds float64 `json:"restart_seconds,omitempty"`
}

// Run is one round of the phases: ceiling, scenario, pgx-raw.
type Run struct {
	Phases []*Phase `json:"phases"`
}

// Medians are the median ratios over the runs.
type Medians struct {
	RatioToCeiling *float64 `json:"ratio_to_ceiling,omitempty"`
	RatioToPgx     *float64 `json:"ratio_to_pgx,omitempty"`
	// BaseToCeiling is the baseline phase's ratio to the ceiling; RatioToBase and
	// CostToBase are the scenario's req/s and CPU µs/req over the baseline's.
	BaseToCeiling *float64 `json:"base_ratio_to_ceiling,omitempty"`
	RatioToBase   *float64 `json:"ratio_to_base,omitempty"`
	CostToBase    *float64 `json:"cpu_per_request_to_base,omitempty"`
}

// Phase is the measurement of one phase.
type Phase struct {
	Name      string  `json:"name"`     // "ceiling", the scenario's name, or "pgx-raw"
	Requests  uint64  `json:"requests"` // measured requests: answered or failed
	OK        uint64  `json:"ok"`       // answered with ErrorCode 0
	Seconds   float64 `json:"seconds"`  // the measured window
	ReqPerSec float64 `json:"req_per_sec"`
	Latency   Latency `json:"latency_ms"` // of answered requests, whatever their code
	// ErrorCodes counts answers with ErrorCode != 0 by code; Failures counts requests
	// with no envelope (transport or HTTP errors) by class, with a sample message each.
	ErrorCodes     map[string]uint64 `json:"error_codes,omitempty"`
	Failures       map[string]uint64 `json:"failures,omitempty"`
	FailureSamples map[string]string `json:"failure_samples,omitempty"`
	ErrorRate      float64           `json:"error_rate"`
	// Server figures are absent when the server's pid is unknown.
	ServerCPUSeconds *float64 `json:"server_cpu_seconds,omitempty"`
	CPUPerRequestUS  *float64 `json:"server_cpu_us_per_request,omitempty"`
	PeakRSSBytes     *int64   `json:"server_peak_rss_bytes,omitempty"`   // VmRSS sampled in the window
	HWMBytes         *int64   `json:"server_vmhwm_bytes,omitempty"`      // VmHWM: peak since start
	EndRSSBytes      *int64   `json:"server_rss_end_bytes,omitempty"`    // VmRSS at the end
	GeneratorCPU     float64  `json:"generator_cpu_seconds"`             // this process, same window
	RatioToCeiling   *float64 `json:"ratio_to_ceiling,omitempty"`        // req/s over the ceiling's
	RatioToPgx       *float64 `json:"ratio_to_pgx,omitempty"`            // req/s over pgx-raw's
	RatioToBase      *float64 `json:"ratio_to_base,omitempty"`           // req/s over the baseline's
	CostToBase       *float64 `json:"cpu_per_request_to_base,omitempty"` // CPU µs/req over the baseline's
	Bands            []Band   `json:"bands,omitempty"`                   // per kind of request
	Load             string   `json:"load"`                              // "c=64" or "rate=20000/s"
	Note             string   `json:"note,omitempty"`                    // e.g. what the server is
}

// Latency are latency figures in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Band is the measurement of one kind of request of a phase.
type Band struct {
	Name      string  `json:"name"`
	Requests  uint64  `json:"requests"`
	ReqPerSec float64 `json:"req_per_sec"`
	Latency   Latency `json:"latency_ms"`
}

// ServerUsage is what was measured of the server process over a window.
type ServerUsage struct {
	CPU     time.Duration
	PeakRSS int64
	Memory  Memory
}

// NewPhase summarises window w of phase name; bands names its bands; server is nil when
// the server's pid is unknown; genCPU is this process's CPU time in the window.
func NewPhase(name, load string, w *Window, bands []string, server *ServerUsage, genCPU time.Duration) *Phase {
	secs := w.Seconds()
	rec := w.Recorder
	all := rec.All()
	p := &Phase{Name: name, Load: load, Seconds: secs, Latency: latencyOf(all), GeneratorCPU: genCPU.Seconds(),
		ErrorCodes: map[string]uint64{}}
	var bad uint64
	for c, n := range rec.Codes() {
		p.ErrorCodes[strconv.Itoa(c)] = n
		bad += n
	}
	p.Failures, p.FailureSamples = rec.Fails()
	for _, n := range p.Failures {
		bad += n
	}
	p.Requests = all.Count() + sum(p.Failures)
	p.OK = all.Count() - sum(p.ErrorCodes)
	p.ReqPerSec = float64(p.OK) / secs
	if p.Requests > 0 {
		p.ErrorRate = float64(bad) / float64(p.Requests)
	}
	p.Bands = bandsOf(rec, bands, secs)
	if server != nil {
		p.setServer(*server)
	}
	return p
}

// setServer fills in the server figures.
func (p *Phase) setServer(s ServerUsage) {
	cpu := s.CPU.Seconds()
	p.ServerCPUSeconds = &cpu
	if p.Requests > 0 {
		per := cpu * 1e6 / float64(p.Requests)
		p.CPUPerRequestUS = &per
	}
	p.PeakRSSBytes, p.HWMBytes, p.EndRSSBytes = &s.PeakRSS, &s.Memory.HWM, &s.Memory.RSS
}

// bandsOf returns the non-empty bands, when there are two or more.
func bandsOf(rec *Recorder, names []string, secs float64) []Band {
	var out []Band
	for i, name := range names {
		h := rec.Band(i)
		if h == nil || h.Count() == 0 {
			continue
		}
		out = append(out, Band{Name: name, Requests: h.Count(), ReqPerSec: float64(h.Count()) / secs, Latency: latencyOf(h)})
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

func latencyOf(h *Hist) Latency {
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	return Latency{P50: ms(h.Quantile(0.5)), P90: ms(h.Quantile(0.9)), P99: ms(h.Quantile(0.99)), Max: ms(h.Max()), Mean: ms(h.Mean())}
}

func sum[K comparable](m map[K]uint64) uint64 {
	var n uint64
	for _, v := range m {
		n += v
	}
	return n
}

// SetRatios fills in each phase's ratios to the run's ceiling and pgx-raw phases, and
// the scenario's to its baseline phase base ("" for none).
func (r *Run) SetRatios(scenario, base string) {
	ceiling, pgx := r.find("ceiling"), r.find("pgx-raw")
	if b, p := r.find(base), r.find(scenario); base != "" && b != nil && p != nil && b != p {
		if b.ReqPerSec > 0 {
			v := p.ReqPerSec / b.ReqPerSec
			p.RatioToBase = &v
		}
		if b.CPUPerRequestUS != nil && p.CPUPerRequestUS != nil && *b.CPUPerRequestUS > 0 {
			v := *p.CPUPerRequestUS / *b.CPUPerRequestUS
			p.CostToBase = &v
		}
	}
	for _, p := range r.Phases {
		if ceiling != nil && ceiling.ReqPerSec > 0 && p != ceiling {
			v := p.ReqPerSec / ceiling.ReqPerSec
			p.RatioToCeiling = &v
		}
		if pgx != nil && pgx.ReqPerSec > 0 && p.Name == scenario {
			v := p.ReqPerSec / pgx.ReqPerSec
			p.RatioToPgx = &v
		}
	}
}

// find returns the phase named name, or nil.
func (r *Run) find(name string) *Phase {
	for _, p := range r.Phases {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// SetMedians computes the median ratios of the scenario's phases over the runs.
func (r *Report) SetMedians() {
	var toCeiling, toPgx, baseToCeiling, toBase, costToBase []float64
	add := func(v *[]float64, x *float64) {
		if x != nil {
			*v = append(*v, *x)
		}
	}
	for _, run := range r.Runs {
		if p := run.find(r.Scenario); p != nil {
			add(&toCeiling, p.RatioToCeiling)
			add(&toPgx, p.RatioToPgx)
			add(&toBase, p.RatioToBase)
			add(&costToBase, p.CostToBase)
		}
		if b := run.find(r.Base); r.Base != "" && b != nil {
			add(&baseToCeiling, b.RatioToCeiling)
		}
	}
	m := &Medians{RatioToCeiling: median(toCeiling), RatioToPgx: median(toPgx),
		BaseToCeiling: median(baseToCeiling), RatioToBase: median(toBase), CostToBase: median(costToBase)}
	if *m != (Medians{}) {
		r.Median = m
	}
}

// median returns the median of v, or nil for none.
func median(v []float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	slices.Sort(v)
	m := v[len(v)/2]
	if len(v)%2 == 0 {
		m = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return &m
}

// Warn adds a warning for every phase over ErrorWarnRate.
func (r *Report) Warn() {
	for i, run := range r.Runs {
		for _, p := range run.Phases {
			if p.ErrorRate > ErrorWarnRate {
				r.Warnings = append(r.Warnings, fmt.Sprintf("run %d, %s: %.1f %% of %d requests failed (%s): its numbers do not measure the intended work",
					i+1, p.Name, 100*p.ErrorRate, p.Requests, errorSummary(p)))
			}
		}
	}
}

// WriteText writes the report as tables.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "timbench: scenario %s, target %s, store %s\n", r.Scenario, r.Target, r.Store)
	keys := slices.Sorted(maps.Keys(r.Params))
	var ps []string
	for _, k := range keys {
		ps = append(ps, k+"="+r.Params[k])
	}
	fmt.Fprintf(w, "params: %s\n", strings.Join(ps, " "))
	fmt.Fprintf(w, "machine: %d CPUs, load average %s at the start, %s at the end\n", r.Machine.CPUs, r.Machine.LoadStart, r.Machine.LoadEnd)
	if s := r.Setup; s != nil {
		fmt.Fprintf(w, "setup: %d accounts (%.1fs), %d groups x %d members (%.1fs)", s.Accounts, s.AccountsSeconds, s.Groups, s.Members, s.GroupsSeconds)
		if s.BigMembers > 0 {
			fmt.Fprintf(w, ", big group of %d members (%.1fs)", s.BigMembers, s.BigSeconds)
		}
		if s.HistoryMessages > 0 {
			fmt.Fprintf(w, ", history group of %d messages up to MsgSeq %d (%.1fs)", s.HistoryMessages, s.HistoryTop, s.HistorySeconds)
		}
		if s.PgxRows > 0 {
			fmt.Fprintf(w, ", pgx table of %d rows", s.PgxRows)
		}
		fmt.Fprintf(w, ", total %.1fs\n", s.TotalSeconds)
		if s.RestartSeconds > 0 {
			fmt.Fprintf(w, "restart: timd answered /healthz %.3fs after exec, with the data set\n", s.RestartSeconds)
		}
	}
	if r.CeilingReadBytes > 0 {
		fmt.Fprintf(w, "ceiling: answers each read with %d bytes, timd's answer to one read of the scenario\n", r.CeilingReadBytes)
	}
	for i, run := range r.Runs {
		fmt.Fprintf(w, "\nrun %d of %d\n", i+1, len(r.Runs))
		writeRun(w, run, r.Base != "")
	}
	if m := r.Median; m != nil {
		fmt.Fprintln(w)
		if m.RatioToCeiling != nil {
			fmt.Fprintf(w, "median %s / ceiling over %d runs: %.3f\n", r.Scenario, len(r.Runs), *m.RatioToCeiling)
		}
		if m.BaseToCeiling != nil {
			fmt.Fprintf(w, "median %s / ceiling over %d runs: %.3f\n", r.Base, len(r.Runs), *m.BaseToCeiling)
		}
		if m.RatioToBase != nil {
			fmt.Fprintf(w, "median %s / %s over %d runs: %.3f in req/s", r.Scenario, r.Base, len(r.Runs), *m.RatioToBase)
			if m.CostToBase != nil {
				fmt.Fprintf(w, ", %.3f in CPU µs/req", *m.CostToBase)
			}
			fmt.Fprintln(w)
		}
		if m.RatioToPgx != nil {
			fmt.Fprintf(w, "median %s / pgx-raw over %d runs: %.3f\n", r.Scenario, len(r.Runs), *m.RatioToPgx)
		}
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "\n!!! WARNING: %s\n", warn)
	}
}

// writeRun writes the table of one run; withBase adds the columns of the ratios to the
// baseline phase.
func writeRun(w io.Writer, run Run, withBase bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	baseHead, baseEmpty := "", ""
	if withBase {
		baseHead, baseEmpty = "vs base\tcost vs base\t", "\t\t"
	}
	fmt.Fprintln(tw, "phase\tload\trequests\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\tsrv CPU s\tCPU µs/req\tpeak RSS\tHWM\tRSS end\tgen CPU s\tvs ceiling\tvs pgx\t"+baseHead)
	for _, p := range run.Phases {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t",
			p.Name, p.Load, p.Requests, p.ReqPerSec, lat(p.Latency), p.Requests-p.OK,
			optF(p.ServerCPUSeconds, "%.2f"), optF(p.CPUPerRequestUS, "%.1f"),
			optMB(p.PeakRSSBytes), optMB(p.HWMBytes), optMB(p.EndRSSBytes), p.GeneratorCPU,
			optF(p.RatioToCeiling, "%.3f"), optF(p.RatioToPgx, "%.3f"))
		if withBase {
			fmt.Fprintf(tw, "%s\t%s\t", optF(p.RatioToBase, "%.3f"), optF(p.CostToBase, "%.3f"))
		}
		fmt.Fprintln(tw)
		for _, b := range p.Bands {
			fmt.Fprintf(tw, "  %s\t\t%d\t%.0f\t%s\t\t\t\t\t\t\t\t\t\t\t%s\n", b.Name, b.Requests, b.ReqPerSec, lat(b.Latency), baseEmpty)
		}
	}
	tw.Flush()
	for _, p := range run.Phases {
		if s := errorSummary(p); s != "" {
			fmt.Fprintf(w, "errors of %s: %s\n", p.Name, s)
			for class, sample := range p.FailureSamples {
				fmt.Fprintf(w, "  %s, e.g.: %s\n", class, sample)
			}
		}
	}
}

// lat formats the four latency columns.
func lat(l Latency) string {
	return fmt.Sprintf("%.2f\t%.2f\t%.2f\t%.2f", l.P50, l.P90, l.P99, l.Max)
}

// errorSummary lists a phase's error codes and failures, most frequent first.
func errorSummary(p *Phase) string {
	type item struct {
		name string
		n    uint64
	}
	var items []item
	for c, n := range p.ErrorCodes {
		items = append(items, item{"ErrorCode " + c, n})
	}
	for f, n := range p.Failures {
		items = append(items, item{f, n})
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.name, b.name)) })
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s x%d", it.name, it.n))
	}
	return strings.Join(out, ", ")
}

func optF(v *float64, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}

func optMB(v *int64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f MB", float64(*v)/(1<<20))
}
