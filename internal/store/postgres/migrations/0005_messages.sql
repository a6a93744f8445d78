-- 0005_messages: the message stream of each group (messages and tips), and the account-wide
-- mutes of setnospeaking; the PostgreSQL dialect of the SQLite store's 0006_messages.sql.
--
-- body and cloud_custom_data are bytea: a sender's bytes are kept as sent, whatever they are.
CREATE TABLE messages (
	app               BIGINT  NOT NULL,
	group_id          TEXT    COLLATE "C" NOT NULL,
	seq               BIGINT  NOT NULL,
	sender            TEXT    COLLATE "C" NOT NULL,
	random            BIGINT  NOT NULL,
	priority          INTEGER NOT NULL,
	time              BIGINT  NOT NULL,
	body              BYTEA,
	cloud_custom_data BYTEA,
	tip               TEXT,
	unread            BOOLEAN NOT NULL,
	state             INTEGER NOT NULL,
	PRIMARY KEY (app, group_id, seq)
);

-- messages_random finds a retried send (same group and Random) for deduplication.
CREATE INDEX messages_random ON messages (app, group_id, random);

CREATE TABLE nospeaking (
	app         BIGINT NOT NULL,
	account     TEXT   COLLATE "C" NOT NULL,
	c2c_until   BIGINT NOT NULL,
	group_until BIGINT NOT NULL,
	PRIMARY KEY (app, account)
);
