-- The crier serve processes running on this database, with the address
-- their admin server answers at: crier send and the other commands that
-- change what is due wake them there at once instead of leaving them to
-- their next poll.

CREATE TABLE servers (
	worker     TEXT PRIMARY KEY, -- the dispatcher's name: host/pid/random
	admin_url  TEXT NOT NULL, -- http://host:port
	started_at TEXT COLLATE "C" NOT NULL -- SQLite: TEXT
);
