package postgres

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/storetest"
)

// countingConn counts the writes of a connection to the server. pgx writes each message
// flush in one call and then waits for the answer, so on an idle connection the writes of
// a transaction are its round trips.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// openCounting opens a store of one connection on a fresh schema whose writes to the
// server are counted in writes. The pool never pings a connection it hands out, which
// would be a round trip of its own.
func openCounting(t *testing.T, writes *atomic.Int64) *DB {
	t.Helper()
	db, err := open(t.Context(), MustSchema(t), Options{MaxConns: 1}, func(cfg *pgxpool.Config) {
		dial := cfg.ConnConfig.DialFunc
		cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{Conn: c, writes: writes}, nil
		}
		cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// groupWith is an Update fn that creates group(id) with the given members.
func groupWith(id string, accounts ...string) func(ctx context.Context, tx im.Tx) error {
	return func(ctx context.Context, tx im.Tx) error {
		if err := tx.CreateGroup(ctx, group(id)); err != nil {
			return err
		}
		for _, a := range accounts {
			if err := tx.AddMember(ctx, 1, im.Member{Group: id, Account: a, Role: im.RoleMember}); err != nil {
				return err
			}
		}
		return nil
	}
}

// anew is an Update fn that deletes app 1 and creates group g with member a, and with
// account, account a.
func anew(account bool) func(ctx context.Context, tx im.Tx) error {
	return func(ctx context.Context, tx im.Tx) error {
		if err := tx.DeleteApp(ctx, 1); err != nil {
			return err
		}
		if account {
			if err := tx.PutAccount(ctx, im.Account{App: 1, UserID: "a"}); err != nil {
				return err
			}
		}
		return groupWith("g", "a")(ctx, tx)
	}
}

// TestRoundTrips counts the round trips of the transactions the commonest commands run:
// the BEGIN goes with the first statement, and the writes of rows the transaction holds
// (and mutes and outbox events) go with the COMMIT. Each is run once before it is
// counted, so that pgx has prepared its statements.
func TestRoundTrips(t *testing.T) {
	var writes atomic.Int64
	db := openCounting(t, &writes)
	storetest.MustUpdate(t, db, groupWith("g", "a"))
	modify := func(ctx context.Context, tx im.Tx) error {
		_, m, _, err := tx.GetGroupMember(ctx, 1, "g", "a", im.KeepGroup)
		if err != nil {
			return err
		}
		m.NameCard += "x"
		return tx.UpdateMember(ctx, 1, m)
	}
	cases := []struct {
		name   string
		view   bool
		fn     func(ctx context.Context, tx im.Tx) error
		trips  int64
		before int64 // the round trips before writes were queued, for the record
	}{
		{name: "modify of a NameCard", fn: modify, trips: 2, before: 3},
		{name: "mute with its tip and a callback", fn: func(ctx context.Context, tx im.Tx) error {
			g, m, _, err := tx.GetGroupMember(ctx, 1, "g", "a", im.WriteGroup)
			if err != nil {
				return err
			}
			if err := tx.SetMute(ctx, 1, "g", "a", 1<<40); err != nil {
				return err
			}
			if err := tx.UpdateMember(ctx, 1, m); err != nil {
				return err
			}
			tip := im.Message{App: 1, Group: "g", Seq: g.NextMsgSeq, Time: 1, Tip: &im.Tip{Op: im.TipMemberInfoChange, Members: []string{"a"}}}
			if err := tx.AppendMessage(ctx, tip); err != nil {
				return err
			}
			return tx.Enqueue(ctx, im.OutboxEntry{App: 1, Group: g.ID, Command: "test", Body: []byte("{}")})
		}, trips: 2, before: 6},
		{name: "update of a member not read first", fn: func(ctx context.Context, tx im.Tx) error {
			return tx.UpdateMember(ctx, 1, im.Member{Group: "g", Account: "a", Role: im.RoleMember})
		}, trips: 2, before: 3},
		{name: "view of one read", view: true, fn: func(ctx context.Context, tx im.Tx) error {
			_, err := tx.GetGroup(ctx, 1, "g")
			return err
		}, trips: 2, before: 3},
		{name: "view that reads nothing", view: true, fn: func(context.Context, im.Tx) error { return nil }, trips: 0, before: 2},
	}
	for _, c := range cases {
		run := func() {
			if c.view {
				storetest.MustView(t, db, c.fn)
			} else {
				storetest.MustUpdate(t, db, c.fn)
			}
		}
		run()
		writes.Store(0)
		run()
		if got := writes.Load(); got != c.trips {
			t.Errorf("%s: %d round trips, want %d (%d before writes were queued)", c.name, got, c.trips, c.before)
		}
	}
}

// TestQueuedWriteFails fails a queued write (a mute record of an account with a NUL byte,
// which PostgreSQL refuses): the statement that sends it reports its error, not one of
// its own, and nothing of the Update is kept, whether the write goes with a read or with
// the COMMIT. The one connection is usable after each.
func TestQueuedWriteFails(t *testing.T) {
	db := MustOpenFresh(t, Options{MaxConns: 1})
	storetest.MustUpdate(t, db, groupWith("g", "a"))
	for _, withRead := range []bool{true, false} {
		var readErr error
		err := db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			if err := tx.CreateGroup(ctx, group("new")); err != nil {
				return err
			}
			if err := tx.SetMute(ctx, 1, "g", "bad\x00", 100); err != nil {
				t.Fatalf("SetMute reported the queued write's failure before sending it: %v", err)
			}
			if withRead {
				_, readErr = tx.GetGroup(ctx, 1, "missing")
				return readErr
			}
			return nil
		})
		if withRead {
			var queued *deferredError
			if !errors.As(readErr, &queued) || errors.Is(readErr, im.ErrNotFound) || errors.Is(readErr, ErrInvalidText) {
				t.Errorf("read after the failing write: got %v, want the write's error, not ErrNotFound or ErrInvalidText", readErr)
			}
		}
		if sqlState(err) != codeCharacterNotInRepertoire {
			t.Errorf("Update (the write sent with a read: %v): got %v, want the write's SQLSTATE 22021", withRead, err)
		}
		if groupExists(t, db, "new") {
			t.Errorf("the write sent with a read: %v: the group created before the failing write was kept", withRead)
		}
	}
	storetest.MustUpdate(t, db, createGroup("new"))
}

