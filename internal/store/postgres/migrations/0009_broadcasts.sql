-- 0009_broadcasts: the sequence of each app's send_broadcast_msg; the PostgreSQL dialect
-- of the SQLite store's 0010_broadcasts.sql.
CREATE TABLE broadcast_seqs (
	app  BIGINT NOT NULL PRIMARY KEY,
	last BIGINT NOT NULL
);
