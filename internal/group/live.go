package group

import (
	"context"

	"github.com/timdhq/timd/internal/im"
)

// liveKey keys the liveNotes of a transaction in its context.
type liveKey struct{}

// liveNotes collects the events of one transaction that Live hears once it commits.
type liveNotes struct {
	events []liveNote
}

// liveNote is one event and the caller whose request made it.
type liveNote struct {
	c  im.Caller
	ev im.Event
}

// note remembers ev for Live when ctx is a transaction's that collects notes.
func note(ctx context.Context, c im.Caller, ev im.Event) {
	if n, ok := ctx.Value(liveKey{}).(*liveNotes); ok {
		n.events = append(n.events, liveNote{c, ev})
	}
}

// noting reports whether ctx collects notes, so that events nobody hears are not built.
func noting(ctx context.Context) bool {
	_, ok := ctx.Value(liveKey{}).(*liveNotes)
	return ok
}

// liveHears reports whether Live hears recorded events of kind (besides those only it
// hears, which the rules note directly).
func liveHears(kind im.EventKind) bool {
	switch kind {
	case im.KindGroupCreated, im.KindMembersJoined, im.KindMembersLeft, im.KindGroupDestroyed, im.KindMessagesRecalled:
		return true
	}
	return false
}

// updateNoting runs fn in a store transaction as update does and, once it has committed,
// hands the events fn noted to Live, in the order fn noted them. A transaction the store
// runs again starts its notes afresh.
func (s *Service) updateNoting(ctx context.Context, fn func(ctx context.Context, tx im.Tx) error) error {
	if s.live == nil {
		return s.update(ctx, fn)
	}
	notes := &liveNotes{}
	err := s.update(ctx, func(ctx context.Context, tx im.Tx) error {
		notes.events = notes.events[:0]
		return fn(context.WithValue(ctx, liveKey{}, notes), tx)
	})
	if err == nil {
		for _, n := range notes.events {
			s.live.Publish(n.c, n.ev)
		}
	}
	return err
}
