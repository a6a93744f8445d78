-- 0013_receipts: group read receipts (NeedReadReceipt, group_msg_receipt,
-- get_group_msg_receipt, get_group_msg_receipt_detail).
--
-- need_receipt is 1 for a message sent with NeedReadReceipt 1. A receipt is one row per
-- (message, reader), keyed so that a message's readers are one range scan in byte order.
ALTER TABLE messages ADD COLUMN need_receipt INTEGER NOT NULL DEFAULT 0;

CREATE TABLE receipts (
	app      INTEGER NOT NULL,
	group_id TEXT    NOT NULL,
	seq      INTEGER NOT NULL,
	account  TEXT    NOT NULL,
	PRIMARY KEY (app, group_id, seq, account)
) WITHOUT ROWID;
