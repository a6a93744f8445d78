-- 0012_topics: Community topics (create_topic, get_topic, modify_topic, destroy_topic,
-- import_topic) and the SupportTopic flag of a Community.
--
-- A topic's messages live in messages like a group's, with the topic's ID in group_id:
-- a topic ID is its Community's ID + '@TOPIC#_' + a suffix, and no group ID contains
-- '@TOPIC#', so the two kinds of stream never share a key and a send into a topic is the
-- same one-row insert as a send into a group. next_msg_seq and last_msg_time are the
-- topic's own, as a group's are in groups.
ALTER TABLE groups ADD COLUMN support_topic INTEGER NOT NULL DEFAULT 0;

CREATE TABLE topics (
	app             INTEGER NOT NULL,
	group_id        TEXT    NOT NULL,
	id              TEXT    NOT NULL,
	name            TEXT    NOT NULL,
	face_url        TEXT    NOT NULL,
	notification    TEXT    NOT NULL,
	introduction    TEXT    NOT NULL,
	custom_string   TEXT    NOT NULL,
	create_time     INTEGER NOT NULL,
	last_msg_time   INTEGER NOT NULL,
	next_msg_seq    INTEGER NOT NULL,
	mute_all_member INTEGER NOT NULL,
	PRIMARY KEY (app, group_id, id)
) WITHOUT ROWID;
