package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ProviderReport is what a provider said of a message after accepting it
// (a Twilio status callback), to be recorded by RecordProviderReport.
type ProviderReport struct {
	Channel    Channel
	ProviderID string         // the id the provider gave when it accepted the message
	Status     DeliveryStatus // Sent, Delivered, Undelivered or Failed
	Code       string         // the provider's error code ("30003"), "" when none
	Error      string         // the provider's words for it, "" when none
	At         time.Time      // when it was received; zero: now
}

// ReportOutcome is what RecordProviderReport did.
type ReportOutcome struct {
	DeliveryID int64
	NoticeID   int64
	Address    string         // the delivery's address (a 21610 suppresses it)
	Status     DeliveryStatus // the delivery's status afterwards
	Changed    bool           // false: the report was older news than what the delivery holds
}

// outcomeRank orders the statuses a provider's report can move a delivery
// between; the other statuses (queued, sending, suppressed, cancelled) are
// never moved by one. The order is total over (rank, code, error), so the
// reports of one message end in the same state whatever order they came
// in: delivered outranks everything (the carrier handed it over), a
// carrier's undelivered outranks an earlier failure, and sent never takes
// back an end. (PostgreSQL compares row values the same way.)
const outcomeRank = `CASE status WHEN 'sent' THEN 1 WHEN 'failed' THEN 2 WHEN 'undelivered' THEN 3 WHEN 'delivered' THEN 4 END`

var reportRank = map[DeliveryStatus]int{DeliverySent: 1, DeliveryFailed: 2, DeliveryUndelivered: 3, DeliveryDelivered: 4}

// reportSQL returns the statements of a report on channel ch. Their
// conditions (a provider id not empty and, for a text message, the
// channel written out as 'sms') let the engines use the partial index
// deliveries_provider, which holds only text messages with a provider id:
// Twilio's status callbacks are the only reports there are, and an index
// of every email's id would take a write at every email sent (at a random
// place: message ids are random) for lookups no one makes. A report on
// another channel reads the deliveries having a provider id.
func reportSQL(ch Channel) (reportApply, reportFind string) {
	apply, find := `channel = ?5`, `channel = ?1`
	if ch == SMS {
		apply, find = `channel = 'sms' AND `+apply, `channel = 'sms' AND `+find
	}
	reportApply = `UPDATE deliveries SET status = ?1, error_code = ?2, error = ?3, updated_at = ?4
		WHERE provider_id = ?6 AND provider_id <> '' AND ` + apply + ` AND status IN ('sent', 'failed', 'undelivered', 'delivered')
		AND (` + outcomeRank + `, error_code, error) < (?7, ?2, ?3)
		RETURNING id, notice_id, address, status`
	reportFind = `SELECT id, notice_id, address, status FROM deliveries WHERE provider_id = ?2 AND provider_id <> '' AND ` + find + ` ORDER BY id LIMIT 1`
	return reportApply, reportFind
}

// RecordProviderReport moves the delivery the provider knows as
// r.ProviderID on r.Channel forward to r.Status, with the provider's code
// and words, unless it already holds the same or later news: never
// backwards, so delivered stays delivered, and a delivery the dispatcher
// ended as failed is not revived by a late "sent". The delivery's error
// becomes the report's (none for delivered), so that its state depends
// only on the latest news, not on the order the reports came in. Deliveries suppressed,
// cancelled (or still queued or sending) are left as they are.
// Errors: Invalid for a status a report cannot give; NotFound when no
// delivery has that provider id (yet: the provider can report before the
// dispatcher has recorded the id it was given).
func (s *Store) RecordProviderReport(ctx context.Context, r ProviderReport) (ReportOutcome, error) {
	rank, ok := reportRank[r.Status]
	if !ok {
		return ReportOutcome{}, errorf(Invalid, "a provider's report cannot make a delivery %q (only sent, delivered, undelivered or failed)", r.Status)
	}
	if r.ProviderID == "" {
		return ReportOutcome{}, errorf(Invalid, "a provider's report without the message's id")
	}
	at := r.At
	if at.IsZero() {
		at = s.Now()
	}
	reportApply, reportFind := reportSQL(r.Channel)
	var out ReportOutcome
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, reportApply, string(r.Status), r.Code, r.Error, at.UTC().Format(timeLayout),
			string(r.Channel), r.ProviderID, rank).Scan(&out.DeliveryID, &out.NoticeID, &out.Address, &out.Status)
		if err == nil {
			out.Changed = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		err = tx.QueryRowContext(ctx, reportFind, string(r.Channel), r.ProviderID).Scan(&out.DeliveryID, &out.NoticeID, &out.Address, &out.Status)
		if errors.Is(err, sql.ErrNoRows) {
			return errorf(NotFound, "no %s delivery has the provider's id %s", r.Channel, r.ProviderID)
		}
		return err
	})
	if err != nil {
		return ReportOutcome{}, fmt.Errorf("record the provider's report on %s: %w", r.ProviderID, err)
	}
	return out, nil
}
