-- The API's Idempotency-Keys: a key is claimed here, by a unique row per
-- token and key, in the transaction that stores the notice it asks for,
-- so that a retry on another instance of one database finds it (the
-- in-process lock of one crier serve could not), and the key and its
-- notice commit together or not at all. notice_id is set in that same
-- transaction (a row without one was left by a version that claimed keys
-- apart from their notices, and is taken over); request is the request's
-- fingerprint, so the key with another request is refused. Rows older
-- than the window are replaced.

CREATE TABLE idempotency_keys (
	id         INTEGER PRIMARY KEY, -- PostgreSQL: bigint identity
	actor      TEXT NOT NULL, -- the audit log's name of the token: "token NAME"
	idem_key   TEXT NOT NULL,
	request    TEXT NOT NULL,
	notice_id  INTEGER, -- PostgreSQL: bigint; no foreign key: the key outlives a deleted draft
	created_at TEXT NOT NULL,
	UNIQUE (actor, idem_key)
);
