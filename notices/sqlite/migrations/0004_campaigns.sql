-- Campaigns: notices that recur on a schedule (hydrant flushing each
-- spring, a bill reminder on the 1st), and their runs. A run is keyed by
-- (campaign, scheduled time), unique, so no firing is published twice.

CREATE TABLE campaigns (
	id            INTEGER PRIMARY KEY, -- PostgreSQL: bigint generated always as identity
	name          TEXT NOT NULL UNIQUE,
	template      TEXT NOT NULL,
	field_values  TEXT NOT NULL DEFAULT '{}', -- JSON object, as notices.field_values
	languages     TEXT NOT NULL DEFAULT '',
	audience      TEXT NOT NULL DEFAULT '{}', -- JSON of notices.Audience
	channels      TEXT NOT NULL,
	urgency       TEXT NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal', 'emergency')),
	schedule      TEXT NOT NULL, -- a cron spec, read in timezone
	timezone      TEXT NOT NULL, -- an IANA name
	starts_at     TEXT, -- no firing before (NULL: none)
	ends_at       TEXT, -- no firing after (NULL: none)
	enabled       INTEGER NOT NULL DEFAULT 1, -- PostgreSQL: boolean
	checked_until TEXT NOT NULL, -- firings up to this instant are handled (published or missed)
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
);

CREATE TABLE campaign_runs (
	id           INTEGER PRIMARY KEY, -- PostgreSQL: bigint generated always as identity
	campaign_id  INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE, -- PostgreSQL: bigint
	scheduled_at TEXT NOT NULL, -- the firing's instant
	status       TEXT NOT NULL CHECK (status IN ('published', 'missed')),
	notice_id    INTEGER REFERENCES notices (id), -- the notice published; NULL when missed
	note         TEXT NOT NULL DEFAULT '', -- why missed
	created_at   TEXT NOT NULL,
	UNIQUE (campaign_id, scheduled_at)
);
