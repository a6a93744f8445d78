package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// NewTestSchema creates an empty schema with a fresh name, timd_test_<16 hex digits>, in
// the database dsn names, and returns schemaDSN: dsn with its search_path set to that
// schema, so a store opened on it (or a migration run on it) keeps its tables there. It is
// meant for tests, which get a store of their own in one shared database, in parallel
// with others.
//
// drop removes the schema with everything in it. Close every store opened on schemaDSN
// first: dropping waits for the transactions still using its tables. drop is bounded by
// a timeout of its own, so it may run after ctx has ended (in a t.Cleanup).
func NewTestSchema(ctx context.Context, dsn string) (schemaDSN string, drop func() error, err error) {
	cfg, err := parseConfig(dsn)
	if err != nil {
		return "", nil, err
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "timd_test_" + hex.EncodeToString(b[:])
	create := "CREATE SCHEMA " + pgx.Identifier{name}.Sanitize()
	if err := execAlone(ctx, cfg.ConnConfig, create); err != nil {
		return "", nil, fmt.Errorf("postgres: create test schema: %w", err)
	}
	drop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := execAlone(ctx, cfg.ConnConfig, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE")
		if err != nil {
			return fmt.Errorf("postgres: drop test schema %s: %w", name, err)
		}
		return nil
	}
	return withSearchPath(dsn, name), drop, nil
}

// execAlone runs one statement on a connection of its own.
func execAlone(ctx context.Context, cfg *pgx.ConnConfig, sql string) error {
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// withSearchPath returns dsn, a URL or key=value pairs, with its search_path parameter set
// to schema, which pgx sends to the server as a run-time parameter of every connection.
// schema is a plain identifier (letters, digits, _).
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	// In key=value form a later key overrides an earlier one.
	return strings.TrimSpace(dsn + " search_path=" + schema)
}
