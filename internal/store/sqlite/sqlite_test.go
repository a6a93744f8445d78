package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/storetest"
)

// MustOpen opens the database at path with opts and closes it when tb ends.
func MustOpen(tb testing.TB, path string, opts Options) *DB {
	tb.Helper()
	db, err := Open(context.Background(), path, opts)
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// tempPath returns a database path in a fresh directory of tb.
func tempPath(tb testing.TB) string {
	return filepath.Join(tb.TempDir(), "timd.db")
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) im.Store {
		return MustOpen(t, tempPath(t), Options{})
	})
}

// TestShared opens two stores on one file, as two processes would. Each one's Updates run
// in its writer's BEGIN IMMEDIATE transactions, which SQLite serializes across the two.
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (im.Store, im.Store) {
		path := tempPath(t)
		return MustOpen(t, path, Options{}), MustOpen(t, path, Options{})
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

func TestReopenKeepsData(t *testing.T) {
	path := tempPath(t)
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		if err := tx.CreateGroup(ctx, group("g")); err != nil {
			return err
		}
		return tx.AddMember(ctx, 1, im.Member{Group: "g", Account: "a", Role: im.RoleOwner, NameCard: "card"})
	})
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db = MustOpen(t, path, Options{})
	storetest.MustView(t, db, func(ctx context.Context, tx im.Tx) error {
		g, err := tx.GetGroup(ctx, 1, "g")
		if err != nil {
			return err
		}
		if g.MemberNum != 1 {
			t.Errorf("MemberNum after reopen: got %d, want 1", g.MemberNum)
		}
		m, err := tx.GetMember(ctx, 1, "g", "a")
		if err != nil {
			return err
		}
		if m.NameCard != "card" {
			t.Errorf("NameCard after reopen: got %q, want card", m.NameCard)
		}
		return nil
	})
	checkMigrations(t, db)
}

// checkMigrations checks that schema_migrations lists each embedded migration once.
func checkMigrations(t *testing.T, db *DB) {
	t.Helper()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, m := range ms {
		want = append(want, m.Version)
	}
	rows, err := db.rdb.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if !slices.Equal(got, want) {
		t.Errorf("schema_migrations: got %v, want %v", got, want)
	}
}

// TestGroupCommit holds the writer while 200 Updates queue up, one of which fails and one
// panics: they commit in a few batches, and only the failing two are rolled back.
func TestGroupCommit(t *testing.T) {
	const n, fails, panics = 200, 100, 150
	db := MustOpen(t, tempPath(t), Options{})
	var queued atomic.Int64
	release := make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			<-release
			return tx.CreateGroup(ctx, group("held"))
		})
	}()

	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("g%03d", i)
			queued.Add(1)
			errs[i] = db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
				if err := tx.CreateGroup(ctx, group(id)); err != nil {
					return err
				}
				switch i {
				case fails:
					return fmt.Errorf("request %d: %w", i, storetestBoom)
				case panics:
					panic("kaboom")
				}
				return nil
			})
		})
	}
	for queued.Load() < n {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the last goroutines reach Update
	before := db.w.commits.Load()
	close(release)
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatalf("held Update: %v", err)
	}

	for i, err := range errs {
		id := fmt.Sprintf("g%03d", i)
		switch i {
		case fails:
			if !errors.Is(err, storetestBoom) {
				t.Errorf("failing Update: got %v, want its fn's error", err)
			}
		case panics:
			if err == nil || !strings.Contains(err.Error(), "kaboom") {
				t.Errorf("panicking Update: got %v, want an error naming the panic", err)
			}
		default:
			if err != nil {
				t.Errorf("Update %d: %v", i, err)
			}
		}
		if got, want := groupExists(t, db, id), err == nil; got != want {
			t.Errorf("group %s exists: got %v, want %v", id, got, want)
		}
	}
	commits := db.w.commits.Load() - before
	t.Logf("%d Updates in %d commits", n+1, commits)
	if commits > 10 {
		t.Errorf("commits for %d queued Updates: got %d, want at most 10", n+1, commits)
	}
}

// storetestBoom is the error of fns that fail on purpose.
var storetestBoom = errors.New("boom")

func TestOpenOptions(t *testing.T) {
	for _, opts := range []Options{
		{Synchronous: "SOMETIMES"},
		{BatchMax: -1},
		{Readers: -2},
	} {
		if db, err := Open(t.Context(), tempPath(t), opts); err == nil {
			db.Close()
			t.Errorf("Open with %+v: got nil error, want an error", opts)
		}
	}
	for _, path := range []string{"", ":memory:", "file:x.db", tempPath(t) + "?mode=ro"} {
		if db, err := Open(t.Context(), path, Options{}); err == nil {
			db.Close()
			t.Errorf("Open(%q): got nil error, want an error", path)
		}
	}
	db := MustOpen(t, tempPath(t), Options{Synchronous: "normal", BatchMax: 1, Readers: 1})
	storetest.MustUpdate(t, db, createGroup("g"))
}

