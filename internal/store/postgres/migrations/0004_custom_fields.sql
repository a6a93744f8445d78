-- custom_fields holds the custom-field keys apps declared at run time (the admin
-- console), besides those of the configuration; the PostgreSQL dialect of the SQLite
-- store's 0005_custom_fields.sql. kind is 'Member' or 'Group'. A declaration is
-- permanent, and DeleteApp keeps it: it is the app's setting, not its data. seq orders an
-- app's declarations as they were made.
CREATE TABLE custom_fields (
	app     BIGINT NOT NULL,
	kind    TEXT   COLLATE "C" NOT NULL,
	key     TEXT   COLLATE "C" NOT NULL,
	created BIGINT NOT NULL,
	seq     BIGINT NOT NULL,
	PRIMARY KEY (app, kind, key)
);
