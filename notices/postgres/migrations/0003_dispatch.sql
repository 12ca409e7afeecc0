-- Dispatching: emergencies claimed first, each channel of a notice paused
-- and resumed on its own, the time of the first attempt for the age limit,
-- the time a message was accepted, and a per-notice secret that signs the
-- recipients' unsubscribe links.

ALTER TABLE deliveries ADD COLUMN priority INTEGER NOT NULL DEFAULT 1; -- 0 emergency, 1 normal: the claim order
ALTER TABLE deliveries ADD COLUMN first_attempt_at TEXT COLLATE "C"; -- NULL until the first attempt ends (SQLite: TEXT)
ALTER TABLE deliveries ADD COLUMN sent_at TEXT COLLATE "C"; -- when the provider accepted it (SQLite: TEXT)

ALTER TABLE notices ADD COLUMN secret TEXT NOT NULL DEFAULT ''; -- hex; signs unsubscribe links
-- Notices made before this migration get their own secret too: an empty
-- key would let anyone forge their links.
-- SQLite: lower(hex(randomblob(16))). PostgreSQL has no randomblob and
-- gen_random_bytes needs the pgcrypto extension: a version 4 UUID's 32 hex
-- digits (122 random bits) from the built-in gen_random_uuid.
UPDATE notices SET secret = replace(gen_random_uuid()::text, '-', '');

-- One row per notice and channel once the dispatcher has something to say:
-- a pause (the channel is broken: the coordinator must look) or, for print,
-- when the flyer and letters were written.
CREATE TABLE notice_channels (
	notice_id    bigint NOT NULL REFERENCES notices (id), -- SQLite: INTEGER
	channel      TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'print')),
	paused_at    TEXT COLLATE "C", -- NULL: running
	pause_reason TEXT NOT NULL DEFAULT '',
	done_at      TEXT COLLATE "C", -- print: the documents are written
	PRIMARY KEY (notice_id, channel)
);

-- A dispatcher's own claims: renewed, released, and those of the dead found.
CREATE INDEX deliveries_claimed ON deliveries (claimed_by) WHERE status = 'sending';

-- The claim: a channel's due deliveries, emergencies first, oldest first.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (channel, status, priority, next_attempt_at);
