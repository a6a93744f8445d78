-- custom_fields holds the custom-field keys apps declared at run time (the admin
-- console), besides those of the configuration. kind is 'Member' or 'Group'. A
-- declaration is permanent, and DeleteApp keeps it: it is the app's setting, not its data.
-- seq orders an app's declarations as they were made.
CREATE TABLE custom_fields (
	app     INTEGER NOT NULL,
	kind    TEXT    NOT NULL,
	key     TEXT    NOT NULL,
	created INTEGER NOT NULL,
	seq     INTEGER NOT NULL,
	PRIMARY KEY (app, kind, key)
) WITHOUT ROWID;
