-- 0006_messages: the message stream of each group (messages and tips), and the account-wide
-- mutes of setnospeaking.
--
-- A message is keyed by its group and Seq, so a page of history is one range scan of the
-- primary key. body is the MsgBody JSON text as sent (NULL for a tip), tip the tip's JSON
-- (NULL for a message). unread is 1 when the message counts as unread, state 0 normal,
-- 1 deleted, 2 recalled.
CREATE TABLE messages (
	app               INTEGER NOT NULL,
	group_id          TEXT    NOT NULL,
	seq               INTEGER NOT NULL,
	sender            TEXT    NOT NULL,
	random            INTEGER NOT NULL,
	priority          INTEGER NOT NULL,
	time              INTEGER NOT NULL,
	body              BLOB,
	cloud_custom_data BLOB,
	tip               TEXT,
	unread            INTEGER NOT NULL,
	state             INTEGER NOT NULL,
	PRIMARY KEY (app, group_id, seq)
) WITHOUT ROWID;

-- messages_random finds a retried send (same group and Random) for deduplication.
CREATE INDEX messages_random ON messages (app, group_id, random);

CREATE TABLE nospeaking (
	app         INTEGER NOT NULL,
	account     TEXT    NOT NULL,
	c2c_until   INTEGER NOT NULL,
	group_until INTEGER NOT NULL,
	PRIMARY KEY (app, account)
) WITHOUT ROWID;
