package sqlite

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/store/storetest"
)

// writerGroup reads group id and member a in an Update, as a modify begins, and returns
// the group with whether the writer's cache served it.
func writerGroup(t *testing.T, db *DB, id string) (im.Group, bool) {
	t.Helper()
	var g im.Group
	hits := db.w.groups.hits
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		var err error
		g, _, _, err = tx.GetGroupMember(ctx, 1, id, "a", im.WriteGroup)
		return err
	})
	return g, db.w.groups.hits > hits
}

// renameAndFail is an Update fn that renames group g to "rolled back", reads the row back
// (into the writer's cache) and fails with fail, so that the rename is rolled back.
func renameAndFail(fail error) func(ctx context.Context, tx im.Tx) error {
	return func(ctx context.Context, tx im.Tx) error {
		g, err := tx.GetGroup(ctx, 1, "g")
		if err != nil {
			return err
		}
		g.Name = "rolled back"
		if err := tx.UpdateGroup(ctx, g); err != nil {
			return err
		}
		if _, err := tx.GetGroup(ctx, 1, "g"); err != nil {
			return err
		}
		return fail
	}
}

// TestGroupCache checks that the writer's cached group rows are the rows: served once
// read, and never after a change of the row, whichever way it was changed, nor after a
// rollback of a change, nor after another store wrote the file.
func TestGroupCache(t *testing.T) {
	path := tempPath(t)
	db := MustOpen(t, path, Options{})
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		if err := tx.CreateGroup(ctx, group("g")); err != nil {
			return err
		}
		return tx.AddMember(ctx, 1, im.Member{Group: "g", Account: "a", Role: im.RoleMember, MsgFlag: im.MsgAcceptAndNotify})
	})
	if _, hit := writerGroup(t, db, "g"); hit {
		t.Fatal("first read served from the cache")
	}
	if g, hit := writerGroup(t, db, "g"); !hit || g.MemberNum != 1 {
		t.Fatalf("second read: hit %v, MemberNum %d; want a hit of 1 member", hit, g.MemberNum)
	}

	// A change by UpdateGroup.
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		g, err := tx.GetGroup(ctx, 1, "g")
		if err != nil {
			return err
		}
		g.Name = "renamed"
		g.AppData = map[string]string{"k": "v"}
		return tx.UpdateGroup(ctx, g)
	})
	if g, hit := writerGroup(t, db, "g"); hit || g.Name != "renamed" || g.AppData["k"] != "v" {
		t.Errorf("after UpdateGroup: hit %v, %+v", hit, g)
	}

	// A change the group's row gets from a member's insert (MemberNum).
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		return tx.AddMember(ctx, 1, im.Member{Group: "g", Account: "b", Role: im.RoleMember, MsgFlag: im.MsgAcceptAndNotify})
	})
	if g, hit := writerGroup(t, db, "g"); hit || g.MemberNum != 2 {
		t.Errorf("after AddMember: hit %v, MemberNum %d, want a miss and 2", hit, g.MemberNum)
	}

	// A message advances the row, and the writer keeps it, advanced.
	var seq int64
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		g, _, _, err := tx.GetGroupMember(ctx, 1, "g", "a", im.WriteGroup)
		if err != nil {
			return err
		}
		seq = g.NextMsgSeq
		return tx.AppendMessage(ctx, im.Message{App: 1, Group: "g", Seq: g.NextMsgSeq, From: "a", Time: 1700000000, Body: []byte("[]")})
	})
	if g, hit := writerGroup(t, db, "g"); !hit || g.NextMsgSeq != seq+1 || g.LastMsgTime != 1700000000 {
		t.Errorf("after AppendMessage: hit %v, NextMsgSeq %d, LastMsgTime %d; want a hit, %d, 1700000000", hit, g.NextMsgSeq, g.LastMsgTime, seq+1)
	}
	var stored im.Group
	storetest.MustView(t, db, func(ctx context.Context, tx im.Tx) (err error) {
		stored, err = tx.GetGroup(ctx, 1, "g")
		return err
	})
	if cached, _ := writerGroup(t, db, "g"); !reflect.DeepEqual(cached, stored) {
		t.Errorf("cached row after AppendMessage:\n%+v\nstored:\n%+v", cached, stored)
	}

	// A copy handed out is the caller's: changing it changes no cached row.
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error {
		g, err := tx.GetGroup(ctx, 1, "g")
		g.AppData["k"] = "changed in memory only"
		return err
	})
	if g, _ := writerGroup(t, db, "g"); g.AppData["k"] != "v" {
		t.Errorf("a caller's change of its copy reached the cache: %v", g.AppData)
	}

	// A change read back in the same request, then rolled back: the row read must go.
	errUndo := errors.New("undo")
	err := db.Update(t.Context(), renameAndFail(errUndo))
	if !errors.Is(err, errUndo) {
		t.Fatalf("Update: %v, want errUndo", err)
	}
	if g, _ := writerGroup(t, db, "g"); g.Name != "renamed" {
		t.Errorf("after a rolled-back rename: Name %q, want %q", g.Name, "renamed")
	}

	// Another store on the same file (another process) renames the group.
	if _, hit := writerGroup(t, db, "g"); !hit {
		t.Fatal("not cached before the other store's write")
	}
	other := MustOpen(t, path, Options{})
	storetest.MustUpdate(t, other, func(ctx context.Context, tx im.Tx) error {
		g, err := tx.GetGroup(ctx, 1, "g")
		if err != nil {
			return err
		}
		g.Name = "by the other store"
		return tx.UpdateGroup(ctx, g)
	})
	if g, hit := writerGroup(t, db, "g"); hit || g.Name != "by the other store" {
		t.Errorf("after the other store's rename: hit %v, Name %q", hit, g.Name)
	}

	// A deleted group is not served.
	storetest.MustUpdate(t, db, func(ctx context.Context, tx im.Tx) error { return tx.DestroyGroup(ctx, 1, "g") })
	err = db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
		_, _, _, err := tx.GetGroupMember(ctx, 1, "g", "a", im.WriteGroup)
		return err
	})
	if !errors.Is(err, im.ErrNotFound) {
		t.Errorf("GetGroupMember of the deleted group: %v, want ErrNotFound", err)
	}
}

