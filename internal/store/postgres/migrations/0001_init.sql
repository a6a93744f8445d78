-- 0001_init: accounts, groups, members and mutes; the PostgreSQL dialect of the SQLite
-- store's 0001_init.sql, table for table and index for index.
--
-- app is the SDKAppID stored as a signed 64-bit integer (the store converts uint64 both ways).
-- Text columns are NOT NULL with '' for absent. Identifier columns use the "C" collation, so
-- they compare and sort byte by byte as in SQLite, whatever the database's locale.
-- app_data is a JSON object as text, or NULL for none: not jsonb, which cannot hold the
-- \u0000 escape that custom values containing a NUL byte encode to.

CREATE TABLE accounts (
	app      BIGINT NOT NULL,
	user_id  TEXT   COLLATE "C" NOT NULL,
	nick     TEXT   NOT NULL,
	face_url TEXT   NOT NULL,
	created  BIGINT NOT NULL,
	PRIMARY KEY (app, user_id)
);

-- member_num is the exact number of rows in members for the group, kept by the statements that
-- add and remove members. member_seq is the last Seq handed out in the group: it only grows, so
-- a member who leaves and rejoins is ordered after everyone already there.
CREATE TABLE groups (
	app                BIGINT  NOT NULL,
	id                 TEXT    COLLATE "C" NOT NULL,
	type               TEXT    NOT NULL,
	name               TEXT    NOT NULL,
	introduction       TEXT    NOT NULL,
	notification       TEXT    NOT NULL,
	face_url           TEXT    NOT NULL,
	owner              TEXT    COLLATE "C" NOT NULL,
	create_time        BIGINT  NOT NULL,
	info_seq           BIGINT  NOT NULL,
	last_info_time     BIGINT  NOT NULL,
	last_msg_time      BIGINT  NOT NULL,
	next_msg_seq       BIGINT  NOT NULL,
	max_member_num     BIGINT  NOT NULL,
	apply_join_option  TEXT    NOT NULL,
	invite_join_option TEXT    NOT NULL,
	mute_all_member    BOOLEAN NOT NULL,
	app_data           TEXT,
	member_num         BIGINT  NOT NULL DEFAULT 0,
	member_seq         BIGINT  NOT NULL DEFAULT 0,
	PRIMARY KEY (app, id)
);

-- groups_owner finds the groups an account owns when the account is deleted.
CREATE INDEX groups_owner ON groups (app, owner);

-- group_tombstones remembers the IDs of destroyed groups: GroupIDUsed stays true for them.
CREATE TABLE group_tombstones (
	app BIGINT NOT NULL,
	id  TEXT   COLLATE "C" NOT NULL,
	PRIMARY KEY (app, id)
);

CREATE TABLE members (
	app                BIGINT NOT NULL,
	group_id           TEXT   COLLATE "C" NOT NULL,
	account            TEXT   COLLATE "C" NOT NULL,
	seq                BIGINT NOT NULL,
	role               TEXT   NOT NULL,
	join_time          BIGINT NOT NULL,
	msg_seq            BIGINT NOT NULL,
	msg_flag           TEXT   NOT NULL,
	last_send_msg_time BIGINT NOT NULL,
	name_card          TEXT   NOT NULL,
	app_data           TEXT,
	unread_msg_num     BIGINT NOT NULL,
	PRIMARY KEY (app, group_id, account)
);

-- members_seq serves ListMembers (join order, AfterSeq pages).
CREATE UNIQUE INDEX members_seq ON members (app, group_id, seq);
-- members_role serves CountMembers and ListMembers by role.
CREATE INDEX members_role ON members (app, group_id, role);
-- members_account finds an account's memberships when the account is deleted.
CREATE INDEX members_account ON members (app, account);

-- mutes is keyed by (group, account), not by membership: a mute outlives leaving the group.
CREATE TABLE mutes (
	app      BIGINT NOT NULL,
	group_id TEXT   COLLATE "C" NOT NULL,
	account  TEXT   COLLATE "C" NOT NULL,
	until    BIGINT NOT NULL,
	PRIMARY KEY (app, group_id, account)
);

-- mutes_account finds an account's mute records when the account is deleted.
CREATE INDEX mutes_account ON mutes (app, account);
