-- Indexes that hold only what is still to send. deliveries_due held
-- every delivery, so each outcome recorded moved its entry within the
-- index (queued → sent) and the index grew with every notice ever sent;
-- these hold a delivery while it is queued (the claim's walk, in its
-- order) or sending (the leases run out), and an outcome only removes
-- its entry.

DROP INDEX deliveries_due;
CREATE INDEX deliveries_queued ON deliveries (channel, priority, next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX deliveries_leases ON deliveries (channel, lease_until) WHERE status = 'sending';
