package sqlite

import (
	"database/sql"
	"fmt"
	"maps"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/timdhq/timd/internal/im"
)

// The bounds of the writer's groupCache: rows, enough for every group of a busy server's
// working set (BENCHMARKS.md's 10,000), and bytes, so that groups with long texts and
// custom data cannot make it large (a row of BENCHMARKS.md's groups is about 300 bytes).
const (
	groupCacheMax      = 16384
	groupCacheMaxBytes = 16 << 20
)

// groupKey names a group row.
type groupKey struct {
	app int64
	id  string
}

// groupCache holds group rows as the writer last read them, so that a modify or a send,
// which begin by reading their group and one member, read only the member while the group
// is unchanged: the group row is the larger part of that read, and the writer is the one
// goroutine every write waits for. It belongs to the writer goroutine and has no lock.
//
// A cached row is the row as the writer's transactions see it:
//   - every change of a groups row on the writer's connection, by any statement or
//     trigger, reaches changed through SQLite's pre-update hook before it is made, and
//     drops the row; the hook sees what no list of Tx methods could miss;
//   - a row read while the transaction holds changes that are then rolled back would be
//     a state that never was: the writer empties the cache when a request that changed a
//     groups row rolls back to its savepoint, and when a batch rolls back (see writer);
//   - another process writing the same file (two stores on one file) commits behind the
//     writer's back: PRAGMA data_version, read at the start of each batch, tells it, and
//     the cache is emptied.
type groupCache struct {
	rows     map[groupKey]im.Group
	max      int // rows
	maxBytes int // of rows, as rowSize counts them
	bytes    int
	// touched is set by changed; the writer resets it before each request, to know
	// whether the request's rollback undoes a change of a groups row.
	touched bool
	hits    int64 // rows served, for tests
}

// newGroupCache returns an empty cache of at most max rows and maxBytes bytes.
func newGroupCache(max, maxBytes int) *groupCache {
	return &groupCache{rows: make(map[groupKey]im.Group), max: max, maxBytes: maxBytes}
}

// rowSize is about how much memory g takes: its fixed part, its texts and custom data.
func rowSize(g *im.Group) int {
	n := 256 + len(g.ID) + len(g.Type) + len(g.Name) + len(g.Introduction) + len(g.Notification) +
		len(g.FaceURL) + len(g.Owner) + len(g.ApplyJoinOption) + len(g.InviteJoinOption)
	for k, v := range g.AppData {
		n += 32 + len(k) + len(v)
	}
	return n
}

// get returns a copy of the cached row of group id, if any.
func (c *groupCache) get(app uint64, id string) (im.Group, bool) {
	g, ok := c.rows[groupKey{appID(app), id}]
	if ok {
		c.hits++
		g.AppData = maps.Clone(g.AppData) // the caller may change its copy
	}
	return g, ok
}

// held returns the cached row of group id as it is kept, its AppData shared: for a caller
// that only puts it back changed (put copies it), not to hand out.
func (c *groupCache) held(app uint64, id string) (im.Group, bool) {
	g, ok := c.rows[groupKey{appID(app), id}]
	return g, ok
}

// put caches a copy of g, read in the writer's current transaction. When the cache is
// full, rows it holds make room (the map's first, which is random enough); a row larger
// than the whole cache is not kept.
func (c *groupCache) put(g im.Group) {
	size := rowSize(&g)
	if size > c.maxBytes {
		return
	}
	key := groupKey{appID(g.App), g.ID}
	c.drop(key)
	for len(c.rows) >= c.max || c.bytes+size > c.maxBytes {
		for k := range c.rows {
			c.drop(k)
			break
		}
	}
	g.AppData = maps.Clone(g.AppData)
	c.rows[key] = g
	c.bytes += size
}

// drop forgets the row of key, if any.
func (c *groupCache) drop(key groupKey) {
	if g, ok := c.rows[key]; ok {
		c.bytes -= rowSize(&g)
		delete(c.rows, key)
	}
}

// clear forgets every row.
func (c *groupCache) clear() {
	clear(c.rows)
	c.bytes = 0
}

// changed is the writer connection's pre-update hook: SQLite calls it before it inserts,
// updates or deletes any row, on the writer goroutine (inside the statement the writer
// runs). A groups row's key is its first two columns, app and id; an insert is dropped
// too, in case an INSERT OR REPLACE replaces a row.
func (c *groupCache) changed(d driver.SQLitePreUpdateData) {
	if d.TableName != "groups" || d.DatabaseName != "main" {
		return
	}
	c.touched = true
	key := make([]any, 2)
	var err error
	if d.Op == sqlite3.SQLITE_INSERT {
		err = d.New(key...)
	} else {
		err = d.Old(key...)
	}
	app, ok1 := key[0].(int64)
	id, ok2 := key[1].(string)
	if err != nil || !ok1 || !ok2 {
		c.clear() // a key it cannot read: forget everything rather than guess
		return
	}
	c.drop(groupKey{app, id})
}

// watch makes c the pre-update hook of conn, the writer's connection.
func (c *groupCache) watch(conn *sql.Conn) error {
	return conn.Raw(func(dc any) error {
		h, ok := dc.(driver.HookRegisterer)
		if !ok {
			return fmt.Errorf("sqlite: the driver's connection (%T) takes no pre-update hook", dc)
		}
		h.RegisterPreUpdateHook(c.changed)
		return nil
	})
}
