package server

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/timdhq/timd/internal/httpapi"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/webhook"
)

// startCallbacks starts the deliverer of after-callbacks from the store's outbox and
// returns the hooks the group service calls. The deliverer runs even when no app has a
// callback URL, so that events written before a URL was removed are cleared; it then
// idles rather than poll the store.
func (s *Server) startCallbacks(store im.Outbox, clock im.Clock) *webhook.Hooks {
	configs := make(map[uint64]webhook.Config, len(s.cfg.Apps))
	for _, a := range s.cfg.Apps {
		configs[a.SDKAppID] = a.Callback.WithDefaults()
	}
	sender := webhook.NewSender(s.callbackLog.client(), clock, s.log)
	obs := newCallbackMetrics(s.metrics.reg, store)
	d := webhook.NewDeliverer(store, sender, configs, webhook.DelivererOptions{Clock: clock, Logger: s.log, Observer: obs})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.Run(ctx)
	}()
	s.stopCallbacks = func() { cancel(); wg.Wait() }
	s.deliverer = d
	hooks := webhook.NewHooks(sender, configs, d)
	if s.faults != nil {
		hooks.InjectFaults(s.beforeFault)
	}
	return hooks
}

// beforeFault returns the fault s.faults injects into a before-callback, if any.
func (s *Server) beforeFault(app uint64, command, group string) (webhook.Fault, bool) {
	var groups []string
	if group != "" {
		groups = []string{group}
	}
	r, ok := s.faults.Match(app, httpapi.FaultCall{Command: command, Groups: groups})
	if !ok {
		return webhook.Fault{}, false
	}
	info := r.ErrorInfo
	if info == "" {
		info = "fault injected by timd rule " + r.ID
	}
	return webhook.Fault{Timeout: r.Action == httpapi.FaultTimeout, ErrorCode: r.ErrorCode, ErrorInfo: info}, true
}

// PauseCallbacks pauses (true) or resumes (false) the delivery of after-callbacks: while
// paused, events wait in the outbox. For tests of a client that must cope with late
// callbacks (timtest, /dev/callbacks).
func (s *Server) PauseCallbacks(paused bool) { s.deliverer.Pause(paused) }

// CallbacksPaused reports whether the delivery of after-callbacks is paused.
func (s *Server) CallbacksPaused() bool { return s.deliverer.Paused() }

// Faults returns the server's fault-injection rules, or nil when fault injection is off
// (it is on with cfg.Dev or Options.Faults).
func (s *Server) Faults() *httpapi.Faults { return s.faults }

// callbackMetrics counts after-callback outcomes and exports the outbox depth.
type callbackMetrics struct {
	outcomes *prometheus.CounterVec
	latency  prometheus.Histogram
}

func newCallbackMetrics(reg *prometheus.Registry, store im.Outbox) *callbackMetrics {
	m := &callbackMetrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "timd_callbacks_total",
			Help: "After-callback attempts by command and outcome (delivered, failed, abandoned), and events dropped unsent because callbacks were turned off (dropped).",
		}, []string{"command", "outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "timd_callback_duration_seconds",
			Help:    "Time of delivered after-callbacks.",
			Buckets: prometheus.DefBuckets,
		}),
	}
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "timd_callback_outbox_depth",
		Help: "After-callbacks waiting in the outbox.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := store.CountOutbox(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	reg.MustRegister(m.outcomes, m.latency, depth)
	return m
}

func (m *callbackMetrics) Delivered(command string, d time.Duration) {
	m.outcomes.WithLabelValues(command, "delivered").Inc()
	m.latency.Observe(d.Seconds())
}

func (m *callbackMetrics) Failed(command string) { m.outcomes.WithLabelValues(command, "failed").Inc() }

func (m *callbackMetrics) Abandoned(command string) {
	m.outcomes.WithLabelValues(command, "abandoned").Inc()
}

func (m *callbackMetrics) Dropped(command string) {
	m.outcomes.WithLabelValues(command, "dropped").Inc()
}
