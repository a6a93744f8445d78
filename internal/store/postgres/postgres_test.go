package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/storetest"
)

// testDSN returns the DSN of the test database, or skips tb when there is none.
func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("TIMD_TEST_POSTGRES_DSN")
	if dsn == "" {
		tb.Skip("TIMD_TEST_POSTGRES_DSN is not set: PostgreSQL lane skipped (.ci/run sets it)")
	}
	return dsn
}

// MustSchema creates a fresh schema in the test database, drops it when tb ends, and
// returns a DSN that selects it. It skips tb when there is no test database.
func MustSchema(tb testing.TB) string {
	tb.Helper()
	dsn, drop, err := NewTestSchema(context.Background(), testDSN(tb))
	if err != nil {
		tb.Fatalf("NewTestSchema: %v", err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Errorf("drop: %v", err)
		}
	})
	return dsn
}

// MustOpen opens a store on dsn with opts and closes it when tb ends.
func MustOpen(tb testing.TB, dsn string, opts Options) *DB {
	tb.Helper()
	db, err := Open(context.Background(), dsn, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// MustOpenFresh opens a store with opts on a fresh schema of the test database.
func MustOpenFresh(tb testing.TB, opts Options) *DB {
	tb.Helper()
	return MustOpen(tb, MustSchema(tb), opts)
}

func TestStore(t *testing.T) {
	testDSN(t)
	storetest.Run(t, func(t *testing.T) im.Store {
		return MustOpenFresh(t, Options{})
	})
}

// TestShared opens two stores of four connections on one schema, as two replicas would:
// FOR UPDATE SKIP LOCKED keeps their claims of outbox events disjoint.
func TestShared(t *testing.T) {
	testDSN(t)
	storetest.RunShared(t, func(t *testing.T) (im.Store, im.Store) {
		dsn := MustSchema(t)
		return MustOpen(t, dsn, Options{MaxConns: 4}), MustOpen(t, dsn, Options{MaxConns: 4})
	})
}

// group returns a minimal group of app 1.
func group(id string) im.Group {
	return im.Group{App: 1, ID: id, Type: im.TypePublic, ApplyJoinOption: im.JoinFreeAccess}
}

// createGroup is an Update fn that creates group(id).
func createGroup(id string) func(ctx context.Context, tx im.Tx) error {
	return func(ctx context.Context, tx im.Tx) error { return tx.CreateGroup(ctx, group(id)) }
}

// groupExists reports whether group id of app 1 exists.
func groupExists(tb testing.TB, db *DB, id string) bool {
	tb.Helper()
	var err error
	storetest.MustView(tb, db, func(ctx context.Context, tx im.Tx) error {
		_, err = tx.GetGroup(ctx, 1, id)
		return nil
	})
	if err != nil && !errors.Is(err, im.ErrNotFound) {
		tb.Fatalf("GetGroup(%q): %v", id, err)
	}
	return err == nil
}

// forceSerializationFailure runs a statement that fails with SQLSTATE 40001 in tx, as a
// conflicting transaction would make one fail.
func forceSerializationFailure(ctx context.Context, itx im.Tx) error {
	_, err := itx.(*tx).exec(ctx, `DO $$ BEGIN
		RAISE EXCEPTION 'forced by the test' USING ERRCODE = 'serialization_failure';
	END $$`)
	return err
}

// TestRetrySerializationFailure fails the first attempt of an Update with SQLSTATE 40001:
// Update runs fn again and commits its second attempt only, whether fn returns the error
// or swallows it.
func TestRetrySerializationFailure(t *testing.T) {
	db := MustOpenFresh(t, Options{})
	for _, swallow := range []bool{false, true} {
		t.Run(fmt.Sprintf("swallow=%v", swallow), func(t *testing.T) {
			id := fmt.Sprintf("g-%v", swallow)
			attempts := 0
			err := db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
				attempts++
				if err := tx.CreateGroup(ctx, group(id)); err != nil {
					return err
				}
				if attempts == 1 {
					if err := forceSerializationFailure(ctx, tx); err != nil && !swallow {
						return fmt.Errorf("wrapped: %w", err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if attempts != 2 {
				t.Errorf("fn ran %d times, want 2", attempts)
			}
			if !groupExists(t, db, id) {
				t.Errorf("group of the retried Update is missing")
			}
		})
	}
}

// TestRetryBounded makes every attempt fail: Update gives up after MaxAttempts and
// returns the serialization failure.
func TestRetryBounded(t *testing.T) {
	db := MustOpenFresh(t, Options{MaxAttempts: 3})
	attempts := 0
	err := db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		attempts++
		return forceSerializationFailure(ctx, tx)
	})
	if sqlState(err) != codeSerializationFailure {
		t.Errorf("Update: got %v, want SQLSTATE 40001", err)
	}
	if attempts != 3 {
		t.Errorf("fn ran %d times, want 3", attempts)
	}
}

// TestRetryDeadlock has two Updates lock two groups in opposite orders: PostgreSQL breaks
// the deadlock by failing one with SQLSTATE 40P01, and Update runs that one again, so
// both succeed. It takes about deadlock_timeout (1s by default).
func TestRetryDeadlock(t *testing.T) {
	db := MustOpenFresh(t, Options{})
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		for _, id := range []string{"a", "b"} {
			if err := tx.CreateGroup(ctx, group(id)); err != nil {
				return err
			}
		}
		return nil
	})
	var attempts atomic.Int64
	var locked sync.WaitGroup
	locked.Add(2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, order := range [][]string{{"a", "b"}, {"b", "a"}} {
		wg.Go(func() {
			first := true
			errs[i] = db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
				attempts.Add(1)
				g, err := tx.GetGroup(ctx, 1, order[0])
				if err != nil {
					return err
				}
				if first {
					first = false
					locked.Done()
					locked.Wait() // both hold their first lock: the second reads deadlock
				}
				if _, err := tx.GetGroup(ctx, 1, order[1]); err != nil {
					return err
				}
				g.InfoSeq++
				return tx.UpdateGroup(ctx, g)
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Update %d: %v", i, err)
		}
	}
	if n := attempts.Load(); n != 3 {
		t.Errorf("fns ran %d times in all, want 3 (one deadlock victim run twice)", n)
	}
}

// TestTwoPoolsNoLostUpdate runs read-modify-write Updates of one member through two
// stores on one schema, as two replicas would: the row lock taken by GetMember keeps
// every change.
func TestTwoPoolsNoLostUpdate(t *testing.T) {
	dsn := MustSchema(t)
	dbs := []*DB{MustOpen(t, dsn, Options{MaxConns: 4}), MustOpen(t, dsn, Options{MaxConns: 4})}
	storetest.MustUpdate(t, dbs[0], func(ctx context.Context, tx im.Tx) error {
		if err := tx.CreateGroup(ctx, group("g")); err != nil {
			return err
		}
		return tx.AddMember(ctx, 1, im.Member{Group: "g", Account: "a", Role: im.RoleMember})
	})
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			storetest.MustUpdate(t, dbs[i%2], func(ctx context.Context, tx im.Tx) error {
				m, err := tx.GetMember(ctx, 1, "g", "a")
				if err != nil {
					return err
				}
				m.UnreadMsgNum++
				data := map[string]string{fmt.Sprintf("k%02d", i): "v"}
				maps.Copy(data, m.AppData)
				m.AppData = data
				return tx.UpdateMember(ctx, 1, m)
			})
		})
	}
	wg.Wait()
	storetest.MustView(t, dbs[1], func(ctx context.Context, tx im.Tx) error {
		m, err := tx.GetMember(ctx, 1, "g", "a")
		if err != nil {
			return err
		}
		if m.UnreadMsgNum != n || len(m.AppData) != n {
			t.Errorf("after %d read-modify-writes through two stores: got UnreadMsgNum %d and %d AppData keys, want %d each",
				n, m.UnreadMsgNum, len(m.AppData), n)
		}
		return nil
	})
}

