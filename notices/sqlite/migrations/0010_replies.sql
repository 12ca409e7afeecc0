-- Replies: the texts customers send to the utility's number (Twilio's
-- inbound webhook), one row per message. Keywords are recorded as they are
-- acted on; a reply that reads as an opt-out waits for a person in the
-- review queue until its due date; any other is customer feedback, linked
-- to the last notice the number received.

CREATE TABLE replies (
	id          INTEGER PRIMARY KEY, -- PostgreSQL: bigint generated always as identity
	message_sid TEXT NOT NULL UNIQUE, -- the provider's message id: a replayed webhook is recorded once
	from_number TEXT NOT NULL, -- E.164
	to_number   TEXT NOT NULL DEFAULT '', -- the utility's number it was sent to
	body        TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('stop', 'start', 'help', 'review', 'feedback')),
	notice_id   INTEGER REFERENCES notices (id), -- PostgreSQL: bigint; the last notice the number received by text
	received_at TEXT NOT NULL,
	due_on      TEXT, -- review: the date (YYYY-MM-DD, in the utility's zone) a person must decide by
	resolution  TEXT NOT NULL DEFAULT '' CHECK (resolution IN ('', 'suppressed', 'dismissed')),
	resolved_by TEXT NOT NULL DEFAULT '',
	resolved_at TEXT
);
-- The review queue: open reviews by due date.
CREATE INDEX replies_review ON replies (kind, resolution, due_on);
CREATE INDEX replies_from ON replies (from_number);

-- A reply's number: the last notice it received, the language of its last
-- text. Without it each reply would read every delivery.
CREATE INDEX deliveries_address ON deliveries (address);
