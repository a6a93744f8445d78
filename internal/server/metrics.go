package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/timdhq/timd/internal/httpapi"
	"github.com/timdhq/timd/internal/im"
)

// metrics are the Prometheus collectors of one Server, on a registry of its own so that
// many servers can run in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // by command and ErrorCode
	latency  *prometheus.HistogramVec // by command
	store    *prometheus.HistogramVec // by operation (update, view) and outcome
	known    map[string]bool          // the commands of the table, each its own label
	unknown  *unknownNames            // labels of calls of commands timd lacks
}

// Labels of calls that name no command of the table.
const (
	invalidLabel = "invalid" // a path not of the form /v4/{service}/{command}
	// otherLabel counts the calls of unknown commands past maxUnknownNames, or whose
	// names are not plain.
	otherLabel = "unknown/other"
	// maxUnknownNames bounds the distinct unknown "service/command" labels: clients
	// choose them, and every label is a series a Prometheus server keeps.
	maxUnknownNames = 64
)

// newMetrics registers the collectors on a fresh registry.
func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "timd_requests_total",
			Help: "REST calls answered, by command and ErrorCode (60007 counts rate-limit refusals).",
		}, []string{"command", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "timd_request_duration_seconds",
			Help:    "Time to answer a REST call, by command.",
			Buckets: []float64{.0002, .0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"command"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "timd_store_duration_seconds",
			Help:    "Time of store transactions, by kind (update, view) and outcome (ok, error).",
			Buckets: []float64{.0001, .0002, .0005, .001, .002, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"kind", "outcome"}),
	}
	m.known = map[string]bool{}
	for _, c := range httpapi.Commands() {
		m.known[c] = true
	}
	m.unknown = &unknownNames{seen: map[string]bool{}, max: maxUnknownNames}
	m.reg.MustRegister(m.requests, m.latency, m.store,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe records one answered REST call.
func (m *metrics) observe(command string, code im.Code, d time.Duration) {
	command = m.label(command)
	m.requests.WithLabelValues(command, strconv.Itoa(int(code))).Inc()
	m.latency.WithLabelValues(command).Observe(d.Seconds())
}

// label returns the command label of a call of command. A call of a service or command
// timd does not serve is counted under its own name too, so that an operator sees what
// clients call, up to maxUnknownNames such names; later ones are counted together.
func (m *metrics) label(command string) string {
	switch {
	case command == "":
		return invalidLabel
	case m.known[command]:
		return command
	}
	return m.unknown.label(command)
}

// unknownNames hands out labels for the names of unknown commands, a bounded set.
type unknownNames struct {
	mu   sync.Mutex
	seen map[string]bool
	max  int
}

// label returns name, if it is plain and a label of its own is left, else otherLabel.
func (u *unknownNames) label(name string) string {
	if !plainCommand(name) {
		return otherLabel
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.seen[name] {
		if len(u.seen) >= u.max {
			return otherLabel
		}
		u.seen[name] = true
	}
	return name
}

// plainCommand reports whether name is "service/command", each part 1 to 64 letters,
// digits and underscores, as every name of Tencent's API is.
func plainCommand(name string) bool {
	service, command, ok := strings.Cut(name, "/")
	return ok && plainWord(service) && plainWord(command)
}

func plainWord(w string) bool {
	if w == "" || len(w) > 64 {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// timedStore is an im.Store that records the duration of every transaction, and the
// outcome of every write for /readyz.
type timedStore struct {
	im.Store
	hist   *prometheus.HistogramVec
	health *writeHealth
}

func (s timedStore) Update(ctx context.Context, fn func(context.Context, im.Tx) error) error {
	start := time.Now()
	err := s.Store.Update(ctx, fn)
	s.record("update", start, err)
	s.health.record(err)
	return err
}

func (s timedStore) View(ctx context.Context, fn func(context.Context, im.Tx) error) error {
	start := time.Now()
	err := s.Store.View(ctx, fn)
	s.record("view", start, err)
	return err
}

func (s timedStore) record(kind string, start time.Time, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	s.hist.WithLabelValues(kind, outcome).Observe(time.Since(start).Seconds())
}