// TestConflictFallback checks that a unique violation that ON CONFLICT does not absorb is
// still reported as ErrConflict, and that the transaction then refuses further work.
func TestConflictFallback(t *testing.T) {
	db := MustOpenFresh(t, Options{})
	storetest.MustUpdate(t, db, createGroup("g"))
	var second error
	err := db.Update(t.Context(), func(ctx context.Context, itx im.Tx) error {
		_, err := itx.(*tx).exec(ctx, `INSERT INTO groups SELECT * FROM groups`)
		if !errors.Is(err, im.ErrConflict) || sqlState(err) != codeUniqueViolation {
			t.Errorf("duplicate insert: got %v, want ErrConflict with SQLSTATE 23505", err)
		}
		second = itx.CreateGroup(ctx, group("h"))
		return nil
	})
	if second == nil || errors.Is(second, im.ErrConflict) {
		t.Errorf("CreateGroup after an aborting error: got %v, want a transaction-aborted error", second)
	}
	if err == nil {
		t.Errorf("Update whose fn ignored an aborting error: got nil, want an error")
	}
	if groupExists(t, db, "h") {
		t.Errorf("group written in an aborted transaction exists")
	}
}

// TestPanicReleasesConnection panics in an Update of a store with one connection: the
// panicking Update gives the connection back, so the next call gets it. What else a panic
// does is part of the contract storetest checks.
func TestPanicReleasesConnection(t *testing.T) {
	db := MustOpenFresh(t, Options{MaxConns: 1})
	func() {
		defer func() { recover() }()
		db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			panic("kaboom")
		})
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping after a panicking Update: %v (its connection was not given back)", err)
	}
}

