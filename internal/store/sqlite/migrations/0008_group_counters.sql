-- 0008_group_counters: the counters of each group (get_group_counter, update_group_counter,
-- delete_group_counter): at most a few dozen signed 64-bit integers by key, read and
-- replaced together.
CREATE TABLE group_counters (
	app      INTEGER NOT NULL,
	group_id TEXT    NOT NULL,
	key      TEXT    NOT NULL,
	value    INTEGER NOT NULL,
	PRIMARY KEY (app, group_id, key)
) WITHOUT ROWID;
