-- Public notice pages: every notice gets a short unguessable code, the
-- path of its page ({public_url}/n/{code}) and of its CAP document. New
-- notices draw theirs in Go (notices.newCode); those made before this
-- migration get 12 hex characters.

ALTER TABLE notices ADD COLUMN code TEXT NOT NULL DEFAULT '';
-- SQLite: lower(hex(randomblob(6))). The first 12 hex digits of a version
-- 4 UUID are all random (its version digit is the 13th).
UPDATE notices SET code = left(replace(gen_random_uuid()::text, '-', ''), 12);
CREATE UNIQUE INDEX notices_code ON notices (code);