// TestGroupCacheBound checks that the cache keeps at most its maximum of rows and of
// bytes, and counts its bytes right as rows come, change and go.
func TestGroupCacheBound(t *testing.T) {
	c := newGroupCache(3, 1<<20)
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		c.put(im.Group{App: 1, ID: id})
	}
	if len(c.rows) != 3 {
		t.Errorf("%d rows, want 3", len(c.rows))
	}
	if _, ok := c.get(1, "e"); !ok {
		t.Error("the row put last is not there")
	}

	big := im.Group{App: 1, ID: "big", Introduction: string(make([]byte, 600<<10))}
	c.put(big)
	c.put(im.Group{App: 1, ID: "big2", Notification: string(make([]byte, 600<<10))})
	if _, ok := c.get(1, "big2"); !ok || c.bytes > 1<<20 {
		t.Errorf("after two rows of 600 KiB in 1 MiB: last kept %v, %d bytes", ok, c.bytes)
	}
	c.put(im.Group{App: 1, ID: "huge", Name: string(make([]byte, 2<<20))})
	if _, ok := c.get(1, "huge"); ok {
		t.Error("a row larger than the cache was kept")
	}
	c.put(im.Group{App: 1, ID: "big2", Name: "small again"}) // replaced, not counted twice
	sum := 0
	for _, g := range c.rows {
		sum += rowSize(&g)
	}
	if c.bytes != sum {
		t.Errorf("bytes counted %d, rows hold %d", c.bytes, sum)
	}
	c.clear()
	if c.bytes != 0 || len(c.rows) != 0 {
		t.Errorf("after clear: %d rows, %d bytes", len(c.rows), c.bytes)
	}
}

// TestGroupCacheRollbackInBatch checks the rollback of one request in a batch whose
// others commit: a row it changed and read back must not stay cached.
func TestGroupCacheRollbackInBatch(t *testing.T) {
	db := MustOpen(t, tempPath(t), Options{})
	storetest.MustUpdate(t, db, createGroup("g"))
	writerGroup(t, db, "g") // cached

	// A holds the writer, so that B and C wait and make the next batch together.
	release, held := make(chan struct{}), make(chan struct{})
	errUndo := errors.New("undo")
	done := make(chan error, 3)
	go func() {
		done <- db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	go func() { // B
		done <- db.Update(t.Context(), renameAndFail(errUndo))
	}()
	go func() { // C
		done <- db.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
			_, err := tx.GetGroup(ctx, 1, "other")
			if errors.Is(err, im.ErrNotFound) {
				err = nil
			}
			return err
		})
	}()
	time.Sleep(100 * time.Millisecond) // B and C wait for the writer
	close(release)
	for range 3 {
		if err := <-done; err != nil && !errors.Is(err, errUndo) {
			t.Fatal(err)
		}
	}
	if g, _ := writerGroup(t, db, "g"); g.Name != "" {
		t.Errorf("after a rolled-back rename in a batch that committed: Name %q, want none", g.Name)
	}
}
