-- The two-person rule ([console] approval_over): a notice reaching more
-- than that many contacts is stored as a draft and waits here for a
-- second coordinator's approval before anything is published. Who asked
-- and who approved are named as the audit log names them.

CREATE TABLE approvals (
	notice_id    bigint PRIMARY KEY REFERENCES notices (id), -- SQLite: INTEGER PRIMARY KEY (not a row number: given)
	status       TEXT NOT NULL CHECK (status IN ('awaiting', 'approved')),
	requested_by TEXT NOT NULL, -- who sent it: a user's name, "token NAME", "cli (UNIX USER)"
	requester    TEXT NOT NULL, -- the same person whoever the way: the lower-cased name, compared with the approver's
	requested_at TEXT COLLATE "C" NOT NULL,
	recipients   INTEGER NOT NULL, -- the contacts it reached when sent
	approved_by  TEXT,
	approved_at  TEXT COLLATE "C"
);
