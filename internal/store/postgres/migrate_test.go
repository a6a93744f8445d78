package postgres

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/timdhq/timd/internal/store/storetest"
)

// appliedVersions returns the versions schema_migrations lists, in order.
func appliedVersions(t *testing.T, db *DB) []int {
	t.Helper()
	rows, err := db.pool.Query(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// embeddedVersions returns the versions of the embedded migrations.
func embeddedVersions(t *testing.T) []int {
	t.Helper()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	var vs []int
	for _, m := range ms {
		vs = append(vs, m.Version)
	}
	return vs
}

// TestConcurrentOpen opens three stores on one fresh schema at once, as replicas starting
// together do: the advisory lock lets one migrate, and the others find the work done.
func TestConcurrentOpen(t *testing.T) {
	dsn := MustSchema(t)
	const replicas = 3
	dbs := make([]*DB, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() { dbs[i], errs[i] = Open(t.Context(), dsn, Options{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	if got, want := appliedVersions(t, dbs[0]), embeddedVersions(t); !slices.Equal(got, want) {
		t.Errorf("schema_migrations: got %v, want %v", got, want)
	}
	storetest.MustUpdate(t, dbs[1], createGroup("g"))
	if !groupExists(t, dbs[2], "g") {
		t.Errorf("a group written through one replica is missing from another")
	}
}

func TestMigrate(t *testing.T) {
	dsn := MustSchema(t)
	for range 2 {
		if err := Migrate(t.Context(), dsn); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	db := MustOpen(t, dsn, Options{})
	if got, want := appliedVersions(t, db), embeddedVersions(t); !slices.Equal(got, want) {
		t.Errorf("schema_migrations after Migrate twice and Open: got %v, want %v", got, want)
	}
	if _, err := db.pool.Exec(t.Context(), `INSERT INTO schema_migrations (version) VALUES (9999)`); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(t.Context(), dsn); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Migrate of a newer schema: got %v, want an error saying it is newer", err)
	}
	if db, err := Open(t.Context(), dsn, Options{}); err == nil {
		db.Close()
		t.Errorf("Open of a newer schema: got nil error, want an error")
	}
}

func TestWithSearchPath(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://u:p@h:5432/db?sslmode=disable", "postgres://u:p@h:5432/db?search_path=s&sslmode=disable"},
		{"postgresql://h/db?search_path=old", "postgresql://h/db?search_path=s"},
		{"host=h dbname=db", "host=h dbname=db search_path=s"},
		{"", "search_path=s"},
	} {
		if got := withSearchPath(tc.dsn, "s"); got != tc.want {
			t.Errorf("withSearchPath(%q): got %q, want %q", tc.dsn, got, tc.want)
		}
	}
}

// TestNewTestSchema checks that a test schema holds the store's tables and nothing is left
// after drop.
func TestNewTestSchema(t *testing.T) {
	base := testDSN(t)
	dsn, drop, err := NewTestSchema(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(t.Context(), dsn, Options{})
	if err != nil {
		drop()
		t.Fatal(err)
	}
	var schema string
	if err := db.pool.QueryRow(t.Context(), `SELECT table_schema FROM information_schema.tables
		WHERE table_name = 'members' AND table_schema = current_schema()`).Scan(&schema); err != nil {
		t.Errorf("members table in the test schema: %v", err)
	}
	db.Close()
	if err := drop(); err != nil {
		t.Fatalf("drop: %v", err)
	}
	conn, err := pgx.Connect(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	var left bool
	err = conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&left)
	if err != nil || left || !strings.HasPrefix(schema, "timd_test_") {
		t.Errorf("schema %q after drop: exists %v (%v), want a dropped timd_test_ schema", schema, left, err)
	}
}

// TestMigrateGroupSeq upgrades a schema of version 1 that holds storetest.LegacyGroups,
// for storetest.CheckLegacyGroupSeq to check the Seqs migration 2 gave them.
func TestMigrateGroupSeq(t *testing.T) {
	dsn := MustSchema(t)
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
		ms[0].SQL,
		`INSERT INTO schema_migrations (version) VALUES (1)`,
	} {
		if _, err := conn.Exec(t.Context(), sql); err != nil {
			t.Fatalf("version 1 schema: %v", err)
		}
	}
	for _, g := range storetest.LegacyGroups() {
		_, err := conn.Exec(t.Context(), `INSERT INTO groups (app, id, type, name, introduction,
			notification, face_url, owner, create_time, info_seq, last_info_time, last_msg_time,
			next_msg_seq, max_member_num, apply_join_option, invite_join_option, mute_all_member)
		VALUES ($1, $2, 'Public', '', '', '', '', '', $3, 0, 0, 0, 0, 0, 'FreeAccess', '', false)`,
			appID(g.App), g.ID, g.CreateTime)
		if err != nil {
			t.Fatalf("version 1 group: %v", err)
		}
	}
	conn.Close(t.Context())

	db := MustOpen(t, dsn, Options{})
	if got, want := appliedVersions(t, db), embeddedVersions(t); !slices.Equal(got, want) {
		t.Errorf("schema_migrations after the upgrade: got %v, want %v", got, want)
	}
	storetest.CheckLegacyGroupSeq(t, db)
}
