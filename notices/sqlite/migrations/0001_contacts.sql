-- Contacts, their subscriptions and custom attributes; tags; lists;
-- suppressions; the record of subscription changes.
-- Times are fixed-width UTC text, 2006-01-02T15:04:05.000000000Z (PostgreSQL: timestamptz).
-- INTEGER PRIMARY KEY numbers rows by itself in SQLite (PostgreSQL: bigint
-- generated always as identity, and bigint for the columns referring to it).

CREATE TABLE contacts (
	id              INTEGER PRIMARY KEY, -- PostgreSQL: bigint generated always as identity
	account         TEXT NOT NULL UNIQUE,
	name            TEXT NOT NULL DEFAULT '',
	email           TEXT NOT NULL DEFAULT '',
	mobile          TEXT NOT NULL DEFAULT '', -- E.164
	landline        TEXT NOT NULL DEFAULT '', -- E.164
	postal_address  TEXT NOT NULL DEFAULT '',
	service_address TEXT NOT NULL DEFAULT '',
	zone            TEXT NOT NULL DEFAULT '',
	language        TEXT NOT NULL DEFAULT '',
	email_state     TEXT NOT NULL DEFAULT 'subscribed' CHECK (email_state IN ('subscribed', 'unsubscribed')),
	sms_state       TEXT NOT NULL DEFAULT 'subscribed' CHECK (sms_state IN ('subscribed', 'unsubscribed')),
	attributes      TEXT NOT NULL DEFAULT '{}', -- JSON object of custom columns (PostgreSQL: jsonb)
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL
);
CREATE INDEX contacts_zone ON contacts (zone);
CREATE INDEX contacts_email ON contacts (email) WHERE email <> '';
CREATE INDEX contacts_mobile ON contacts (mobile) WHERE mobile <> '';

CREATE TABLE contact_tags (
	contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	tag        TEXT NOT NULL,
	PRIMARY KEY (contact_id, tag)
);
CREATE INDEX contact_tags_tag ON contact_tags (tag);

-- Every change of a contact's subscription on a channel: when, how, by whom.
CREATE TABLE subscription_events (
	id         INTEGER PRIMARY KEY,
	contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
	state      TEXT NOT NULL CHECK (state IN ('subscribed', 'unsubscribed')),
	how        TEXT NOT NULL, -- import, unsubscribe link, STOP reply, resubscribe, ...
	by_whom    TEXT NOT NULL DEFAULT '',
	at         TEXT NOT NULL
);
CREATE INDEX subscription_events_contact ON subscription_events (contact_id);

CREATE TABLE lists (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL
);

CREATE TABLE list_members (
	list_id    INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
	contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
	PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX list_members_contact ON list_members (contact_id);

-- An address no message may go to, whatever its contact says.
CREATE TABLE suppressions (
	address    TEXT PRIMARY KEY, -- a lower-cased email address or an E.164 number
	channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
	reason     TEXT NOT NULL CHECK (reason IN ('stop-reply', 'unsubscribe-link', 'hard-bounce', 'provider-invalid', 'manual')),
	note       TEXT NOT NULL DEFAULT '',
	by_whom    TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);

-- Resubscriptions lift a suppression; the record stays.
CREATE TABLE suppression_events (
	id      INTEGER PRIMARY KEY,
	address TEXT NOT NULL,
	action  TEXT NOT NULL CHECK (action IN ('suppressed', 'resubscribed')),
	reason  TEXT NOT NULL,
	by_whom TEXT NOT NULL DEFAULT '',
	at      TEXT NOT NULL
);
CREATE INDEX suppression_events_address ON suppression_events (address);
