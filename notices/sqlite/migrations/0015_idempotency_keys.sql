-- The API's Idempotency-Keys: a key is claimed here, by a unique row per
-- token and key, before the notice it asks for is made, so that a retry
-- on another instance of one database finds it (the in-process lock of
-- one crier serve could not). notice_id is NULL while the first request
-- is still at work; request is the request's fingerprint, so the key with
-- another request is refused. Rows older than the window are replaced.

CREATE TABLE idempotency_keys (
	id         INTEGER PRIMARY KEY, -- PostgreSQL: bigint identity
	actor      TEXT NOT NULL, -- the audit log's name of the token: "token NAME"
	idem_key   TEXT NOT NULL,
	request    TEXT NOT NULL,
	notice_id  INTEGER, -- PostgreSQL: bigint; no foreign key: the key outlives a deleted draft
	created_at TEXT NOT NULL,
	UNIQUE (actor, idem_key)
);
