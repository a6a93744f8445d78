-- 0001_init: accounts, groups, members and mutes.
--
-- app is the SDKAppID stored as a signed 64-bit integer (the store converts uint64 both ways).
-- Text columns are NOT NULL with '' for absent; app_data is a JSON object or NULL for none.

CREATE TABLE accounts (
	app      INTEGER NOT NULL,
	user_id  TEXT    NOT NULL,
	nick     TEXT    NOT NULL,
	face_url TEXT    NOT NULL,
	created  INTEGER NOT NULL,
	PRIMARY KEY (app, user_id)
) WITHOUT ROWID;

-- member_num is the exact number of rows in members for the group, kept by the statements that
-- add and remove members. member_seq is the last Seq handed out in the group: it only grows, so
-- a member who leaves and rejoins is ordered after everyone already there.
CREATE TABLE groups (
	app                INTEGER NOT NULL,
	id                 TEXT    NOT NULL,
	type               TEXT    NOT NULL,
	name               TEXT    NOT NULL,
	introduction       TEXT    NOT NULL,
	notification       TEXT    NOT NULL,
	face_url           TEXT    NOT NULL,
	owner              TEXT    NOT NULL,
	create_time        INTEGER NOT NULL,
	info_seq           INTEGER NOT NULL,
	last_info_time     INTEGER NOT NULL,
	last_msg_time      INTEGER NOT NULL,
	next_msg_seq       INTEGER NOT NULL,
	max_member_num     INTEGER NOT NULL,
	apply_join_option  TEXT    NOT NULL,
	invite_join_option TEXT    NOT NULL,
	mute_all_member    INTEGER NOT NULL,
	app_data           TEXT,
	member_num         INTEGER NOT NULL DEFAULT 0,
	member_seq         INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (app, id)
) WITHOUT ROWID;

-- groups_owner finds the groups an account owns when the account is deleted.
CREATE INDEX groups_owner ON groups (app, owner);

-- group_tombstones remembers the IDs of destroyed groups: GroupIDUsed stays true for them.
CREATE TABLE group_tombstones (
	app INTEGER NOT NULL,
	id  TEXT    NOT NULL,
	PRIMARY KEY (app, id)
) WITHOUT ROWID;

CREATE TABLE members (
	app                INTEGER NOT NULL,
	group_id           TEXT    NOT NULL,
	account            TEXT    NOT NULL,
	seq                INTEGER NOT NULL,
	role               TEXT    NOT NULL,
	join_time          INTEGER NOT NULL,
	msg_seq            INTEGER NOT NULL,
	msg_flag           TEXT    NOT NULL,
	last_send_msg_time INTEGER NOT NULL,
	name_card          TEXT    NOT NULL,
	app_data           TEXT,
	unread_msg_num     INTEGER NOT NULL,
	PRIMARY KEY (app, group_id, account)
) WITHOUT ROWID;

-- members_seq serves ListMembers (join order, AfterSeq pages).
CREATE UNIQUE INDEX members_seq ON members (app, group_id, seq);
-- members_role serves CountMembers and ListMembers by role.
CREATE INDEX members_role ON members (app, group_id, role);
-- members_account finds an account's memberships when the account is deleted.
CREATE INDEX members_account ON members (app, account);

-- mutes is keyed by (group, account), not by membership: a mute outlives leaving the group.
CREATE TABLE mutes (
	app      INTEGER NOT NULL,
	group_id TEXT    NOT NULL,
	account  TEXT    NOT NULL,
	until    INTEGER NOT NULL,
	PRIMARY KEY (app, group_id, account)
) WITHOUT ROWID;

-- mutes_account finds an account's mute records when the account is deleted.
CREATE INDEX mutes_account ON mutes (app, account);
