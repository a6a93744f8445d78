-- 0007_group_attrs: the custom attributes of each group (get_group_attr, modify_group_attr,
-- set_group_attr, clear_group_attr).
--
-- A group holds a few keys (16 by default), read and replaced together. key is compared
-- in byte order (BINARY), value kept as sent, NUL bytes included.
CREATE TABLE group_attrs (
	app      INTEGER NOT NULL,
	group_id TEXT    NOT NULL,
	key      TEXT    NOT NULL,
	value    BLOB    NOT NULL,
	PRIMARY KEY (app, group_id, key)
) WITHOUT ROWID;
