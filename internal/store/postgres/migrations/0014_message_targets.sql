-- 0014_message_targets: the To_Account and mentions of a stored message; the PostgreSQL
-- dialect of the SQLite store's 0015_message_targets.sql.
ALTER TABLE messages ADD COLUMN to_accounts TEXT;
ALTER TABLE messages ADD COLUMN at_info TEXT;
