-- 0010_profiles: the profile fields of accounts; the PostgreSQL dialect of the SQLite
-- store's 0011_profiles.sql.
CREATE TABLE profiles (
	app     BIGINT NOT NULL,
	account TEXT   COLLATE "C" NOT NULL,
	tag     TEXT   COLLATE "C" NOT NULL,
	value   BYTEA  NOT NULL,
	PRIMARY KEY (app, account, tag)
);
