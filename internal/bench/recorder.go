package bench

import (
	"maps"
	"sync"
	"time"
)

// Outcome is what became of one request.
type Outcome struct {
	// Band is the index of the band (kind of request) the request belongs to, into the
	// phase's band names.
	Band int
	// Code is the ErrorCode of the answer's envelope; 0 is OK.
	Code int
	// Fail is the class of a transport or HTTP failure ("HTTP 503", "timeout", ...), or
	// "" when an envelope came back. A failed request has no Code and no latency.
	Fail string
	// Detail is a sample message of the failure, kept once per class.
	Detail string
}

// Recorder collects the outcomes and latencies of a phase, per band. Its methods are
// safe for concurrent use; a worker that owns a Recorder pays only an uncontended lock.
type Recorder struct {
	mu      sync.Mutex
	bands   []*Hist
	codes   map[int]uint64    // ErrorCode != 0 -> answers
	fails   map[string]uint64 // failure class -> requests
	samples map[string]string // failure class -> first message
}

// NewRecorder returns an empty Recorder for the given number of bands.
func NewRecorder(bands int) *Recorder {
	return &Recorder{
		bands: make([]*Hist, max(bands, 1)), codes: map[int]uint64{},
		fails: map[string]uint64{}, samples: map[string]string{},
	}
}

// Record adds one outcome that took d.
func (r *Recorder) Record(o Outcome, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if o.Fail != "" {
		r.fails[o.Fail]++
		if _, ok := r.samples[o.Fail]; !ok && o.Detail != "" {
			r.samples[o.Fail] = o.Detail
		}
		return
	}
	if o.Code != 0 {
		r.codes[o.Code]++
	}
	b := min(max(o.Band, 0), len(r.bands)-1)
	if r.bands[b] == nil {
		r.bands[b] = new(Hist)
	}
	r.bands[b].Add(d)
}

// RecordFails adds n failures of class.
func (r *Recorder) RecordFails(class string, n uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fails[class] += n
}

// Merge adds everything o recorded to r.
func (r *Recorder) Merge(o *Recorder) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, h := range o.bands {
		if h == nil {
			continue
		}
		if r.bands[i] == nil {
			r.bands[i] = new(Hist)
		}
		r.bands[i].Merge(h)
	}
	for c, n := range o.codes {
		r.codes[c] += n
	}
	for f, n := range o.fails {
		r.fails[f] += n
	}
	for f, s := range o.samples {
		if _, ok := r.samples[f]; !ok {
			r.samples[f] = s
		}
	}
}

// Band returns the latencies of band i (nil when none were recorded).
func (r *Recorder) Band(i int) *Hist {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bands[i]
}

// All returns the latencies of every band together.
func (r *Recorder) All() *Hist {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all Hist
	for _, h := range r.bands {
		if h != nil {
			all.Merge(h)
		}
	}
	return &all
}

// Codes returns the answers with ErrorCode != 0, by code.
func (r *Recorder) Codes() map[int]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.codes)
}

// Fails returns the failed requests by class, and a sample message per class.
func (r *Recorder) Fails() (counts map[string]uint64, samples map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.fails), maps.Clone(r.samples)
}
