package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// lifecycleScenarios check how Update, View and Close treat their callers beyond the work
// of a Tx: a done ctx, a nested Update, a panic, a Tx kept past its fn, a closed store.
var lifecycleScenarios = []scenario{
	{"Update/CanceledContext", testUpdateCanceledContext},
	{"Update/Nested", testUpdateNested},
	{"Update/Panic", testUpdatePanic},
	{"Tx/UseAfterReturn", testTxUseAfterReturn},
	{"Close", testClose},
}

// testUpdateCanceledContext calls Update with a canceled ctx: it returns context.Canceled
// without running fn.
func testUpdateCanceledContext(t *testing.T, s im.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ran := false
	err := s.Update(ctx, func(ctx context.Context, tx im.Tx) error {
		ran = true
		return nil
	})
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Update with a canceled ctx: got %v (fn ran: %v), want context.Canceled without running", err, ran)
	}
}

// testUpdateNested calls Update inside an Update's fn: the inner one fails at once instead
// of waiting for the outer one, and nothing it was given commits.
func testUpdateNested(t *testing.T, s im.Store) {
	err := s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		return s.Update(ctx, func(ctx context.Context, tx im.Tx) error {
			return tx.CreateGroup(ctx, newGroup(app1, "g"))
		})
	})
	if err == nil {
		t.Errorf("Update inside Update: got nil error, want an error")
	}
	if _, err := getGroup(t, s, app1, "g"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetGroup of the group the nested Update created: got %v, want ErrNotFound", err)
	}
}

// testUpdatePanic panics in fn after a write, with a string and with an error: the panic
// reaches the caller as itself or as an error naming it (wrapping an error), the write is
// rolled back, and later Updates commit.
func testUpdatePanic(t *testing.T, s im.Store) {
	for i, p := range []any{"kaboom", errBoom} {
		id := fmt.Sprintf("g%d", i)
		recovered, err := updateRecover(t.Context(), s, func(ctx context.Context, tx im.Tx) error {
			if err := tx.CreateGroup(ctx, newGroup(app1, id)); err != nil {
				return err
			}
			panic(p)
		})
		pe, isErr := p.(error)
		switch {
		case recovered != nil:
			if recovered != p {
				t.Errorf("Update panicking with %v: recovered %v, want the same value", p, recovered)
			}
		case err == nil || !strings.Contains(err.Error(), fmt.Sprint(p)):
			t.Errorf("Update panicking with %v: got error %v, want the panic or an error naming it", p, err)
		case isErr && !errors.Is(err, pe):
			t.Errorf("Update panicking with error %v: got %v, want it wrapped", pe, err)
		}
		if _, err := getGroup(t, s, app1, id); !errors.Is(err, im.ErrNotFound) {
			t.Errorf("GetGroup of the group written before the panic: got %v, want ErrNotFound", err)
		}
	}
	mustCreateGroup(t, s, newGroup(app1, "after"))
	mustGetGroup(t, s, app1, "after")
}

// updateRecover runs s.Update and returns what fn panicked with, if the panic reached the
// caller, or else Update's error.
func updateRecover(ctx context.Context, s im.Store, fn func(ctx context.Context, tx im.Tx) error) (recovered any, err error) {
	defer func() { recovered = recover() }()
	return nil, s.Update(ctx, fn)
}

// testTxUseAfterReturn keeps the Tx of an Update and of a View past their fn: a write and
// a read through either fail, and the write is not stored.
func testTxUseAfterReturn(t *testing.T, s im.Store) {
	kept := make(map[string]im.Tx)
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		kept["Update"] = tx
		return nil
	})
	MustView(t, s, func(ctx context.Context, tx im.Tx) error {
		kept["View"] = tx
		return nil
	})
	for name, tx := range kept {
		if err := tx.CreateGroup(t.Context(), newGroup(app1, "g")); err == nil {
			t.Errorf("CreateGroup on the Tx of an ended %s: got nil error, want an error", name)
		}
		if _, err := tx.GetGroup(t.Context(), app1, "g"); err == nil || errors.Is(err, im.ErrNotFound) {
			t.Errorf("GetGroup on the Tx of an ended %s: got %v, want an error other than ErrNotFound", name, err)
		}
	}
	if _, err := getGroup(t, s, app1, "g"); !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetGroup of the group written through an ended Tx: got %v, want ErrNotFound", err)
	}
}

// testClose closes a store that answers Ping: Update, UpdateOutbox, View, CountOutbox and
// Ping then fail without running fn, and a second Close returns nil as the first did.
func testClose(t *testing.T, s im.Store) {
	ctx := t.Context()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ran := false
	update := func(ctx context.Context, tx im.Tx) error {
		ran = true
		return tx.CreateGroup(ctx, newGroup(app1, "g"))
	}
	view := func(context.Context, im.Tx) error {
		ran = true
		return nil
	}
	_, countErr := outbox(t, s).CountOutbox(ctx)
	for name, err := range map[string]error{
		"Update": s.Update(ctx, update),
		"UpdateOutbox": outbox(t, s).UpdateOutbox(ctx, func(ctx context.Context, tx im.OutboxTx) error {
			ran = true
			return nil
		}),
		"View":        s.View(ctx, view),
		"CountOutbox": countErr,
		"Ping":        s.Ping(ctx),
	} {
		if err == nil {
			t.Errorf("%s after Close: got nil error, want an error", name)
		}
	}
	if ran {
		t.Errorf("a fn ran after Close")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
}
