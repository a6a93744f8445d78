-- 0011_topics: Community topics and the SupportTopic flag of a Community; the PostgreSQL
-- dialect of the SQLite store's 0012_topics.sql, which explains the design: a topic's
-- messages live in messages with the topic's ID in group_id.
ALTER TABLE groups ADD COLUMN support_topic BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE topics (
	app             BIGINT  NOT NULL,
	group_id        TEXT    COLLATE "C" NOT NULL,
	id              TEXT    COLLATE "C" NOT NULL,
	name            TEXT    NOT NULL,
	face_url        TEXT    NOT NULL,
	notification    TEXT    NOT NULL,
	introduction    TEXT    NOT NULL,
	custom_string   TEXT    NOT NULL,
	create_time     BIGINT  NOT NULL,
	last_msg_time   BIGINT  NOT NULL,
	next_msg_seq    BIGINT  NOT NULL,
	mute_all_member BOOLEAN NOT NULL,
	PRIMARY KEY (app, group_id, id)
);