// TestByteOrder checks that identifiers sort byte by byte, as in SQLite, whatever the
// database's locale.
func TestByteOrder(t *testing.T) {
	db := MustOpenFresh(t, Options{})
	accounts := []string{"b", "a", "_x", "B", "Z", "a-"}
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		for _, a := range accounts {
			if err := tx.SetMute(ctx, 1, "g", a, im.MuteForever); err != nil {
				return err
			}
		}
		return nil
	})
	var got []string
	storetest.MustView(t, db, func(ctx context.Context, tx im.Tx) error {
		mutes, err := tx.ListMutes(ctx, 1, "g", 0, false)
		for _, mu := range mutes {
			got = append(got, mu.Account)
		}
		return err
	})
	want := slices.Clone(accounts)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ListMutes order: got %q, want %q", got, want)
	}
}

func TestOpenOptions(t *testing.T) {
	for _, opts := range []Options{{MaxConns: -1}, {MinConns: 40}, {MaxAttempts: -1}} {
		if db, err := Open(t.Context(), "postgres://127.0.0.1:1/none", opts); err == nil {
			db.Close()
			t.Errorf("Open with %+v: got nil error, want an error", opts)
		}
	}
}

// TestSecretNotInErrors opens DSNs that fail, unparsable or unreachable: no error shows
// the password.
func TestSecretNotInErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, dsn := range []string{
		"postgres://timd:hunter2@127.0.0.1:1/timd?connect_timeout=2",
		"postgres://timd:hunter2@127.0.0.1:port/timd",
		"postgres://timd:hunter2@[::1/timd",
		"host=127.0.0.1 port=1 user=timd password=hunter2 connect_timeout=2",
		"host=127.0.0.1 port=x password=hunter2",
		"password='hunter2",
	} {
		errs := map[string]error{"Migrate": Migrate(ctx, dsn)}
		if db, err := Open(ctx, dsn, Options{}); err == nil {
			db.Close()
		} else {
			errs["Open"] = err
		}
		_, _, errs["NewTestSchema"] = NewTestSchema(ctx, dsn)
		for name, err := range errs {
			if err == nil {
				t.Errorf("%s(%q): got nil error, want one", name, dsn)
			} else if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("%s(%q): error %q shows the password", name, dsn, err)
			}
		}
	}
}

// BenchmarkUpdateMember runs storetest.BenchUpdateMember over the default pool of 32
// connections, with the server's default synchronous_commit=on.
func BenchmarkUpdateMember(b *testing.B) {
	storetest.BenchUpdateMember(b, MustOpenFresh(b, Options{}), nil)
}

// BenchmarkModifyNameCard runs storetest.BenchModifyNameCard over the default pool: the
// store calls of a modify of a NameCard (a KeepGroup read, unlocked in a first attempt,
// and the UPDATE).
func BenchmarkModifyNameCard(b *testing.B) {
	storetest.BenchModifyNameCard(b, MustOpenFresh(b, Options{}), nil)
}

// BenchmarkAppendMessage runs storetest.BenchAppendMessage into one busy group and
// spread over 1000, over the default pool: in one group every Update waits for the
// group's row lock, which the one before holds until its COMMIT.
func BenchmarkAppendMessage(b *testing.B) {
	for _, groups := range []int{1, 1000} {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			storetest.BenchAppendMessage(b, MustOpenFresh(b, Options{}), groups, nil)
		})
	}
}

// TestIsolation checks the transaction settings the locking design rests on: Update at
// READ COMMITTED, View at REPEATABLE READ and read-only.
func TestIsolation(t *testing.T) {
	db := MustOpenFresh(t, Options{})
	settings := func(itx im.Tx) (level, readOnly string) {
		q := itx.(*tx).q
		if err := q.QueryRow(t.Context(), `SELECT current_setting('transaction_isolation'),
			current_setting('transaction_read_only')`).Scan(&level, &readOnly); err != nil {
			t.Fatal(err)
		}
		return level, readOnly
	}
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		if level, ro := settings(tx); level != "read committed" || ro != "off" {
			t.Errorf("Update transaction: got %s, read-only %s; want read committed, off", level, ro)
		}
		return nil
	})
	storetest.MustView(t, db, func(ctx context.Context, tx im.Tx) error {
		if level, ro := settings(tx); level != "repeatable read" || ro != "on" {
			t.Errorf("View transaction: got %s, read-only %s; want repeatable read, on", level, ro)
		}
		return nil
	})
}

