-- 0007_group_counters: the counters of each group; the PostgreSQL dialect of the SQLite
-- store's 0008_group_counters.sql.
CREATE TABLE group_counters (
	app      BIGINT NOT NULL,
	group_id TEXT   COLLATE "C" NOT NULL,
	key      TEXT   COLLATE "C" NOT NULL,
	value    BIGINT NOT NULL,
	PRIMARY KEY (app, group_id, key)
);
