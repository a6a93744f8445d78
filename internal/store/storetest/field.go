package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// fieldScenarios check PutField and ListFields, the custom fields declared at run time.
var fieldScenarios = []scenario{
	{"Field/PutList", testFieldPutList},
	{"Field/Conflict", testFieldConflict},
	{"Field/DeleteAppKeeps", testFieldDeleteAppKeeps},
	{"Field/ConcurrentCount", testFieldConcurrentCount},
}

// mustListFields lists an app's declared fields in a View.
func mustListFields(tb testing.TB, s im.Store, app uint64) []im.Field {
	tb.Helper()
	var fs []im.Field
	MustView(tb, s, func(ctx context.Context, tx im.Tx) (err error) {
		fs, err = tx.ListFields(ctx, app)
		return err
	})
	return fs
}

// mustPutFields declares fs in one Update.
func mustPutFields(tb testing.TB, s im.Store, fs ...im.Field) {
	tb.Helper()
	MustUpdate(tb, s, func(ctx context.Context, tx im.Tx) error {
		for _, f := range fs {
			if err := tx.PutField(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
}

// testFieldPutList declares keys of both kinds in two apps and lists them back in the
// documented order: by kind, then as declared, whatever the times and keys.
func testFieldPutList(t *testing.T, s im.Store) {
	if got := mustListFields(t, s, app1); len(got) != 0 {
		t.Fatalf("ListFields of a new store: got %v, want none", got)
	}
	mustPutFields(t, s,
		im.Field{App: app1, Kind: im.FieldMember, Key: "level", Created: 20},
		im.Field{App: app1, Kind: im.FieldGroup, Key: "Topic", Created: 30},
		im.Field{App: app1, Kind: im.FieldMember, Key: "Level", Created: 20},
		im.Field{App: app1, Kind: im.FieldMember, Key: "A", Created: 5},
		im.Field{App: app2, Kind: im.FieldMember, Key: "Other", Created: 5},
	)
	want := []im.Field{
		{App: app1, Kind: im.FieldGroup, Key: "Topic", Created: 30},
		{App: app1, Kind: im.FieldMember, Key: "level", Created: 20},
		{App: app1, Kind: im.FieldMember, Key: "Level", Created: 20},
		{App: app1, Kind: im.FieldMember, Key: "A", Created: 5},
	}
	if d := diff(want, mustListFields(t, s, app1)); d != "" {
		t.Errorf("ListFields(app1) (-want +got):\n%s", d)
	}
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		got, err := tx.ListFields(ctx, app1)
		if d := diff(want, got); err == nil && d != "" {
			t.Errorf("ListFields(app1) in Update (-want +got):\n%s", d)
		}
		return err
	})
	if got := mustListFields(t, s, app2); len(got) != 1 || got[0].Key != "Other" {
		t.Errorf("ListFields(app2): got %v, want Other only", got)
	}
}

// testFieldConflict declares a key twice: ErrConflict, the transaction goes on, and the
// same key of the other kind is a different field.
func testFieldConflict(t *testing.T, s im.Store) {
	mustPutFields(t, s, im.Field{App: app1, Kind: im.FieldMember, Key: "Level", Created: 1})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		err := tx.PutField(ctx, im.Field{App: app1, Kind: im.FieldMember, Key: "Level", Created: 2})
		if !errors.Is(err, im.ErrConflict) {
			t.Errorf("PutField of a declared key: got %v, want ErrConflict", err)
		}
		return tx.PutField(ctx, im.Field{App: app1, Kind: im.FieldGroup, Key: "Level", Created: 3})
	})
	want := []im.Field{
		{App: app1, Kind: im.FieldGroup, Key: "Level", Created: 3},
		{App: app1, Kind: im.FieldMember, Key: "Level", Created: 1},
	}
	if d := diff(want, mustListFields(t, s, app1)); d != "" {
		t.Errorf("ListFields (-want +got):\n%s", d)
	}
}

// testFieldDeleteAppKeeps checks that DeleteApp leaves declarations: they are the app's
// settings, like its configuration, not its data.
func testFieldDeleteAppKeeps(t *testing.T, s im.Store) {
	mustPutFields(t, s, im.Field{App: app1, Kind: im.FieldGroup, Key: "Topic", Created: 1})
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, app1) })
	if got := mustListFields(t, s, app1); len(got) != 1 {
		t.Errorf("ListFields after DeleteApp: got %v, want Topic kept", got)
	}
}

// testFieldConcurrentCount has 20 Updates at once each count the app's member fields
// and declare one more only while there are fewer than 5: ListFields in Update must
// serialize them, so exactly 5 are declared.
func testFieldConcurrentCount(t *testing.T, s im.Store) {
	const n, limit = 20, 5
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
				fs, err := tx.ListFields(ctx, app1)
				if err != nil || len(fs) >= limit {
					return err
				}
				return tx.PutField(ctx, im.Field{App: app1, Kind: im.FieldMember, Key: fmt.Sprintf("K%d", i), Created: 1})
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Update %d: %v", i, err)
		}
	}
	if got := mustListFields(t, s, app1); len(got) != limit {
		t.Errorf("declared %d fields, want exactly %d: %v", len(got), limit, got)
	}
}
