-- 0008_group_bans: AVChatRoom bans; the PostgreSQL dialect of the SQLite store's
-- 0009_group_bans.sql.
CREATE TABLE group_bans (
	app         BIGINT NOT NULL,
	group_id    TEXT   COLLATE "C" NOT NULL,
	account     TEXT   COLLATE "C" NOT NULL,
	until       BIGINT NOT NULL,
	description TEXT   NOT NULL,
	PRIMARY KEY (app, group_id, account)
);

-- group_bans_account finds an account's bans when the account is deleted.
CREATE INDEX group_bans_account ON group_bans (app, account);
