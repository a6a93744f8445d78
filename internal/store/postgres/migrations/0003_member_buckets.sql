-- member_buckets counts the members of each group by blocks of 1024 join sequence numbers
-- (bucket = seq >> 10), so that ListMembers can find the member at a deep Offset by
-- summing a few hundred counts instead of stepping over every member before it. A
-- trigger keeps the counts exact whatever statement adds or removes members; writers of
-- one group already hold its row lock, so the counts add no new lock order.
CREATE TABLE member_buckets (
	app      BIGINT NOT NULL,
	group_id TEXT   COLLATE "C" NOT NULL,
	bucket   BIGINT NOT NULL,
	n        BIGINT NOT NULL,
	PRIMARY KEY (app, group_id, bucket)
);

INSERT INTO member_buckets (app, group_id, bucket, n)
	SELECT app, group_id, seq >> 10, count(*) FROM members GROUP BY app, group_id, seq >> 10;

CREATE FUNCTION members_bucket_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO member_buckets (app, group_id, bucket, n) VALUES (NEW.app, NEW.group_id, NEW.seq >> 10, 1)
			ON CONFLICT (app, group_id, bucket) DO UPDATE SET n = member_buckets.n + 1;
		RETURN NEW;
	END IF;
	UPDATE member_buckets SET n = n - 1
		WHERE app = OLD.app AND group_id = OLD.group_id AND bucket = OLD.seq >> 10;
	RETURN OLD;
END
$$;

CREATE TRIGGER members_bucket_count AFTER INSERT OR DELETE ON members
	FOR EACH ROW EXECUTE FUNCTION members_bucket_count();
