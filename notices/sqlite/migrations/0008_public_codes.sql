-- Public notice pages: every notice gets a short unguessable code, the
-- path of its page ({public_url}/n/{code}) and of its CAP document. New
-- notices draw theirs in Go (notices.newCode); those made before this
-- migration get 12 hex characters (PostgreSQL: gen_random_uuid).

ALTER TABLE notices ADD COLUMN code TEXT NOT NULL DEFAULT '';
UPDATE notices SET code = lower(hex(randomblob(6)));
CREATE UNIQUE INDEX notices_code ON notices (code);
