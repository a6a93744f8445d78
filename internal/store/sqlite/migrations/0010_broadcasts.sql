-- 0010_broadcasts: the sequence of each app's send_broadcast_msg, the MsgSeq it answers.
-- Like the other counters of the store it survives the app's reset.
CREATE TABLE broadcast_seqs (
	app  INTEGER NOT NULL PRIMARY KEY,
	last INTEGER NOT NULL
);
