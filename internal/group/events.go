package group

import (
	"context"
	"sort"

	"github.com/timdhq/timd/internal/im"
)

// wants reports whether c's app listens to events of kind.
func (s *Service) wants(c im.Caller, kind im.EventKind) bool {
	return s.events != nil && s.events.Wants(c.App.SDKAppID, kind)
}

// eventHead starts an event of c's request about g at the current time.
func (s *Service) eventHead(c im.Caller, g im.Group) im.EventHead {
	return im.EventHead{Time: s.clock.Now().UnixMilli(), Operator: c.Identifier, Group: g}
}

// ask puts an Ask event to the app, when it listens, and returns the accounts it refuses
// while allowing the rest, or the coded error that refuses the whole operation. The rules
// pick the code (docs/compatibility.md §7): an app's ErrorCode from 10100 to 10200 is
// passed through, any other refusal is 10016, and so is an app that could not be asked
// when it wants such operations refused.
func (s *Service) ask(ctx context.Context, c im.Caller, ev im.Event) ([]string, error) {
	if !s.wants(c, ev.Kind()) {
		return nil, nil
	}
	v, err := s.events.Ask(ctx, c, ev)
	if err != nil {
		return nil, err
	}
	switch {
	case v.Failed && v.DenyOnFailure:
		return nil, im.Errorf(im.CodeCallbackRefused, "the app's callback before %s failed", ev.Kind())
	case !v.Refused:
		return v.RefusedAccounts, nil
	case v.AppCode >= 10100 && v.AppCode <= 10200:
		return nil, im.Errorf(im.Code(v.AppCode), "%s", v.AppInfo)
	}
	return nil, im.Errorf(im.CodeCallbackRefused, "the app's callback refused %s", ev.Kind())
}

// record writes a change event into tx, when the app listens, so the event commits or
// rolls back with the change it reports. build runs only then: an event nobody hears
// costs nothing.
// Live hears it too, once tx commits, when it hears events of kind.
func (s *Service) record(ctx context.Context, tx im.Tx, c im.Caller, kind im.EventKind, build func() im.Event) error {
	wants, hears := s.wants(c, kind), noting(ctx) && liveHears(kind)
	if !wants && !hears {
		return nil
	}
	ev := build()
	if hears {
		note(ctx, c, ev)
	}
	if !wants {
		return nil
	}
	return s.enqueue(ctx, tx, c, ev)
}

// recordedKey keys, in a transaction's context, the flag that it recorded an event.
type recordedKey struct{}

// enqueue writes ev into tx's outbox and marks the transaction as having recorded one.
func (s *Service) enqueue(ctx context.Context, tx im.Tx, c im.Caller, ev im.Event) error {
	if err := s.events.Record(ctx, tx, c, ev); err != nil {
		return err
	}
	if recorded, ok := ctx.Value(recordedKey{}).(*bool); ok {
		*recorded = true
	}
	return nil
}

// update runs fn in a store transaction and, once it has committed, tells the events'
// adapter so that it delivers what fn recorded, if fn recorded anything: a nudge for a
// transaction without events would only send the deliverer to find an empty outbox, a
// read (and on SQLite a claim through the writer) per write. Commands whose changes Live
// hears use updateNoting instead.
func (s *Service) update(ctx context.Context, fn func(ctx context.Context, tx im.Tx) error) error {
	recorded := false
	err := s.store.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		recorded = false // a transaction the store runs again records afresh
		return fn(context.WithValue(ctx, recordedKey{}, &recorded), tx)
	})
	if err == nil && recorded && s.events != nil {
		s.events.Committed()
	}
	return err
}

// sortedKVs turns custom data into entries sorted by key.
func sortedKVs(data map[string]string) []im.KV {
	out := make([]im.KV, 0, len(data))
	for k, v := range data {
		out = append(out, im.KV{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
