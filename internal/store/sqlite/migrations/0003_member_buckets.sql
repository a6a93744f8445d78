-- member_buckets counts the members of each group by blocks of 1024 join sequence numbers
-- (bucket = seq >> 10), so that ListMembers can find the member at a deep Offset by
-- summing a few hundred counts instead of stepping over every member before it. Triggers
-- keep the counts exact whatever statement adds or removes members.
CREATE TABLE member_buckets (
	app      INTEGER NOT NULL,
	group_id TEXT    NOT NULL,
	bucket   INTEGER NOT NULL,
	n        INTEGER NOT NULL,
	PRIMARY KEY (app, group_id, bucket)
) WITHOUT ROWID;

INSERT INTO member_buckets (app, group_id, bucket, n)
	SELECT app, group_id, seq >> 10, COUNT(*) FROM members GROUP BY app, group_id, seq >> 10;

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
