-- 0015_stream_events: events of the users' streams too large for a NOTIFY payload
-- (about 8,000 bytes), such as the member list of a destroyed group or a large message
-- sent online only. The replica that publishes one inserts it and notifies its id; the
-- others read it. Rows are kept for minutes only: a stream that missed one resumes from
-- the messages themselves.
CREATE TABLE stream_events (
	id      BIGSERIAL   PRIMARY KEY,
	created TIMESTAMPTZ NOT NULL DEFAULT now(),
	payload TEXT        NOT NULL
);
CREATE INDEX stream_events_created ON stream_events (created);

-- The replicas with event streams open, and which accounts have one open on each: what
-- get_online_member_num and query_online_status count across replicas. A replica
-- renews its seen time every few seconds; one not seen for a minute is gone, and its
-- rows with it.
CREATE TABLE stream_replicas (
	id   TEXT        PRIMARY KEY,
	seen TIMESTAMPTZ NOT NULL
);
CREATE TABLE stream_presence (
	app     BIGINT NOT NULL,
	account TEXT   COLLATE "C" NOT NULL,
	replica TEXT   NOT NULL,
	PRIMARY KEY (app, account, replica)
);
