-- 0014_message_targets: what a stored message's receivers need to know besides its
-- content, so that a stream replayed from the store delivers it as it was delivered
-- live: to_accounts, the JSON array of the To_Account it was sent to (NULL for every
-- member), and at_info, the JSON array of its mentions (NULL for none).
ALTER TABLE messages ADD COLUMN to_accounts TEXT;
ALTER TABLE messages ADD COLUMN at_info TEXT;