// BenchmarkUpdateMember runs storetest.BenchUpdateMember with the default options
// (synchronous=FULL). writes/commit is the mean group-commit batch.
func BenchmarkUpdateMember(b *testing.B) {
	db := MustOpen(b, tempPath(b), Options{})
	var before int64
	storetest.BenchUpdateMember(b, db, func() { before = db.w.commits.Load() })
	if commits := db.w.commits.Load() - before; commits > 0 {
		b.ReportMetric(float64(b.N)/float64(commits), "writes/commit")
	}
}

// BenchmarkAppendMessage runs storetest.BenchAppendMessage into one busy group and
// spread over 1000, and reports, besides writes/commit, the database's growth per
// message: bytes/msg is the growth of its used pages (page_count - freelist_count, times
// page_size, as a reader sees the file with its WAL) over b.N. The growth comes in whole
// pages, so take it from runs of 100,000 messages or more: -benchtime 100000x.
func BenchmarkAppendMessage(b *testing.B) {
	for _, groups := range []int{1, 1000} {
		b.Run(fmt.Sprintf("groups=%d", groups), func(b *testing.B) {
			db := MustOpen(b, tempPath(b), Options{})
			var commits, used int64
			storetest.BenchAppendMessage(b, db, groups, func() {
				commits, used = db.w.commits.Load(), usedBytes(b, db)
			})
			if n := db.w.commits.Load() - commits; n > 0 {
				b.ReportMetric(float64(b.N)/float64(n), "writes/commit")
			}
			b.ReportMetric(float64(usedBytes(b, db)-used)/float64(b.N), "bytes/msg")
		})
	}
}

// usedBytes returns the bytes of the database's pages in use.
func usedBytes(tb testing.TB, db *DB) int64 {
	tb.Helper()
	var pages, free, size int64
	err := db.rdb.QueryRow(`SELECT page_count, freelist_count, page_size
		FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()`).Scan(&pages, &free, &size)
	if err != nil {
		tb.Fatal(err)
	}
	return (pages - free) * size
}

// TestPragmas checks the settings the durability and concurrency design rests on.
func TestPragmas(t *testing.T) {
	db := MustOpen(t, tempPath(t), Options{})
	pragmas := func(itx im.Tx, names ...string) map[string]string {
		got := make(map[string]string)
		for _, name := range names {
			var v string
			if err := itx.(*tx).q.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
				t.Fatalf("PRAGMA %s: %v", name, err)
			}
			got[name] = v
		}
		return got
	}
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		got := pragmas(tx, "journal_mode", "synchronous", "wal_autocheckpoint", "busy_timeout", "query_only")
		// synchronous=1 (NORMAL): with Synchronous FULL the syncer fsyncs the WAL instead.
		want := map[string]string{"journal_mode": "wal", "synchronous": "1", "wal_autocheckpoint": "16384",
			"busy_timeout": "5000", "query_only": "0"}
		if !maps.Equal(got, want) {
			t.Errorf("writer pragmas: got %v, want %v", got, want)
		}
		return nil
	})
	storetest.MustView(t, db, func(ctx context.Context, tx im.Tx) error {
		got := pragmas(tx, "journal_mode", "query_only", "busy_timeout")
		want := map[string]string{"journal_mode": "wal", "query_only": "1", "busy_timeout": "5000"}
		if !maps.Equal(got, want) {
			t.Errorf("reader pragmas: got %v, want %v", got, want)
		}
		return nil
	})
}

// TestCloseDuringUpdates closes the store while Updates arrive: each one either commits,
// and is there after reopening, or fails with ErrClosed; none hangs.
func TestCloseDuringUpdates(t *testing.T) {
	path := tempPath(t)
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 100)
	for i := range errs {
		wg.Go(func() {
			errs[i] = db.Update(t.Context(), createGroup(fmt.Sprintf("g%03d", i)))
		})
	}
	time.Sleep(time.Millisecond)
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Update %d: got %v, want nil or ErrClosed", i, err)
		}
	}
	db = MustOpen(t, path, Options{})
	for i, err := range errs {
		if got, want := groupExists(t, db, fmt.Sprintf("g%03d", i)), err == nil; got != want {
			t.Errorf("group of Update %d (error %v) exists after reopen: got %v, want %v", i, err, got, want)
		}
	}
}

