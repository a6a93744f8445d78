// Package group holds every rule of the group system: one method per REST command, the
// permission matrix by group type and target role, the limits, and the transaction
// boundaries. Stores below it only read and write; this package picks every Tencent code.
package group

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// Service applies the rules of the group system on a store.
type Service struct {
	store  im.Store
	clock  im.Clock
	rand   func([]byte) // fills its argument with random bytes, for group IDs
	events im.Events    // hears the rules' events; nil for none
	live   im.Live      // hears committed changes for the event streams; nil for none
	// presence tells who is connected (get_online_member_num); nil for nobody.
	presence im.Presence
	sends    *groupRates // per-group send rate
	// attrWrites counts the attribute writes of each group, for their rate.
	attrWrites *groupRates
	// broadcasts counts each app's broadcasts (under group ""), for their rate.
	broadcasts *groupRates
}

// Options tune a Service. The zero value is valid.
type Options struct {
	// Clock tells the time; default im.SystemClock.
	Clock im.Clock
	// Rand fills a slice with random bytes for group IDs; default crypto/rand.
	Rand func([]byte)
	// Events hears the rules' events (the app's callbacks); default none.
	Events im.Events
	// Live hears committed changes, for the event streams; default none.
	Live im.Live
	// Presence tells who is connected, for get_online_member_num; default nobody.
	Presence im.Presence
}

// New returns a Service on store.
func New(store im.Store, opts Options) *Service {
	s := &Service{store: store, clock: opts.Clock, rand: opts.Rand, events: opts.Events, live: opts.Live, presence: opts.Presence,
		sends: newGroupRates(), attrWrites: newGroupRates(), broadcasts: newGroupRates()}
	if s.clock == nil {
		s.clock = im.SystemClock{}
	}
	if s.rand == nil {
		s.rand = func(b []byte) { _, _ = rand.Read(b) }
	}
	return s
}

// now returns the current unix time in seconds.
func (s *Service) now() int64 { return s.clock.Now().Unix() }

// loadGroup reads a group inside tx, turning a missing group into 10010.
func loadGroup(ctx context.Context, tx im.Tx, app uint64, id string) (im.Group, error) {
	g, err := tx.GetGroup(ctx, app, id)
	if errors.Is(err, im.ErrNotFound) {
		return im.Group{}, im.Errorf(im.CodeGroupNotFound, "group %q does not exist", id)
	}
	if err != nil {
		return im.Group{}, fmt.Errorf("load group %q: %w", id, err)
	}
	return g, nil
}

// loadMember reads a membership inside tx, turning a missing one into 10007.
func loadMember(ctx context.Context, tx im.Tx, app uint64, group, account string) (im.Member, error) {
	m, err := tx.GetMember(ctx, app, group, account)
	if errors.Is(err, im.ErrNotFound) {
		return im.Member{}, im.Errorf(im.CodeNotAllowed, "%q is not a member of group %q", account, group)
	}
	if err != nil {
		return im.Member{}, fmt.Errorf("load member %q of %q: %w", account, group, err)
	}
	return m, nil
}

// checkImported returns 10019 unless every account in ids is imported.
func checkImported(ctx context.Context, tx im.Tx, app uint64, ids ...string) error {
	found, err := tx.ExistingAccounts(ctx, app, ids)
	if err != nil {
		return fmt.Errorf("check accounts: %w", err)
	}
	for _, id := range ids {
		if !found[id] {
			return im.Errorf(im.CodeAccountNotFound, "account %q has not been imported", id)
		}
	}
	return nil
}
