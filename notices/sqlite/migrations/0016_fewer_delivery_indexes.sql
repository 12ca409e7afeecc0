-- Fewer index entries written per delivery sent. An update that changes
-- the status (the claim: queued → sending; the outcome: sending → sent)
-- writes, on PostgreSQL, a new entry in every index whose condition the
-- new row meets (SQLite: in every index of a changed column), so each
-- index here serves a query that needs it and holds only the rows that
-- query asks for:
-- - deliveries_sending, the claims held: by channel and lease (claims run
--   out) and by their dispatcher (renewals, releases, the suppression
--   checks of what it holds: a walk of the few held), in one index, not two;
-- - deliveries_open, what is left of a notice (is it done, is it pending,
--   cancel, reschedule, resume), and deliveries_failed, its failures (the
--   notice page, the dashboard, the API's report, crier report), instead
--   of every delivery by notice and status; a report of every delivery
--   reads them by the unique key's notice_id. SQLite takes a partial index
--   only for a statement whose WHERE holds the index's condition as
--   written (it does not infer status IN ('queued', 'sending') from
--   status = 'queued', nor from a list of placeholders), so the statements
--   these serve say it literally (TestDeliveryStatementsUseTheirIndexes);
-- - deliveries_address holds the text messages sent (or delivered), the
--   only deliveries a reply looks for by number; deliveries_provider the
--   text messages with a provider id, the only ones a report (Twilio's
--   status callbacks) looks for: each email sent wrote its message id, a
--   random one, there for lookups no one makes. (A report's statement
--   cannot take deliveries_address, which its status does not imply.)
-- The same statements on PostgreSQL.

DROP INDEX deliveries_claimed;
DROP INDEX deliveries_leases;
CREATE INDEX deliveries_sending ON deliveries (channel, lease_until, claimed_by) WHERE status = 'sending';

DROP INDEX deliveries_notice_status;
CREATE INDEX deliveries_open ON deliveries (notice_id, channel) WHERE status IN ('queued', 'sending');
CREATE INDEX deliveries_failed ON deliveries (notice_id) WHERE status IN ('failed', 'undelivered');

DROP INDEX deliveries_address;
CREATE INDEX deliveries_address ON deliveries (address) WHERE channel = 'sms' AND status IN ('sent', 'delivered');

DROP INDEX deliveries_provider;
CREATE INDEX deliveries_provider ON deliveries (provider_id) WHERE channel = 'sms' AND provider_id <> '';
