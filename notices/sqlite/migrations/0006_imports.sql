-- Imports under way, and how to undo each: an import writes in short
-- transactions so that other writers never wait long, and journals every
-- change it makes here in the same transaction. An import that fails, or
-- whose process died (the import lock file is free), is undone from its
-- journal, newest entry first; one that finished only has its journal
-- cleared.

CREATE TABLE imports (
	id         INTEGER PRIMARY KEY,
	source     TEXT NOT NULL, -- the file, for messages
	state      TEXT NOT NULL CHECK (state IN ('running', 'done')),
	started_at TEXT NOT NULL -- also the created_at of the contacts it adds
);

CREATE TABLE import_undo (
	id        INTEGER PRIMARY KEY,
	import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	-- added: contacts ref..ref2 were added; changed: contact ref was
	-- changed from old (a JSON array); event: subscription event ref of
	-- contact ref2 was recorded; member: contact ref2 joined list ref;
	-- list: list ref was created.
	what      TEXT NOT NULL CHECK (what IN ('added', 'changed', 'event', 'member', 'list')),
	ref       INTEGER NOT NULL,
	ref2      INTEGER NOT NULL DEFAULT 0,
	old       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX import_undo_import ON import_undo (import_id, id);
