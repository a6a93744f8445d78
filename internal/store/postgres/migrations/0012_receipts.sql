-- 0012_receipts: group read receipts; the PostgreSQL dialect of the SQLite store's
-- 0013_receipts.sql.
ALTER TABLE messages ADD COLUMN need_receipt BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE receipts (
	app      BIGINT NOT NULL,
	group_id TEXT   COLLATE "C" NOT NULL,
	seq      BIGINT NOT NULL,
	account  TEXT   COLLATE "C" NOT NULL,
	PRIMARY KEY (app, group_id, seq, account)
);
