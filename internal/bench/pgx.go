package bench

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/timdhq/timd/internal/store/postgres"
)

// pgApp is the app column of the baseline's rows.
const pgApp = 1400000000

// PGBaseline measures raw pgx single-row UPDATEs of timd's own members table (created by
// timd's migrations, so it has the same columns and indexes), the baseline of timd's
// PostgreSQL store. The table lives in a schema of its
// own, which Close drops.
type PGBaseline struct {
	pool    *pgxpool.Pool
	schema  string
	groups  int
	members int
	run     string
	seq     atomic.Uint64
}

// OpenPGBaseline connects to dsn with a pool of conns connections, creates a schema
// timbench_<random> holding the members table, and fills it with groups*members rows:
// member j of group i is row (g<i>, u<i*members+j>).
func OpenPGBaseline(ctx context.Context, dsn string, groups, members, conns int) (*PGBaseline, error) {
	if err := CheckLoopbackDSN(dsn); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("the PostgreSQL DSN does not parse") // never show the DSN
	}
	var rnd [6]byte
	_, _ = crand.Read(rnd[:])
	schema := "timbench_" + hex.EncodeToString(rnd[:])
	cfg.MaxConns, cfg.MinConns = int32(max(conns, 1)), 0
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	b := &PGBaseline{pool: pool, schema: schema, groups: groups, members: members,
		run: strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36)}
	if err := b.create(ctx, cfg.ConnConfig); err != nil {
		return nil, errors.Join(err, b.Close())
	}
	return b, nil
}

// create makes the schema, timd's tables in it (through timd's migrations, on cfg, whose
// search_path names the schema) and the members' rows. The fill runs without the
// per-row triggers that keep timd's member counts: the baseline updates rows, never adds
// or removes them, so it needs none.
func (b *PGBaseline) create(ctx context.Context, cfg *pgx.ConnConfig) error {
	if _, err := b.pool.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{b.schema}.Sanitize()); err != nil {
		return fmt.Errorf("create schema %s: %w", b.schema, err)
	}
	if err := postgres.MigrateConfig(ctx, cfg); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	if _, err := b.pool.Exec(ctx, "ALTER TABLE members DISABLE TRIGGER USER"); err != nil {
		return fmt.Errorf("disable member triggers: %w", err)
	}
	_, err := b.pool.Exec(ctx, `
		INSERT INTO members (app, group_id, account, seq, role, join_time, msg_seq, msg_flag,
			last_send_msg_time, name_card, app_data, unread_msg_num)
		SELECT $1, 'g' || (i / $2), 'u' || i, i % $2, 'Member', 0, 0, 'AcceptAndNotify', 0, '', NULL, 0
		FROM generate_series(0, $3::bigint - 1) AS i`, pgApp, b.members, b.groups*b.members)
	if err != nil {
		return fmt.Errorf("fill table: %w", err)
	}
	if _, err := b.pool.Exec(ctx, "ANALYZE members"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// Rows returns the rows of the table.
func (b *PGBaseline) Rows() int { return b.groups * b.members }

// NewOp returns the Ops of the baseline: each UPDATEs a random row with a NameCard
// unique in the run, in a transaction of its own (autocommit).
func (b *PGBaseline) NewOp(worker int) Op {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(worker)))
	return func(ctx context.Context) Outcome {
		i := rng.IntN(b.groups * b.members)
		card := b.run + "-" + strconv.FormatUint(b.seq.Add(1), 36)
		tag, err := b.pool.Exec(ctx, "UPDATE members SET name_card = $1 WHERE app = $2 AND group_id = $3 AND account = $4",
			card, pgApp, "g"+strconv.Itoa(i/b.members), "u"+strconv.Itoa(i))
		switch {
		case err != nil:
			return Outcome{Fail: "postgres", Detail: err.Error()}
		case tag.RowsAffected() != 1:
			return Outcome{Code: -2}
		}
		return Outcome{Band: bandModify}
	}
}

// Close drops the schema and closes the pool.
func (b *PGBaseline) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := b.pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{b.schema}.Sanitize()+" CASCADE")
	b.pool.Close()
	if err != nil {
		return fmt.Errorf("drop schema %s: %w", b.schema, err)
	}
	return nil
}