// TestHeldAfterDelete deletes a membership the Update holds, then updates it: each write
// that deletes memberships forgets the held ones, so the update runs at once and finds
// no row (ErrNotFound) rather than being queued as certain to change one.
func TestHeldAfterDelete(t *testing.T) {
	db := MustOpenFresh(t, Options{})
	deletes := map[string]func(ctx context.Context, tx im.Tx) error{
		"DeleteMember": func(ctx context.Context, tx im.Tx) error { return tx.DeleteMember(ctx, 1, "g", "a") },
		"DestroyGroup": func(ctx context.Context, tx im.Tx) error { return tx.DestroyGroup(ctx, 1, "g") },
		"DeleteAccount": func(ctx context.Context, tx im.Tx) error {
			return tx.DeleteAccount(ctx, 1, "a")
		},
		"DeleteApp": func(ctx context.Context, tx im.Tx) error { return tx.DeleteApp(ctx, 1) },
	}
	for name, del := range deletes {
		storetest.MustUpdate(t, db, anew(true))
		var updateErr error
		err := db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			m, err := tx.GetMember(ctx, 1, "g", "a")
			if err != nil {
				return err
			}
			if err := del(ctx, tx); err != nil {
				return err
			}
			updateErr = tx.UpdateMember(ctx, 1, m)
			return updateErr
		})
		if !errors.Is(updateErr, im.ErrNotFound) || !errors.Is(err, im.ErrNotFound) {
			t.Errorf("%s, then UpdateMember of the member: got %v (Update: %v), want ErrNotFound", name, updateErr, err)
		}
	}
	// The same of a held group, and an append to its stream.
	for _, name := range []string{"DestroyGroup", "DeleteApp"} {
		storetest.MustUpdate(t, db, anew(false))
		var appendErr error
		err := db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			g, err := tx.GetGroup(ctx, 1, "g")
			if err != nil {
				return err
			}
			if err := deletes[name](ctx, tx); err != nil {
				return err
			}
			appendErr = tx.AppendMessage(ctx, im.Message{App: 1, Group: "g", Seq: g.NextMsgSeq, From: "a", Body: []byte("[]")})
			return appendErr
		})
		if !errors.Is(appendErr, im.ErrNotFound) || !errors.Is(err, im.ErrNotFound) {
			t.Errorf("%s, then AppendMessage to the group: got %v (Update: %v), want ErrNotFound", name, appendErr, err)
		}
	}
}

