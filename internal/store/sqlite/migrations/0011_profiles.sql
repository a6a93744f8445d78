-- 0011_profiles: the profile fields of accounts (portrait_set, portrait_get) other than
-- Nick and FaceUrl, which stay in accounts. tag is the field's tag, value its text (an
-- integer field in decimal).
CREATE TABLE profiles (
	app     INTEGER NOT NULL,
	account TEXT    NOT NULL,
	tag     TEXT    NOT NULL,
	value   BLOB    NOT NULL,
	PRIMARY KEY (app, account, tag)
) WITHOUT ROWID;
