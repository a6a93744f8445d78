-- 0006_group_attrs: the custom attributes of each group; the PostgreSQL dialect of the
-- SQLite store's 0007_group_attrs.sql.
--
-- value is bytea: an attribute value may hold a NUL byte, which text cannot.
CREATE TABLE group_attrs (
	app      BIGINT NOT NULL,
	group_id TEXT   COLLATE "C" NOT NULL,
	key      TEXT   COLLATE "C" NOT NULL,
	value    BYTEA  NOT NULL,
	PRIMARY KEY (app, group_id, key)
);
