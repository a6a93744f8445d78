package bench

import (
	"math"
	"math/bits"
	"time"
)

// Bucket layout of Hist: values below 2*histSub nanoseconds have a bucket each; above,
// every power of two is split into histSub buckets, so a bucket spans at most 1/histSub
// (1.6 %) of its values.
const (
	histSub     = 64
	histBuckets = (64-7)*histSub + 2*histSub
)

// Hist is a latency histogram with log-linear buckets of bounded size (30 KB), exact to
// 1.6 %. The zero value is empty and ready to use; it is not safe for concurrent use.
type Hist struct {
	counts [histBuckets]uint64
	n      uint64
	sum    time.Duration
	max    time.Duration
}

// bucketOf returns the bucket of v nanoseconds.
func bucketOf(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	e := bits.Len64(v) - 7 // v>>e keeps the top 7 bits: 64 to 127
	return e*histSub + int(v>>e)
}

// bucketValue returns the middle of bucket i, in nanoseconds.
func bucketValue(i int) uint64 {
	if i < 2*histSub {
		return uint64(i)
	}
	e := i/histSub - 1
	m := uint64(i - e*histSub)
	return m<<e + 1<<(e-1)
}

// Add records one latency; a negative one counts as 0.
func (h *Hist) Add(d time.Duration) {
	d = max(d, 0)
	h.counts[bucketOf(uint64(d))]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

// Merge adds every value of o to h.
func (h *Hist) Merge(o *Hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// Count returns the number of values recorded.
func (h *Hist) Count() uint64 { return h.n }

// Max returns the largest value recorded, exactly.
func (h *Hist) Max() time.Duration { return h.max }

// Mean returns the mean of the values, or 0 for none.
func (h *Hist) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Quantile returns the value at quantile q (0.5 for the median), or 0 for an empty
// histogram. It is never above Max.
func (h *Hist) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(bucketValue(i)), h.max)
		}
	}
	return h.max
}
