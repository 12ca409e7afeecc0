-- A claim and an outcome write fewer index entries. deliveries_open held
-- a delivery while queued or sending, so each claim (queued → sending)
-- deleted its entry and wrote it again (SQLite) or wrote a new one
-- (PostgreSQL), and each outcome deleted it. It now holds the queued
-- deliveries only: what a notice still has to send is its entries there
-- and its deliveries being sent, which are few at any moment (a claim's
-- batch per lane) and are read from deliveries_sending, which now holds
-- their notice too, so that the question is answered from that index
-- alone. A claim deletes the delivery's entries in deliveries_queued and
-- deliveries_open and writes one in deliveries_sending; an outcome
-- deletes that one. The statements that ask what is left of a notice
-- name each part's condition as its index does
-- (TestDeliveryStatementsUseTheirIndexes).
-- The same statements on PostgreSQL.

DROP INDEX deliveries_open;
CREATE INDEX deliveries_open ON deliveries (notice_id, channel) WHERE status = 'queued';

DROP INDEX deliveries_sending;
CREATE INDEX deliveries_sending ON deliveries (channel, lease_until, claimed_by, notice_id) WHERE status = 'sending';