// TestMigrateGroupSeq upgrades a database of version 1 that holds storetest.LegacyGroups,
// for storetest.CheckLegacyGroupSeq to check the Seqs migration 2 gave them.
func TestMigrateGroupSeq(t *testing.T) {
	path := tempPath(t)
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)`,
		ms[0].SQL,
		`INSERT INTO schema_migrations (version) VALUES (1)`,
	} {
		if _, err := raw.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("version 1 schema: %v", err)
		}
	}
	for _, g := range storetest.LegacyGroups() {
		_, err := raw.ExecContext(t.Context(), `INSERT INTO groups (app, id, type, name, introduction,
			notification, face_url, owner, create_time, info_seq, last_info_time, last_msg_time,
			next_msg_seq, max_member_num, apply_join_option, invite_join_option, mute_all_member)
		VALUES (?, ?, 'Public', '', '', '', '', '', ?, 0, 0, 0, 0, 0, 'FreeAccess', '', 0)`,
			appID(g.App), g.ID, g.CreateTime)
		if err != nil {
			t.Fatalf("version 1 group: %v", err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db := MustOpen(t, path, Options{})
	checkMigrations(t, db)
	storetest.CheckLegacyGroupSeq(t, db)
}

// TestSyncerAnswersAfterFsync checks that with Synchronous FULL every Update is answered
// by the syncer, after an fsync of the WAL made after its commit, and that under load
// batches share fsyncs; and that other settings leave syncing to SQLite.
func TestSyncerAnswersAfterFsync(t *testing.T) {
	db := MustOpen(t, tempPath(t), Options{})
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		return tx.PutAccount(ctx, im.Account{App: 1, UserID: "first"})
	})
	syncs := func() int64 {
		// The syncer counts before it answers, and answered this Update: reading the
		// count after Update returns is ordered by the answer's channel send.
		return db.w.syncer.syncs
	}
	if got := syncs(); got < 1 {
		t.Fatalf("after one Update: %d fsyncs, want at least 1", got)
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
				return tx.PutAccount(ctx, im.Account{App: 1, UserID: fmt.Sprintf("u%d", i)})
			})
		}()
	}
	wg.Wait()
	if s, c := syncs(), db.w.commits.Load(); s > c {
		t.Errorf("%d fsyncs for %d commits: an fsync without a commit", s, c)
	}
	normal := MustOpen(t, tempPath(t), Options{Synchronous: "NORMAL"})
	if normal.w.syncer != nil {
		t.Error("Synchronous NORMAL started a syncer")
	}
}

// TestSyncerRefusesAfterFsyncFailure checks that once an fsync of the WAL fails, no
// write is acknowledged any more: neither the batch it covered nor any later one.
func TestSyncerRefusesAfterFsyncFailure(t *testing.T) {
	db := MustOpen(t, tempPath(t), Options{})
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		return tx.PutAccount(ctx, im.Account{App: 1, UserID: "before"})
	})
	// Stand in for a failing disk. The syncer is idle between Updates, and the next
	// Update's hand-over orders this write before its next fsync.
	db.w.syncer.fsync = func(*os.File) error { return errors.New("input/output error") }
	put := func(id string) error {
		return db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			return tx.PutAccount(ctx, im.Account{App: 1, UserID: id})
		})
	}
	if err := put("during"); err == nil {
		t.Fatal("Update answered OK although the fsync after it failed")
	}
	if err := put("after"); err == nil || !strings.Contains(err.Error(), "fsync WAL failed") {
		t.Fatalf("Update after a failed fsync: got %v, want the fsync failure", err)
	}
}

// TestMemberWriteFrames checks how many pages a member's write dirties: a plain member
// written back with a new NameCard (as modify_group_member_info writes it, every column,
// Role included) changes its row's page and nothing else, because members_role holds
// only the owner and the admins; promoting the member adds it to members_role, one page
// more. Each dirty page is one WAL frame at COMMIT.
func TestMemberWriteFrames(t *testing.T) {
	path := tempPath(t)
	db := MustOpen(t, path, Options{CheckpointInterval: time.Hour}) // the WAL only grows
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		if err := tx.CreateGroup(ctx, group("g")); err != nil {
			return err
		}
		ms := make([]im.Member, 2000)
		for i := range ms {
			ms[i] = im.Member{Group: "g", Account: fmt.Sprintf("u%04d", i), Role: im.RoleMember, MsgFlag: im.MsgAcceptAndNotify}
		}
		ms[0].Role = im.RoleOwner
		return tx.AddMembers(ctx, 1, "g", ms)
	})
	var pageSize int64
	if err := db.rdb.QueryRowContext(t.Context(), `PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	frames := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return (fi.Size() - 32) / (24 + pageSize)
	}
	write := func(account string, change func(*im.Member)) int64 {
		t.Helper()
		before := frames()
		storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
			m, err := tx.GetMember(ctx, 1, "g", account)
			if err != nil {
				return err
			}
			change(&m)
			return tx.UpdateMember(ctx, 1, m)
		})
		return frames() - before
	}
	if n := write("u1000", func(m *im.Member) { m.NameCard = "card" }); n != 1 {
		t.Errorf("a plain member's new NameCard wrote %d pages, want 1", n)
	}
	if n := write("u1001", func(m *im.Member) { m.Role = im.RoleAdmin }); n != 2 {
		t.Errorf("a promotion wrote %d pages, want 2 (the row and members_role)", n)
	}
	if n := write("u1001", func(m *im.Member) { m.NameCard = "admin card" }); n != 2 {
		t.Errorf("an admin's new NameCard wrote %d pages, want 2 (its members_role entry is rewritten)", n)
	}
}