// TestQueuedUpdateOfNoRow breaks the upkeep of held on purpose (the member is deleted by a
// statement the store does not know of): the queued update, which finds no row, still
// fails in the server, and the COMMIT sent with it does not run.
func TestQueuedUpdateOfNoRow(t *testing.T) {
	db := MustOpenFresh(t, Options{})
	storetest.MustUpdate(t, db, groupWith("g", "a"))
	err := db.Update(t.Context(), func(ctx context.Context, itx im.Tx) error {
		m, err := itx.GetMember(ctx, 1, "g", "a")
		if err != nil {
			return err
		}
		if _, err := itx.(*tx).exec(ctx, `DELETE FROM members WHERE app = 1 AND group_id = 'g'`); err != nil {
			return err
		}
		if err := itx.CreateGroup(ctx, group("new")); err != nil {
			return err
		}
		return itx.UpdateMember(ctx, 1, m)
	})
	if !errors.Is(err, errNoRowChanged) {
		t.Errorf("Update: got %v, want errNoRowChanged", err)
	}
	if groupExists(t, db, "new") {
		t.Errorf("the Update whose queued update changed no row was committed")
	}
}

// TestQueuedAppendOfTakenSeq appends, to a group the Update holds, a message whose Seq a
// statement the store does not know of has taken: the queued append fails in the server,
// and the COMMIT sent with it does not run.
func TestQueuedAppendOfTakenSeq(t *testing.T) {
	db := MustOpenFresh(t, Options{})
	storetest.MustUpdate(t, db, groupWith("g", "a"))
	err := db.Update(t.Context(), func(ctx context.Context, itx im.Tx) error {
		g, err := itx.GetGroup(ctx, 1, "g")
		if err != nil {
			return err
		}
		if _, err := itx.(*tx).exec(ctx, `INSERT INTO messages (app, group_id, seq, sender, random,
				priority, time, body, unread, state, need_receipt)
			VALUES (1, 'g', $1, 'a', 0, 0, 0, '[]', false, 0, false)`, g.NextMsgSeq); err != nil {
			return err
		}
		if err := itx.CreateGroup(ctx, group("new")); err != nil {
			return err
		}
		return itx.AppendMessage(ctx, im.Message{App: 1, Group: "g", Seq: g.NextMsgSeq, From: "a", Body: []byte("[]")})
	})
	if !errors.Is(err, errNoRowChanged) {
		t.Errorf("Update: got %v, want errNoRowChanged", err)
	}
	if groupExists(t, db, "new") {
		t.Errorf("the Update whose queued append took a taken Seq was committed")
	}
}

