-- member_buckets is kept by statement-level triggers instead of row-level ones: a bulk
-- insert of a group's members (timd import, create_group's MemberList, add_group_member)
-- adds up to 1024 members to one bucket, and a row trigger updated that bucket's row once
-- per member, each time through a longer chain of the row's versions in the same
-- transaction. A statement trigger counts its transition table by bucket and writes each
-- bucket once.
DROP TRIGGER members_bucket_count ON members;
DROP FUNCTION members_bucket_count();

CREATE FUNCTION members_bucket_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO member_buckets (app, group_id, bucket, n)
		SELECT app, group_id, seq >> 10, count(*) FROM added GROUP BY app, group_id, seq >> 10
		ON CONFLICT (app, group_id, bucket) DO UPDATE SET n = member_buckets.n + excluded.n;
	RETURN NULL;
END
$$;

CREATE FUNCTION members_bucket_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE member_buckets b SET n = b.n - r.n
		FROM (SELECT app, group_id, seq >> 10 AS bucket, count(*) AS n FROM removed
			GROUP BY app, group_id, seq >> 10) r
		WHERE b.app = r.app AND b.group_id = r.group_id AND b.bucket = r.bucket;
	RETURN NULL;
END
$$;

CREATE TRIGGER members_bucket_insert AFTER INSERT ON members
	REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION members_bucket_insert();
CREATE TRIGGER members_bucket_delete AFTER DELETE ON members
	REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION members_bucket_delete();
