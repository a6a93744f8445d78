package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/store/postgres"
)

// runMigrate runs `timd migrate` in this process with env as the whole environment.
func runMigrate(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	lookupEnv := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	err := run(context.Background(), append([]string{"migrate"}, args...), &stdout, &stderr, lookupEnv)
	return stdout.String(), err
}

func TestMigrateSQLite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	out, err := runMigrate(t, nil, "-data", dir)
	if err != nil {
		t.Fatalf("timd migrate: %v", err)
	}
	if !strings.Contains(out, "sqlite:") {
		t.Errorf("timd migrate printed %q, want it to name the sqlite store", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "timd.db")); err != nil {
		t.Errorf("database after timd migrate: %v", err)
	}
	if keys, _ := filepath.Glob(filepath.Join(dir, "secret-*.key")); len(keys) != 0 {
		t.Errorf("timd migrate created key files %v, want none", keys)
	}
}

func TestMigratePostgres(t *testing.T) {
	base := os.Getenv("TIMD_TEST_POSTGRES_DSN")
	if base == "" {
		t.Skip("TIMD_TEST_POSTGRES_DSN is not set: PostgreSQL lane skipped (.ci/run sets it)")
	}
	dsn, drop, err := postgres.NewTestSchema(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	for range 2 { // the second run finds nothing to do
		out, err := runMigrate(t, map[string]string{"TIMD_POSTGRES_DSN": dsn})
		if err != nil {
			t.Fatalf("timd migrate: %v", err)
		}
		if !strings.Contains(out, "postgresql") || strings.Contains(out, dsn) {
			t.Errorf("timd migrate printed %q, want it to name postgresql without the DSN", out)
		}
	}
	db, err := postgres.Open(t.Context(), dsn, postgres.Options{})
	if err != nil {
		t.Fatalf("Open after timd migrate: %v", err)
	}
	db.Close()
}
