package group

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/timdhq/timd/internal/im"
)

// Modes of update_group_counter; "" is CounterSet.
const (
	CounterSet      = "Set"
	CounterIncrease = "Increase"
	CounterDecrease = "Decrease"
)

// GroupCounters is get_group_counter: the group's counters named by keys, in the order
// asked and each once, or all of them in byte order of key when keys is empty. A key the
// group has no counter for is left out (docs/compatibility.md §10).
func (s *Service) GroupCounters(ctx context.Context, c im.Caller, groupID string, keys []string) ([]im.Counter, error) {
	if err := s.checkCounterCall(c, groupID); err != nil {
		return nil, err
	}
	var all []im.Counter
	err := s.store.View(ctx, func(ctx context.Context, tx im.Tx) error {
		var err error
		all, err = s.loadCounters(ctx, tx, c, groupID)
		return err
	})
	if err != nil || len(keys) == 0 {
		return all, err
	}
	var out []im.Counter
	for i, k := range keys {
		j := slices.IndexFunc(all, func(ct im.Counter) bool { return ct.Key == k })
		if j >= 0 && !slices.Contains(keys[:i], k) {
			out = append(out, all[j])
		}
	}
	return out, nil
}

// UpdateGroupCounters is update_group_counter: Mode Set (the default) gives each key its
// value; Increase and Decrease add or subtract the value, from 0 for a key the group has
// no counter for. It answers the counters updated, with their new values, in request
// order. A result beyond 64 bits is 10004 and changes nothing.
func (s *Service) UpdateGroupCounters(ctx context.Context, c im.Caller, groupID, mode string, counters []im.Counter) ([]im.Counter, error) {
	if err := s.checkCounterCall(c, groupID); err != nil {
		return nil, err
	}
	if err := checkCounterUpdate(c.App.Limits, mode, counters); err != nil {
		return nil, err
	}
	out := make([]im.Counter, len(counters))
	err := s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		all, err := s.loadCounters(ctx, tx, c, groupID)
		if err != nil {
			return err
		}
		values := make(map[string]int64, len(all)+len(counters))
		for _, ct := range all {
			values[ct.Key] = ct.Value
		}
		for i, ct := range counters {
			v, err := applyCounter(mode, values[ct.Key], ct)
			if err != nil {
				return err
			}
			values[ct.Key], out[i] = v, im.Counter{Key: ct.Key, Value: v}
		}
		if len(values) > c.App.Limits.GroupCounterKeys {
			return im.Errorf(im.CodeTooManyCounters, "group %q would hold %d counters, over the limit of %d", groupID, len(values), c.App.Limits.GroupCounterKeys)
		}
		return tx.SetGroupCounters(ctx, c.App.SDKAppID, groupID, countersOf(values))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteGroupCounters is delete_group_counter: the counters named by keys go, or all of
// them when keys is empty. A key the group has no counter for is no error.
func (s *Service) DeleteGroupCounters(ctx context.Context, c im.Caller, groupID string, keys []string) error {
	if err := s.checkCounterCall(c, groupID); err != nil {
		return err
	}
	return s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		all, err := s.loadCounters(ctx, tx, c, groupID)
		if err != nil {
			return err
		}
		var kept []im.Counter
		if len(keys) > 0 {
			kept = slices.DeleteFunc(all, func(ct im.Counter) bool { return slices.Contains(keys, ct.Key) })
		}
		if len(kept) == len(all) && len(keys) > 0 {
			return nil
		}
		return tx.SetGroupCounters(ctx, c.App.SDKAppID, groupID, kept)
	})
}

// checkCounterCall checks what every counter command checks first: the feature is on
// (10059), then the group ID (10015).
func (s *Service) checkCounterCall(c im.Caller, groupID string) error {
	if !c.App.Features.GroupCounters {
		return im.Errorf(im.CodeUltimateOnly, "group counters are a feature of the Ultimate edition, turned off for this app")
	}
	return checkGroupID(c.App.Limits, groupID)
}

// loadCounters reads the counters of a group inside tx after checking that it exists
// (10010) and is no Community, which has none (10007).
func (s *Service) loadCounters(ctx context.Context, tx im.Tx, c im.Caller, groupID string) ([]im.Counter, error) {
	g, err := loadGroup(ctx, tx, c.App.SDKAppID, groupID)
	if err != nil {
		return nil, err
	}
	if err := allow(g.Type, OpCounters, ""); err != nil {
		return nil, err
	}
	all, err := tx.GroupCounters(ctx, g.App, g.ID)
	if err != nil {
		return nil, fmt.Errorf("read counters of %q: %w", g.ID, err)
	}
	return all, nil
}

// checkCounterUpdate checks an update's Mode and entries: Mode one of Set, Increase,
// Decrease or absent; 1 to GroupCounterKeys entries (none: 10004, more: 10063); each key
// 1 to GroupCounterKeyMax bytes of UTF-8 without NUL, given once (10004).
func checkCounterUpdate(l im.Limits, mode string, counters []im.Counter) error {
	switch mode {
	case "", CounterSet, CounterIncrease, CounterDecrease:
	default:
		return im.Errorf(im.CodeInvalidParam, "Mode %q is not %s, %s or %s", mode, CounterSet, CounterIncrease, CounterDecrease)
	}
	if len(counters) == 0 {
		return im.Errorf(im.CodeInvalidParam, "GroupCounter is required")
	}
	if len(counters) > l.GroupCounterKeys {
		return im.Errorf(im.CodeTooManyCounters, "GroupCounter has %d keys, over the limit of %d", len(counters), l.GroupCounterKeys)
	}
	for i, ct := range counters {
		switch {
		case ct.Key == "":
			return im.Errorf(im.CodeInvalidParam, "GroupCounter Key is required")
		case !utf8.ValidString(ct.Key) || strings.IndexByte(ct.Key, 0) >= 0:
			return im.Errorf(im.CodeInvalidParam, "a GroupCounter Key is not UTF-8 text without NUL")
		case len(ct.Key) > l.GroupCounterKeyMax:
			return im.Errorf(im.CodeInvalidParam, "a GroupCounter Key is %d bytes, over the limit of %d", len(ct.Key), l.GroupCounterKeyMax)
		case slices.ContainsFunc(counters[:i], func(o im.Counter) bool { return o.Key == ct.Key }):
			return im.Errorf(im.CodeInvalidParam, "GroupCounter Key %q is given twice", ct.Key)
		}
	}
	return nil
}

// applyCounter returns the new value of a counter at old after ct in mode: 10004 when it
// would not fit in 64 bits.
func applyCounter(mode string, old int64, ct im.Counter) (int64, error) {
	d := ct.Value
	switch mode {
	case CounterIncrease:
		if (d > 0 && old > math.MaxInt64-d) || (d < 0 && old < math.MinInt64-d) {
			return 0, counterOverflow(ct.Key)
		}
		return old + d, nil
	case CounterDecrease:
		if (d > 0 && old < math.MinInt64+d) || (d < 0 && old > math.MaxInt64+d) {
			return 0, counterOverflow(ct.Key)
		}
		return old - d, nil
	}
	return d, nil
}

func counterOverflow(key string) error {
	return im.Errorf(im.CodeInvalidParam, "counter %q would leave the range of a 64-bit integer", key)
}

// countersOf turns counter values into counters in byte order of key.
func countersOf(values map[string]int64) []im.Counter {
	out := make([]im.Counter, 0, len(values))
	for k, v := range values {
		out = append(out, im.Counter{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b im.Counter) int { return strings.Compare(a.Key, b.Key) })
	return out
}
