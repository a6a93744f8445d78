-- 0002_lists_outbox: the creation order of groups (Group.Seq) with the indexes that list and
-- count an app's groups, and the outbox of after-callbacks; the PostgreSQL dialect of the
-- SQLite store's 0002_lists_outbox.sql.

-- seq is the group's Seq, from the sequence group_seq: it grows across the whole store and
-- is never handed out twice (a CreateGroup that rolls back or meets a conflict leaves a
-- gap). Groups created before this migration are numbered in creation order.
CREATE SEQUENCE group_seq AS BIGINT;

ALTER TABLE groups ADD COLUMN seq BIGINT;

UPDATE groups SET seq = n.seq
	FROM (SELECT app, id, row_number() OVER (ORDER BY create_time, app, id) AS seq FROM groups) AS n
	WHERE groups.app = n.app AND groups.id = n.id;

SELECT setval('group_seq', COALESCE(max(seq), 0) + 1, false) FROM groups;

ALTER TABLE groups
	ALTER COLUMN seq SET DEFAULT nextval('group_seq'),
	ALTER COLUMN seq SET NOT NULL;

ALTER SEQUENCE group_seq OWNED BY groups.seq;

-- groups_seq serves ListGroups (Seq order, AfterSeq pages) and CountGroups of every type.
CREATE UNIQUE INDEX groups_seq ON groups (app, seq);
-- groups_type serves ListGroups and CountGroups of one type.
CREATE INDEX groups_type ON groups (app, type, seq);

-- outbox holds after-callbacks until they are delivered. The identity's sequence never hands
-- out an ID twice: a deliverer whose lease has lapsed must not delete or retry a newer
-- event under an old ID. lease_until 0 means no lease. body is bytea: a JSON body may hold
-- any byte, and text rejects NUL.
CREATE TABLE outbox (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	app          BIGINT NOT NULL,
	group_id     TEXT   COLLATE "C" NOT NULL,
	command      TEXT   NOT NULL,
	client_ip    TEXT   NOT NULL,
	body         BYTEA  NOT NULL,
	created      BIGINT NOT NULL,
	attempts     BIGINT NOT NULL,
	next_attempt BIGINT NOT NULL,
	lease_until  BIGINT NOT NULL
);

-- outbox_group finds an older event of the same group, which holds the later ones back.
CREATE INDEX outbox_group ON outbox (app, group_id, id);
-- outbox_due finds the events whose next attempt is due.
CREATE INDEX outbox_due ON outbox (next_attempt);
