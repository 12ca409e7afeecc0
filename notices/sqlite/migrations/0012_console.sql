-- The console and the JSON API: the people who sign in, their sessions,
-- the tokens systems call the API with, and the audit log of what each
-- of them (and the command line) did.
--
-- No secret is stored as given: a password as its argon2id hash, a
-- session cookie and an API token as the SHA-256 of their random value,
-- so a copy of the database opens no door.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY, -- PostgreSQL: bigserial
	name          TEXT NOT NULL UNIQUE COLLATE NOCASE, -- PostgreSQL: citext or lower() index
	role          TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'viewer')),
	password_hash TEXT NOT NULL,
	email         TEXT NOT NULL DEFAULT '', -- where "send a proof to me" emails
	phone         TEXT NOT NULL DEFAULT '', -- E.164, where "send a proof to me" texts
	created_at    TEXT NOT NULL,
	disabled_at   TEXT -- a disabled user cannot sign in; their record and audit stay
);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY, -- hex SHA-256 of the cookie's value
	user_id    INTEGER NOT NULL REFERENCES users (id),
	created_at TEXT NOT NULL,
	seen_at    TEXT NOT NULL -- the last request: a session idle longer than [console] idle_timeout ends
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id         INTEGER PRIMARY KEY, -- PostgreSQL: bigserial
	name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
	role       TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'viewer')),
	token_hash TEXT NOT NULL UNIQUE, -- hex SHA-256 of the token
	created_at TEXT NOT NULL,
	used_at    TEXT,
	revoked_at TEXT
);

-- Every send, schedule, cancel, import, suppression and user change, with
-- who did it and when. Rows are only ever added.
CREATE TABLE audit_log (
	id      INTEGER PRIMARY KEY, -- PostgreSQL: bigserial
	at      TEXT NOT NULL,
	actor   TEXT NOT NULL, -- a user's name, "token NAME", or "cli (UNIX USER)"
	action  TEXT NOT NULL, -- send, schedule, cancel, import, suppress, user-add …
	subject TEXT NOT NULL DEFAULT '', -- what it was done to: "notice 12", "user ana"
	detail  TEXT NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_at ON audit_log (at);
