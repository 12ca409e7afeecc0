-- Delivery outcomes: what the provider learnt after accepting a message.
-- Twilio's status callbacks move a text message to delivered or to the
-- new status undelivered (the carrier could not hand it over), with the
-- provider's error code; they find the delivery by its provider id.
-- A suppression remembers the notice whose send found it (a hard bounce,
-- a 21610), for crier contacts suppressions.
--
-- SQLite cannot change a CHECK constraint, so deliveries is rebuilt as
-- SQLite's ALTER TABLE documentation says: a new table, the rows copied
-- with their ids, the old one dropped, the new one renamed, every index
-- made again. No table refers to deliveries, so foreign keys stay on.
-- (PostgreSQL: ALTER TABLE deliveries DROP CONSTRAINT ..., ADD CONSTRAINT
-- ... CHECK (...), and ADD COLUMN error_code.)

CREATE TABLE deliveries_0009 (
	id               INTEGER PRIMARY KEY, -- PostgreSQL: bigint generated always as identity
	notice_id        INTEGER NOT NULL REFERENCES notices (id), -- PostgreSQL: bigint
	contact_id       INTEGER REFERENCES contacts (id) ON DELETE SET NULL, -- PostgreSQL: bigint; NULL once the contact is deleted
	channel          TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'print')),
	address          TEXT NOT NULL, -- frozen at publishing: the email, the E.164 mobile or the postal address
	name             TEXT NOT NULL DEFAULT '', -- frozen at publishing
	language         TEXT NOT NULL, -- frozen at publishing: a language of the notice
	status           TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'suppressed', 'cancelled')),
	attempts         INTEGER NOT NULL DEFAULT 0,
	next_attempt_at  TEXT NOT NULL, -- when the dispatcher may claim it: the send time, then the retry time
	claimed_by       TEXT NOT NULL DEFAULT '', -- the dispatcher holding the lease
	lease_until      TEXT, -- NULL when not claimed
	provider_id      TEXT NOT NULL DEFAULT '', -- the message id the provider gave
	error            TEXT NOT NULL DEFAULT '', -- the last error
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	priority         INTEGER NOT NULL DEFAULT 1, -- 0 emergency, 1 normal: the claim order
	first_attempt_at TEXT, -- NULL until the first attempt ends
	sent_at          TEXT, -- when the provider accepted it
	error_code       TEXT NOT NULL DEFAULT '', -- the provider's code of a status callback's failure (Twilio's 30003)
	UNIQUE (notice_id, channel, address)
);

INSERT INTO deliveries_0009 (id, notice_id, contact_id, channel, address, name, language, status, attempts, next_attempt_at,
	claimed_by, lease_until, provider_id, error, created_at, updated_at, priority, first_attempt_at, sent_at)
SELECT id, notice_id, contact_id, channel, address, name, language, status, attempts, next_attempt_at,
	claimed_by, lease_until, provider_id, error, created_at, updated_at, priority, first_attempt_at, sent_at
FROM deliveries;

DROP TABLE deliveries;
ALTER TABLE deliveries_0009 RENAME TO deliveries;

-- The indexes of 0002 and 0003, as they were.
CREATE INDEX deliveries_notice_status ON deliveries (notice_id, status);
CREATE INDEX deliveries_contact ON deliveries (contact_id);
CREATE INDEX deliveries_claimed ON deliveries (claimed_by) WHERE status = 'sending';
CREATE INDEX deliveries_due ON deliveries (channel, status, priority, next_attempt_at);
-- A status callback finds its delivery by the provider's message id.
CREATE INDEX deliveries_provider ON deliveries (provider_id, channel) WHERE provider_id <> '';

ALTER TABLE suppressions ADD COLUMN notice_id INTEGER REFERENCES notices (id); -- the notice whose send found it; NULL otherwise (PostgreSQL: bigint)
