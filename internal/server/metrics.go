package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/timdhq/timd/internal/im"
)

// metrics are the Prometheus collectors of one Server, on a registry of its own so that
// many servers can run in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // by command and ErrorCode
	latency  *prometheus.HistogramVec // by command
	store    *prometheus.HistogramVec // by operation (update, view) and outcome
}

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
	m.reg.MustRegister(m.requests, m.latency, m.store,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe records one answered REST call.
func (m *metrics) observe(command string, code im.Code, d time.Duration) {
	if command == "" {
		command = "invalid"
	}
	m.requests.WithLabelValues(command, strconv.Itoa(int(code))).Inc()
	m.latency.WithLabelValues(command).Observe(d.Seconds())
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// timedStore is an im.Store that records the duration of every transaction.
type timedStore struct {
	im.Store
	hist *prometheus.HistogramVec
}

func (s timedStore) Update(ctx context.Context, fn func(context.Context, im.Tx) error) error {
	start := time.Now()
	err := s.Store.Update(ctx, fn)
	s.record("update", start, err)
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
