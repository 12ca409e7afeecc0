-- Email preferences: the categories of notices (service, information) an
-- email address no longer wants, chosen through the link in a notice's
-- email (the one-click unsubscribe, the preferences page).
--
-- Keyed by the address, lower-cased as suppressions are, not by the
-- contact: the choice belongs to the person reading that mailbox, so every
-- contact sharing the address (a landlord's many accounts) and any later
-- import, which rewrites contacts, keeps it. It covers email only: a text
-- message's opt-out is a STOP reply (a suppression of the number).
-- Emergency is not a category one can leave this way (a boil water
-- advisory must reach everyone reachable), hence the CHECK.

CREATE TABLE email_opt_outs (
	address    TEXT NOT NULL, -- lower-cased email address (see Normalizer.Address)
	category   TEXT NOT NULL CHECK (category IN ('service', 'information')),
	notice_id  INTEGER REFERENCES notices (id), -- the notice whose link was followed (PostgreSQL: bigint)
	how        TEXT NOT NULL, -- one-click, preferences page
	created_at TEXT NOT NULL,
	PRIMARY KEY (address, category)
);

-- Every change of an address's preferences: the record of consent.
CREATE TABLE email_opt_out_events (
	id        INTEGER PRIMARY KEY,
	address   TEXT NOT NULL,
	category  TEXT NOT NULL,
	action    TEXT NOT NULL CHECK (action IN ('opted-out', 'opted-in')),
	how       TEXT NOT NULL,
	notice_id INTEGER, -- PostgreSQL: bigint
	at        TEXT NOT NULL
);
CREATE INDEX email_opt_out_events_address ON email_opt_out_events (address);

-- A notice's category, frozen when it is published (emergency when its
-- template's category or its urgency is emergency), so that the dispatcher
-- leaves out an address that opts out of it after publishing; and how many
-- email addresses publishing left out for having opted out of it.
ALTER TABLE notices ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN opted_out INTEGER NOT NULL DEFAULT 0;
