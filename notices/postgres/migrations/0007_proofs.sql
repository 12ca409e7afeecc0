-- Proofs: a notice sent to the coordinator's own addresses (crier send
-- --proof) before the customers get it. A proof goes through the same
-- queue and dispatcher as a real notice, so it is a notice row; the mark
-- keeps it out of the list of notices, the schedule and every report.
-- Its deliveries have no contact.

ALTER TABLE notices ADD COLUMN proof INTEGER NOT NULL DEFAULT 0; -- a flag, an integer as in SQLite so that the store's SQL is shared