// TestOptimisticKeepGroup pauses an Update between its KeepGroup read of member a and its
// write. Meanwhile the row is not locked (a NOWAIT lock of it succeeds), and another
// Update changes it: the paused Update's write then finds the row changed, and Update
// runs its fn again, which reads the other's change and keeps it. A member that a
// KeepGroup Update reads and does not write is checked at its commit the same way; and a
// group destroyed meanwhile makes the second run find no group.
func TestOptimisticKeepGroup(t *testing.T) {
	db := MustOpenFresh(t, Options{MaxConns: 4})
	cases := []struct {
		name  string
		write bool // the paused Update writes the member (else it writes another row)
		other func(ctx context.Context, tx im.Tx) error
		want  error // of the paused Update
	}{
		{name: "written", write: true, other: setNameCard("other")},
		{name: "read only", other: setNameCard("other")},
		{name: "group destroyed", write: true, other: func(ctx context.Context, tx im.Tx) error {
			return tx.DestroyGroup(ctx, 1, "g")
		}, want: im.ErrNotFound},
	}
	for _, c := range cases {
		storetest.MustUpdate(t, db, anew(false))
		paused, resume := make(chan struct{}), make(chan struct{})
		var runs atomic.Int64
		done := make(chan error, 1)
		go func() {
			done <- db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
				_, m, _, err := tx.GetGroupMember(ctx, 1, "g", "a", im.KeepGroup)
				if err != nil {
					return err
				}
				if runs.Add(1) == 1 {
					close(paused)
					<-resume
				}
				if !c.write {
					return tx.CreateGroup(ctx, group("seen-"+m.NameCard))
				}
				m.AppData = map[string]string{"seen": m.NameCard}
				return tx.UpdateMember(ctx, 1, m)
			})
		}()
		<-paused
		storetest.MustUpdate(t, db, func(ctx context.Context, itx im.Tx) error {
			_, err := itx.(*tx).exec(ctx, `SELECT FROM members WHERE app = 1 AND group_id = 'g' AND account = 'a' FOR NO KEY UPDATE NOWAIT`)
			return err
		})
		err := db.Update(t.Context(), c.other)
		close(resume)
		if err != nil {
			t.Fatalf("%s: the other Update: %v", c.name, err)
		}
		err = <-done
		if c.want != nil {
			if !errors.Is(err, c.want) || runs.Load() != 1 {
				t.Errorf("%s: got %v after %d runs of fn, want %v after 1 (the second finds no group)", c.name, err, runs.Load(), c.want)
			}
			continue
		}
		if err != nil || runs.Load() != 2 {
			t.Fatalf("%s: got %v after %d runs of fn, want success after 2", c.name, err, runs.Load())
		}
		if !c.write {
			if !groupExists(t, db, "seen-other") || groupExists(t, db, "seen-") {
				t.Errorf("%s: the commit kept the first run's decision on the stale member", c.name)
			}
			continue
		}
		m := mustMember(t, db, "g", "a")
		if m.NameCard != "other" || m.AppData["seen"] != "other" {
			t.Errorf("%s: member a is %q with %v, want the other's NameCard and the second run's AppData", c.name, m.NameCard, m.AppData)
		}
	}
}

// setNameCard is an Update fn that sets the NameCard of member a of group g.
func setNameCard(card string) func(ctx context.Context, tx im.Tx) error {
	return func(ctx context.Context, tx im.Tx) error {
		m, err := tx.GetMember(ctx, 1, "g", "a")
		if err != nil {
			return err
		}
		m.NameCard = card
		return tx.UpdateMember(ctx, 1, m)
	}
}

// mustMember reads a member of app 1.
func mustMember(tb testing.TB, db *DB, group, account string) im.Member {
	tb.Helper()
	var m im.Member
	storetest.MustView(tb, db, func(ctx context.Context, tx im.Tx) error {
		var err error
		m, err = tx.GetMember(ctx, 1, group, account)
		return err
	})
	return m
}

// TestAnalyze loads a fresh schema, whose tables PostgreSQL has never analyzed
// (reltuples -1), and analyzes it: none is left without statistics.
func TestAnalyze(t *testing.T) {
	db := MustOpenFresh(t, Options{})
	storetest.MustUpdate(t, db, groupWith("g", "a", "b"))
	unanalyzed := func() int {
		var n int
		err := db.pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_class c
			JOIN pg_namespace s ON s.oid = c.relnamespace
			WHERE s.nspname = current_schema() AND c.relkind = 'r' AND c.reltuples < 0`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := unanalyzed(); n == 0 {
		t.Fatalf("a fresh schema has no table without statistics: the test proves nothing")
	}
	if err := db.Analyze(t.Context()); err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	if n := unanalyzed(); n != 0 {
		t.Errorf("after Analyze, %d tables have no statistics", n)
	}
}
