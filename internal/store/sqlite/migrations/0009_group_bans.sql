-- 0009_group_bans: AVChatRoom bans (ban_group_member, unban_group_member,
-- get_group_ban_member). Like a mute, a ban is keyed by (group, account), not by
-- membership: AVChatRoom members are not kept.
CREATE TABLE group_bans (
	app         INTEGER NOT NULL,
	group_id    TEXT    NOT NULL,
	account     TEXT    NOT NULL,
	until       INTEGER NOT NULL,
	description TEXT    NOT NULL,
	PRIMARY KEY (app, group_id, account)
) WITHOUT ROWID;

-- group_bans_account finds an account's bans when the account is deleted.
CREATE INDEX group_bans_account ON group_bans (app, account);
