-- 0002_lists_outbox: the creation order of groups (Group.Seq) with the indexes that list and
-- count an app's groups, and the outbox of after-callbacks.

-- seq is the group's Seq: handed out from counters.name = 'group_seq' by CreateGroup, so it
-- grows across the whole store and is never handed out twice, even after the group with the
-- largest Seq is destroyed. Groups created before this migration are numbered in creation
-- order.
ALTER TABLE groups ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;

UPDATE groups SET seq = n.seq
	FROM (SELECT app, id, row_number() OVER (ORDER BY create_time, app, id) AS seq FROM groups) AS n
	WHERE groups.app = n.app AND groups.id = n.id;

-- counters holds the store's named counters: value is the last number handed out.
CREATE TABLE counters (
	name  TEXT    NOT NULL PRIMARY KEY,
	value INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO counters (name, value) SELECT 'group_seq', COALESCE(MAX(seq), 0) FROM groups;

-- groups_seq serves ListGroups (Seq order, AfterSeq pages) and CountGroups of every type.
CREATE UNIQUE INDEX groups_seq ON groups (app, seq);
-- groups_type serves ListGroups and CountGroups of one type.
CREATE INDEX groups_type ON groups (app, type, seq);

-- outbox holds after-callbacks until they are delivered. AUTOINCREMENT keeps an ID from ever
-- being handed out again, even once the outbox has been emptied: a deliverer whose lease
-- has lapsed must not delete or retry a newer event under an old ID. lease_until 0 means
-- no lease.
CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	app          INTEGER NOT NULL,
	group_id     TEXT    NOT NULL,
	command      TEXT    NOT NULL,
	client_ip    TEXT    NOT NULL,
	body         BLOB    NOT NULL,
	created      INTEGER NOT NULL,
	attempts     INTEGER NOT NULL,
	next_attempt INTEGER NOT NULL,
	lease_until  INTEGER NOT NULL
);

-- outbox_group finds an older event of the same group, which holds the later ones back.
CREATE INDEX outbox_group ON outbox (app, group_id, id);
-- outbox_due finds the events whose next attempt is due.
CREATE INDEX outbox_due ON outbox (next_attempt);
