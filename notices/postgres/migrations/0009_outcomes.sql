-- Delivery outcomes: what the provider learnt after accepting a message.
-- Twilio's status callbacks move a text message to delivered or to the
-- new status undelivered (the carrier could not hand it over), with the
-- provider's error code; they find the delivery by its provider id.
-- A suppression remembers the notice whose send found it (a hard bounce,
-- a 21610), for crier contacts suppressions.
--
-- SQLite: cannot change a CHECK constraint, so it rebuilds deliveries (a
-- new table, the rows copied with their ids, the old one dropped, the new
-- one renamed, every index made again). PostgreSQL replaces the
-- constraint and adds the column in place; the columns end in the same
-- order, error_code last.

ALTER TABLE deliveries
	DROP CONSTRAINT deliveries_status_check,
	ADD CONSTRAINT deliveries_status_check CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'suppressed', 'cancelled')),
	ADD COLUMN error_code TEXT NOT NULL DEFAULT ''; -- the provider's code of a status callback's failure (Twilio's 30003)

-- A status callback finds its delivery by the provider's message id.
CREATE INDEX deliveries_provider ON deliveries (provider_id, channel) WHERE provider_id <> '';

ALTER TABLE suppressions ADD COLUMN notice_id bigint REFERENCES notices (id); -- the notice whose send found it; NULL otherwise (SQLite: INTEGER)
