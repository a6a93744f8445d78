package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// TestViewsMeetingNewQueriesDoNotDeadlock fills every reader connection with a View and
// then has each run a query no View has run before. Preparing it must not wait for
// another reader connection: none would come back, as every one is held by a View that
// waits. (Found by the soak: under 16 clients the first reads of a fresh server hung.)
func TestViewsMeetingNewQueriesDoNotDeadlock(t *testing.T) {
	const readers = 2
	db := MustOpen(t, tempPath(t), Options{Readers: readers})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start := time.Now()
	var all, wg sync.WaitGroup
	all.Add(readers)
	for i := range readers {
		wg.Go(func() {
			err := db.View(ctx, func(ctx context.Context, itx im.Tx) error {
				all.Done()
				all.Wait() // every reader connection is now in a View
				var n int
				return itx.(*tx).queryRow(ctx, fmt.Sprintf("SELECT %d", 100+i)).Scan(&n)
			})
			if err != nil {
				t.Errorf("View %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("%d Views each running a new query with every reader connection held took %v, want well under 2s (they waited for a connection to prepare on)", readers, took)
	}
	// The statements get prepared meanwhile, and are used once they are.
	deadline := time.Now().Add(5 * time.Second)
	for db.rst.prepared("SELECT 100") == nil {
		if time.Now().After(deadline) {
			t.Fatal("SELECT 100 not prepared 5s after its first use")
		}
		time.Sleep(5 * time.Millisecond)
	}
	storeViewScan(t, db, "SELECT 100")
}

// storeViewScan runs query in a View and scans its one integer.
func storeViewScan(t *testing.T, db *DB, query string) {
	t.Helper()
	err := db.View(t.Context(), func(ctx context.Context, itx im.Tx) error {
		var n int
		return itx.(*tx).queryRow(ctx, query).Scan(&n)
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