// TestInvalidText writes and reads text PostgreSQL cannot hold, a NUL byte or invalid
// UTF-8, which the service is meant to reject first: the store reports ErrInvalidText,
// keeps nothing of the transaction, and goes on serving.
func TestInvalidText(t *testing.T) {
	db := MustOpenFresh(t, Options{MaxConns: 1})
	for _, nick := range []string{"a\x00b", "a\xffb"} {
		err := db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			if err := tx.CreateGroup(ctx, group("g")); err != nil {
				return err
			}
			return tx.PutAccount(ctx, im.Account{App: 1, UserID: "u", Nick: nick})
		})
		if !errors.Is(err, ErrInvalidText) || sqlState(err) != codeCharacterNotInRepertoire {
			t.Errorf("PutAccount with Nick %q: got %v, want ErrInvalidText with SQLSTATE 22021", nick, err)
		}
		if groupExists(t, db, "g") {
			t.Errorf("group written before the invalid Nick exists")
		}
	}
	err := db.View(t.Context(), func(ctx context.Context, tx im.Tx) error {
		_, err := tx.GetMembers(ctx, 1, "g", []string{"a", "b\x00"})
		return err
	})
	if !errors.Is(err, ErrInvalidText) {
		t.Errorf("GetMembers of an account with a NUL byte: got %v, want ErrInvalidText", err)
	}
	// With one connection, this also shows that the failed transactions gave it back.
	storetest.MustUpdate(t, db, createGroup("g"))
}

// TestKeepGroupLock checks what the group lock of GetGroupMember lets through while an
// Update holds member a of group g with KeepGroup: another member's KeepGroup write, and
// a WriteGroup Update of the group, commit without waiting; a DestroyGroup waits for the
// holder's commit. These are the locks of an Update's second attempt, after a first
// that read unlocked found its row changed (TestOptimisticKeepGroup).
func TestKeepGroupLock(t *testing.T) {
	db := MustOpenFresh(t, Options{MaxConns: 8})
	db.pessimistic = true
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		if err := tx.CreateGroup(ctx, group("g")); err != nil {
			return err
		}
		for _, a := range []string{"a", "b"} {
			if err := tx.AddMember(ctx, 1, im.Member{Group: "g", Account: a, Role: im.RoleMember}); err != nil {
				return err
			}
		}
		return nil
	})
	holding, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(free) // before the store's Close, should the test fail while holding
	held := make(chan error, 1)
	go func() {
		held <- db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			_, m, _, err := tx.GetGroupMember(ctx, 1, "g", "a", im.KeepGroup)
			if err != nil {
				return err
			}
			close(holding)
			<-release
			m.NameCard = "held"
			return tx.UpdateMember(ctx, 1, m)
		})
	}()
	<-holding
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for _, lock := range []im.GroupLock{im.KeepGroup, im.WriteGroup} {
		err := db.Update(ctx, func(ctx context.Context, tx im.Tx) error {
			g, m, _, err := tx.GetGroupMember(ctx, 1, "g", "b", lock)
			if err != nil {
				return err
			}
			m.NameCard = fmt.Sprint("lock ", lock)
			if err := tx.UpdateMember(ctx, 1, m); err != nil {
				return err
			}
			g.InfoSeq++
			return tx.UpdateGroup(ctx, g)
		})
		if err != nil {
			t.Fatalf("write of member b with lock %v while a is held with KeepGroup: %v", lock, err)
		}
	}
	destroyed := make(chan error, 1)
	go func() {
		destroyed <- db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			return tx.DestroyGroup(ctx, 1, "g")
		})
	}()
	select {
	case err := <-destroyed:
		t.Fatalf("DestroyGroup finished (%v) while a member's Update held the group with KeepGroup", err)
	case <-time.After(300 * time.Millisecond):
	}
	free()
	if err := <-held; err != nil {
		t.Fatalf("the holding Update: %v", err)
	}
	if err := <-destroyed; err != nil {
		t.Fatalf("DestroyGroup after the holder committed: %v", err)
	}
}
