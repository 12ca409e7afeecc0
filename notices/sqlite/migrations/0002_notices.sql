-- Notices and their deliveries: one row per contact address x channel,
-- written when a notice is published and worked by the dispatcher.
-- Times are fixed-width UTC text, 2006-01-02T15:04:05.000000000Z (PostgreSQL: timestamptz).

CREATE TABLE notices (
	id           INTEGER PRIMARY KEY, -- PostgreSQL: bigint generated always as identity
	template     TEXT NOT NULL,
	field_values TEXT NOT NULL DEFAULT '{}', -- ("values" is an SQL keyword) JSON object, field (or field.lang) -> value (PostgreSQL: jsonb)
	languages    TEXT NOT NULL DEFAULT '', -- comma list of language codes; '' = every language of the template
	audience     TEXT NOT NULL DEFAULT '{}', -- JSON of notices.Audience (PostgreSQL: jsonb)
	channels     TEXT NOT NULL, -- comma list of email, sms, print (PostgreSQL: text[] would do; kept as text to share the code)
	urgency      TEXT NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal', 'emergency')),
	send_at      TEXT, -- NULL = at once
	status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')),
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	published_at TEXT -- NULL until published
);
CREATE INDEX notices_status ON notices (status);

CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY, -- PostgreSQL: bigint generated always as identity
	notice_id       INTEGER NOT NULL REFERENCES notices (id), -- PostgreSQL: bigint
	contact_id      INTEGER REFERENCES contacts (id) ON DELETE SET NULL, -- PostgreSQL: bigint; NULL once the contact is deleted
	channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'print')),
	address         TEXT NOT NULL, -- frozen at publishing: the email, the E.164 mobile or the postal address
	name            TEXT NOT NULL DEFAULT '', -- frozen at publishing
	language        TEXT NOT NULL, -- frozen at publishing: a language of the notice
	status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'suppressed', 'cancelled')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL, -- when the dispatcher may claim it: the send time, then the retry time
	claimed_by      TEXT NOT NULL DEFAULT '', -- the dispatcher holding the lease
	lease_until     TEXT, -- NULL when not claimed
	provider_id     TEXT NOT NULL DEFAULT '', -- the message id the provider gave
	error           TEXT NOT NULL DEFAULT '', -- the last error
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	-- A notice goes once to an address on a channel, even when several
	-- contacts share it; publishing inserts with ON CONFLICT DO NOTHING.
	UNIQUE (notice_id, channel, address)
);
-- The dispatcher's claim: due deliveries by status and time.
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
-- Reports: a notice's deliveries by status.
CREATE INDEX deliveries_notice_status ON deliveries (notice_id, status);
-- Deleting a contact sets its deliveries' contact_id to NULL: without this
-- index each deletion would scan every delivery.
CREATE INDEX deliveries_contact ON deliveries (contact_id);
