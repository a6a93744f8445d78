-- members is stored in join order: its primary key becomes (app, group_id, seq), so a
-- page of ListMembers reads consecutive rows instead of seeking each member's row from
-- the members_seq index; lookups by account go through the unique members_member index.
CREATE TABLE members_by_seq (
	app                INTEGER NOT NULL,
	group_id           TEXT    NOT NULL,
	seq                INTEGER NOT NULL,
	account            TEXT    NOT NULL,
	role               TEXT    NOT NULL,
	join_time          INTEGER NOT NULL,
	msg_seq            INTEGER NOT NULL,
	msg_flag           TEXT    NOT NULL,
	last_send_msg_time INTEGER NOT NULL,
	name_card          TEXT    NOT NULL,
	app_data           TEXT,
	unread_msg_num     INTEGER NOT NULL,
	PRIMARY KEY (app, group_id, seq)
) WITHOUT ROWID;

INSERT INTO members_by_seq (app, group_id, seq, account, role, join_time, msg_seq, msg_flag,
		last_send_msg_time, name_card, app_data, unread_msg_num)
	SELECT app, group_id, seq, account, role, join_time, msg_seq, msg_flag,
		last_send_msg_time, name_card, app_data, unread_msg_num FROM members;

DROP TABLE members;
ALTER TABLE members_by_seq RENAME TO members;

-- members_member finds one membership by account (and keeps an account in a group once).
CREATE UNIQUE INDEX members_member ON members (app, group_id, account);
-- members_role serves CountMembers and ListMembers by role.
CREATE INDEX members_role ON members (app, group_id, role);
-- members_account finds an account's memberships (joined groups, account deletion).
CREATE INDEX members_account ON members (app, account);

-- The bucket triggers were dropped with the old table.
CREATE TRIGGER members_bucket_insert AFTER INSERT ON members BEGIN
	INSERT INTO member_buckets (app, group_id, bucket, n) VALUES (NEW.app, NEW.group_id, NEW.seq >> 10, 1)
		ON CONFLICT (app, group_id, bucket) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER members_bucket_delete AFTER DELETE ON members BEGIN
	UPDATE member_buckets SET n = n - 1
		WHERE app = OLD.app AND group_id = OLD.group_id AND bucket = OLD.seq >> 10;
	DELETE FROM member_buckets
		WHERE app = OLD.app AND group_id = OLD.group_id AND bucket = OLD.seq >> 10 AND n <= 0;
END;
