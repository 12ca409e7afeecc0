package notices

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// priority is a delivery's place in the claim order: emergencies first.
func priority(u Urgency) int {
	if u == Emergency {
		return 0
	}
	return 1
}

// deliverySuppressed is true for a queued delivery d whose address was
// suppressed, or whose contact unsubscribed from the channel, or (email)
// whose address opted out of the notice's category, after the notice was
// published. Addresses are matched as the suppressions store them (see
// emailSuppressed). An emergency's category is never opted out of.
//
// Each test is a lookup by a unique key, written as a scalar subquery
// rather than EXISTS: PostgreSQL turns such an EXISTS into a hash of the
// whole table, built at every claim (every contact read to claim 512
// deliveries: 15 ms for 20,000 contacts), where a lookup per delivery
// costs an index probe.
const deliverySuppressed = `CASE d.channel
	WHEN 'email' THEN (SELECT 1 FROM suppressions s WHERE s.address = lower(d.address)) IS NOT NULL
		OR COALESCE((SELECT c.email_state FROM contacts c WHERE c.id = d.contact_id), 'subscribed') <> 'subscribed'
		OR (SELECT 1 FROM email_opt_outs o WHERE o.address = lower(d.address)
			AND o.category = (SELECT n.category FROM notices n WHERE n.id = d.notice_id)) IS NOT NULL
	WHEN 'sms' THEN (SELECT 1 FROM suppressions s WHERE s.address = d.address) IS NOT NULL
		OR COALESCE((SELECT c.sms_state FROM contacts c WHERE c.id = d.contact_id), 'subscribed') <> 'subscribed'
	ELSE FALSE END`

// SuppressedAfterPublishing is the error recorded on a delivery that was
// not sent because its address was suppressed after the notice was published.
const SuppressedAfterPublishing = "not sent: the address was suppressed or unsubscribed after the notice was published"

// claimSQL is the claim's statements in dialect d, prepared once: the
// dispatcher runs them for every batch. Where transactions run side by
// side (PostgreSQL), the due rows are locked as they are read and those
// another claim holds are skipped, and every write is guarded by the
// status it expects, so that two dispatchers never take one delivery
// while both are alive.
//
// take and suppress find their deliveries by id alone: the guard on the
// status is written so that no index can serve it (the column joined to
// an empty string), as recordOutcomes' guards are. Otherwise PostgreSQL,
// whose statistics say few deliveries are queued (taken before a notice
// was published), takes the partial index of queued deliveries, whose
// last column is the id, and reads all of it for every id of the batch:
// 100,000 buffers and 0.4-0.7 s of the server's CPU to take 512.
//
// The channel is compared through a subquery, not a bare placeholder:
// SQLite weighs a placeholder compared with a column that a partial
// index's condition names (deliveries_address's channel = 'sms') against
// that condition, and prepares the statement again at every binding of
// it, that is at every claim: 0.4 ms of each.
func claimSQL(d Dialect) (expired, due, take, suppress string) {
	// A claim run out, of a dispatcher that died: back in the queue.
	expired = `UPDATE deliveries SET status = CASE WHEN (SELECT n.status FROM notices n WHERE n.id = deliveries.notice_id) = 'cancelled' THEN 'cancelled' ELSE 'queued' END,
		claimed_by = '', lease_until = NULL, updated_at = ?1
		WHERE id IN (SELECT x.id FROM deliveries x WHERE x.channel = (SELECT CAST(?2 AS TEXT)) AND x.status = 'sending' AND x.lease_until < ?1 AND x.claimed_by <> ?3` + d.SkipLocked("x") + `)
		AND status = 'sending' AND lease_until < ?1`
	due = `SELECT d.id, ` + deliverySuppressed + ` FROM deliveries d
		WHERE d.channel = (SELECT CAST(?1 AS TEXT)) AND d.status = 'queued' AND d.next_attempt_at <= ?2
		AND d.notice_id NOT IN (SELECT p.notice_id FROM notice_channels p WHERE p.channel = (SELECT CAST(?1 AS TEXT)) AND p.paused_at IS NOT NULL)
		AND (?3 = 0 OR d.notice_id = ?3) AND d.priority <= ?5
		ORDER BY d.priority, d.next_attempt_at, d.id LIMIT ?4` + d.SkipLocked("d")
	take = `UPDATE deliveries SET status = 'sending', lease_until = ?1, claimed_by = ?2, updated_at = ?3
		WHERE ` + d.IDsIn("id") + ` AND status || '' = 'queued' RETURNING ` + deliveryColumns
	suppress = `UPDATE deliveries SET status = 'suppressed', error = '` + SuppressedAfterPublishing + `', updated_at = ?
		WHERE ` + d.IDsIn("id") + ` AND status || '' = 'queued'`
	return expired, due, take, suppress
}

func (s *Store) claimSQL() []string {
	expired, due, take, suppress := claimSQL(s.dialect)
	return []string{expired, due, take, suppress}
}

// ClaimScope narrows a claim: to one notice's deliveries (print works a
// notice at once), or to emergencies (SMS during quiet hours).
type ClaimScope struct {
	Notice        int64 // 0: every notice
	EmergencyOnly bool
}

// maxPriority is the highest priority the scope claims.
func (c ClaimScope) maxPriority() int {
	if c.EmergencyOnly {
		return priority(Emergency)
	}
	return priority(Normal)
}

// Claim takes up to limit due deliveries of channel ch within scope for
// the dispatcher worker, emergencies first, then by due time: they become
// Sending, held until now + lease. Deliveries whose lease has run out
// (their dispatcher died) are due again. A due delivery to an address
// suppressed since publishing is marked Suppressed instead and not
// returned. Deliveries of a notice whose channel is paused stay queued.
func (s *Store) Claim(ctx context.Context, ch Channel, worker string, scope ClaimScope, limit int, lease time.Duration) ([]Delivery, error) {
	if worker == "" || limit <= 0 || lease <= 0 {
		return nil, fmt.Errorf("claim: worker, limit and lease are required")
	}
	stmts, err := s.prepared(ctx, s.claimSQL()...)
	if err != nil {
		return nil, fmt.Errorf("claim %s deliveries: %w", ch, err)
	}
	var out []Delivery
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.Now().UTC()
		nowText := now.Format(timeLayout)
		// An expired claim of a cancelled notice is cancelled, as ReleaseClaims does.
		// Never its own: a live dispatcher renews its leases, and what it
		// holds may be in its hands this moment.
		if _, err := tx.StmtContext(ctx, stmts[0]).ExecContext(ctx, nowText, string(ch), worker); err != nil {
			return err
		}
		rows, err := tx.StmtContext(ctx, stmts[1]).QueryContext(ctx, string(ch), nowText, scope.Notice, limit, scope.maxPriority())
		if err != nil {
			return err
		}
		var take, suppress []int64
		for rows.Next() {
			var id int64
			var supp bool
			if err := rows.Scan(&id, &supp); err != nil {
				rows.Close()
				return err
			}
			if supp {
				suppress = append(suppress, id)
			} else {
				take = append(take, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(suppress) > 0 {
			if _, err := tx.StmtContext(ctx, stmts[3]).ExecContext(ctx, nowText, s.dialect.IDsArg(suppress)); err != nil {
				return err
			}
		}
		if len(take) == 0 {
			return nil
		}
		rows, err = tx.StmtContext(ctx, stmts[2]).QueryContext(ctx, now.Add(lease).Format(timeLayout), worker, nowText, s.dialect.IDsArg(take))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim %s deliveries: %w", ch, err)
	}
	slices.SortFunc(out, func(a, b Delivery) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return int(a.ID - b.ID)
	})
	return out, nil
}

// Outcome is what became of one claimed delivery.
type Outcome struct {
	ID int64
	// Status is Sent, Failed, Suppressed, Cancelled, or Queued: back in
	// the queue for a retry at NextAttemptAt (or released unattempted).
	Status        DeliveryStatus
	Attempted     bool // a send was tried: counts an attempt
	NextAttemptAt time.Time
	ProviderID    string
	Error         string // kept; "" leaves the last error as it was
	At            time.Time
}

// recordOutcomes writes a batch of outcomes in one statement: the rows
// of the VALUES list are the outcomes, by column (id, status, attempted,
// next attempt, provider id, error, time), the last placeholder the
// worker. Each is applied only to a delivery still Sending under the
// worker's claim; RETURNING says which were. The batch is padded to a
// power of two with rows of id 0, which match nothing, so that a few
// statements, each prepared once, serve every size.
//
// The delivery is found by its id alone: the guards on its status and
// worker are written so that no index can serve them (each column joined
// to an empty string). Otherwise
// PostgreSQL's generic plan, taking the partial index of deliveries being
// sent for a handful of rows, read every delivery the worker held (its
// whole backlog) to record eight outcomes: 3.5 ms of the server's CPU a
// statement. The worker is compared through a subquery, not a bare
// placeholder: SQLite weighs a placeholder compared with a column against
// the partial indexes' conditions, and a statement whose plan depends on
// a bound value is prepared again whenever its values change.
func recordOutcomes(rows int) string {
	var b strings.Builder
	b.WriteString(`WITH o (o_id, o_status, o_attempted, o_next, o_provider, o_error, o_at) AS (VALUES `)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT))`)
	}
	b.WriteString(`)
UPDATE deliveries SET
	status = CASE WHEN o.o_status = 'queued' AND (SELECT n.status FROM notices n WHERE n.id = deliveries.notice_id) = 'cancelled' THEN 'cancelled' ELSE o.o_status END,
	attempts = deliveries.attempts + o.o_attempted,
	first_attempt_at = CASE WHEN o.o_attempted = 1 THEN COALESCE(deliveries.first_attempt_at, o.o_at) ELSE deliveries.first_attempt_at END,
	next_attempt_at = COALESCE(o.o_next, deliveries.next_attempt_at),
	provider_id = CASE WHEN o.o_provider = '' THEN deliveries.provider_id ELSE o.o_provider END,
	error = CASE WHEN o.o_error = '' THEN deliveries.error ELSE o.o_error END,
	sent_at = CASE WHEN o.o_status = 'sent' THEN o.o_at ELSE deliveries.sent_at END,
	claimed_by = '', lease_until = NULL, updated_at = o.o_at
FROM o WHERE deliveries.id = o.o_id AND deliveries.status || '' = 'sending' AND deliveries.claimed_by || '' = (SELECT CAST(? AS TEXT))
RETURNING deliveries.id`)
	return b.String()
}

// maxRecordBatch is the most outcomes one statement writes; larger batches
// take several.
const maxRecordBatch = 256

// recordOutcomesText holds recordOutcomes' statement for each padded size
// (1, 2, 4 … maxRecordBatch rows), made once: the prepared statement is
// found by its text, and making the text for every group of outcomes
// cost more than the rest of Record's Go.
var recordOutcomesText = func() map[int]string {
	m := map[int]string{}
	for rows := 1; rows <= maxRecordBatch; rows *= 2 {
		m[rows] = recordOutcomes(rows)
	}
	return m
}()

// recordOutcomesSQL is recordOutcomes(rows) for rows a power of two up to
// maxRecordBatch.
func recordOutcomesSQL(rows int) string {
	if q, ok := recordOutcomesText[rows]; ok {
		return q
	}
	return recordOutcomes(rows)
}

// outcomeColumns is how many placeholders one outcome fills.
const outcomeColumns = 7

// Record writes the outcomes of deliveries the dispatcher worker claimed,
// in one transaction, and says which it applied (applied[i] for outs[i]).
// A delivery no longer Sending or no longer held by worker (its lease ran
// out and another dispatcher took it) is left alone and not applied: a
// late outcome never overwrites another's claim, and the caller must not
// count it. A retry of a delivery whose notice was cancelled meanwhile
// becomes Cancelled. One statement writes many outcomes; of two outcomes
// of one delivery, the first is applied and the second finds it ended.
func (s *Store) Record(ctx context.Context, worker string, outs []Outcome) (applied []bool, err error) {
	if len(outs) == 0 {
		return nil, nil
	}
	for _, o := range outs {
		switch o.Status {
		case DeliverySent, DeliveryFailed, DeliverySuppressed, DeliveryCancelled, DeliveryQueued:
		default:
			return nil, fmt.Errorf("record deliveries: delivery %d: %q is not an outcome", o.ID, o.Status)
		}
	}
	// Prepared before the transaction: SQLite's store has one connection,
	// which the transaction holds.
	var ends []int
	var stmts []*sql.Stmt
	for start := 0; start < len(outs); start = ends[len(ends)-1] {
		end := batchEnd(outs, start)
		st, err := s.prepared(ctx, recordOutcomesSQL(paddedRows(end-start)))
		if err != nil {
			return nil, fmt.Errorf("record deliveries: %w", err)
		}
		ends, stmts = append(ends, end), append(stmts, st[0])
	}
	applied = make([]bool, len(outs))
	if len(stmts) == 1 {
		// One statement is a transaction of its own, committed before it
		// returns: without BEGIN and COMMIT around it, two round trips
		// fewer on PostgreSQL.
		if err := recordBatch(ctx, stmts[0], s.Now(), worker, outs, applied); err != nil {
			return nil, fmt.Errorf("record deliveries: %w", err)
		}
		return applied, nil
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		start := 0
		for i, end := range ends {
			if err := recordBatch(ctx, tx.StmtContext(ctx, stmts[i]), s.Now(), worker, outs[start:end], applied[start:end]); err != nil {
				return err
			}
			start = end
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record deliveries: %w", err)
	}
	return applied, nil
}

// batchEnd is where the batch of outs beginning at start ends: at most
// maxRecordBatch outcomes, each of a delivery of its own (a statement
// updates a row once, whatever joins it twice).
func batchEnd(outs []Outcome, start int) int {
	seen := make(map[int64]bool, min(len(outs)-start, maxRecordBatch))
	end := start
	for end < len(outs) && end-start < maxRecordBatch && !seen[outs[end].ID] {
		seen[outs[end].ID] = true
		end++
	}
	return end
}

// paddedRows is the rows of the statement that records n outcomes: n
// rounded up to a power of two.
func paddedRows(n int) int {
	rows := 1
	for rows < n {
		rows *= 2
	}
	return rows
}

// recordBatch writes outs, each of a delivery of its own, with stmt (of
// recordOutcomes) at now, and sets applied[i] for those the store
// applied.
func recordBatch(ctx context.Context, stmt *sql.Stmt, now time.Time, worker string, outs []Outcome, applied []bool) error {
	rows := paddedRows(len(outs))
	args := make([]any, 0, rows*outcomeColumns+1)
	for _, o := range outs {
		at := o.At
		if at.IsZero() {
			at = now
		}
		attempted := 0
		if o.Attempted {
			attempted = 1
		}
		args = append(args, o.ID, string(o.Status), attempted, nullTime(o.NextAttemptAt), o.ProviderID, o.Error, at.UTC().Format(timeLayout))
	}
	for range rows - len(outs) {
		args = append(args, 0, string(DeliveryQueued), 0, nil, "", "", "")
	}
	args = append(args, worker)
	res, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer res.Close()
	var done []int64
	for res.Next() {
		var id int64
		if err := res.Scan(&id); err != nil {
			return err
		}
		done = append(done, id)
	}
	if err := res.Err(); err != nil {
		return err
	}
	slices.Sort(done)
	for i, o := range outs {
		_, applied[i] = slices.BinarySearch(done, o.ID)
	}
	return nil
}

// ClaimState is what Recheck found of one claimed delivery.
type ClaimState struct {
	// Held: the delivery is still Sending under the worker's claim, whose
	// lease now runs from the moment of the check. When false, another
	// dispatcher took it (or it ended): the worker must not send it.
	Held        bool
	Cancelled   bool // its notice was cancelled
	Paused      bool // its channel is paused for the notice
	Unreachable bool // its address was suppressed or unsubscribed since publishing
}

// recheckRenew renews one claim if, and only if, worker still holds it;
// recheckState then says what became of its notice and address meanwhile.
const (
	recheckRenew = `UPDATE deliveries SET lease_until = ?1 WHERE id = ?2 AND status = 'sending' AND claimed_by = ?3`
	recheckState = `SELECT (SELECT n.status = 'cancelled' FROM notices n WHERE n.id = d.notice_id),
		EXISTS (SELECT 1 FROM notice_channels p WHERE p.notice_id = d.notice_id AND p.channel = d.channel AND p.paused_at IS NOT NULL),
		` + deliverySuppressed + ` FROM deliveries d WHERE d.id = ?`
)

// Recheck renews worker's claim of delivery id to now + lease, only if it
// still holds it, and reports the delivery's state: a dispatcher asks
// before sending when its lease is near its end (it may have stalled) or
// when it has not looked at the store for a while.
func (s *Store) Recheck(ctx context.Context, id int64, worker string, lease time.Duration) (ClaimState, error) {
	var st ClaimState
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, recheckRenew, s.Now().Add(lease).UTC().Format(timeLayout), id, worker)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		st.Held = true
		return tx.QueryRowContext(ctx, recheckState, id).Scan(&st.Cancelled, &st.Paused, &st.Unreachable)
	})
	if err != nil {
		return ClaimState{}, fmt.Errorf("check the claim of delivery %d: %w", id, err)
	}
	return st, nil
}

// HeldUnreachable returns the deliveries worker holds whose address was
// suppressed, or whose contact unsubscribed from the channel, since their
// notice was published: a dispatcher asks every so often, whatever wrote
// the suppression, and sends none of them.
func (s *Store) HeldUnreachable(ctx context.Context, worker string) ([]int64, error) {
	return columnValues[int64](ctx, s.db, `SELECT d.id FROM deliveries d WHERE d.status = 'sending' AND d.claimed_by = ? AND `+deliverySuppressed, worker)
}

// ReleaseClaims puts back in the queue, unattempted, every delivery the
// dispatcher worker still holds: on a clean stop, or for a dispatcher
// known to be dead. It returns how many it released.
func (s *Store) ReleaseClaims(ctx context.Context, worker string) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = CASE WHEN (SELECT n.status FROM notices n WHERE n.id = deliveries.notice_id) = 'cancelled' THEN 'cancelled' ELSE 'queued' END,
			claimed_by = '', lease_until = NULL, updated_at = ? WHERE status = 'sending' AND claimed_by = ?`, s.now(), worker)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("release the deliveries of %s: %w", worker, err)
	}
	return int(n), nil
}

// Claimants returns the dispatchers that hold deliveries now.
func (s *Store) Claimants(ctx context.Context) ([]string, error) {
	return columnValues[string](ctx, s.db, `SELECT DISTINCT claimed_by FROM deliveries WHERE status = 'sending' AND claimed_by <> ''`)
}

// columnValues runs a query of one column and returns its values.
func columnValues[T any](ctx context.Context, q queryer, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// StartDue turns scheduled notices published with their deliveries (by
// Crier before scheduled notices were published at their time) whose
// send time has come into sending notices, and returns their ids.
func (s *Store) StartDue(ctx context.Context) ([]int64, error) {
	return s.updateNotices(ctx, `UPDATE notices SET status = 'sending', updated_at = ?1
		WHERE status = 'scheduled' AND published_at IS NOT NULL AND send_at <= ?1 RETURNING id`)
}

// unpublishedWaits is true for a scheduled notice n not yet published
// whose every channel is paused: it could not be published at its time
// and waits for the coordinator. (Once any channel is resumed it is
// published; the channels still paused hold their deliveries.)
const unpublishedWaits = `(n.published_at IS NULL AND (SELECT count(*) FROM notice_channels p WHERE p.notice_id = n.id AND p.paused_at IS NOT NULL)
	>= length(n.channels) - length(replace(n.channels, ',', '')) + 1)`

// DueScheduled returns the scheduled notices not yet published whose send
// time has come, to be published now (Publish), leaving out those waiting
// for the coordinator (every channel paused).
func (s *Store) DueScheduled(ctx context.Context) ([]int64, error) {
	return columnValues[int64](ctx, s.db, `SELECT n.id FROM notices n WHERE n.status = 'scheduled' AND n.published_at IS NULL AND n.send_at <= ?
		AND NOT `+unpublishedWaits+` ORDER BY n.send_at, n.id`, s.now())
}

// PauseUnpublished pauses every channel of scheduled notice id, not yet
// published, saying why it could not be published; it does nothing when
// the notice was published or cancelled meanwhile (by another
// dispatcher), and reports whether it paused.
func (s *Store) PauseUnpublished(ctx context.Context, id int64, reason string) (paused bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockNotice(ctx, tx, id); err != nil {
			return err
		}
		n, err := notice(ctx, tx, id)
		if err != nil || n.Status != Scheduled || !n.PublishedAt.IsZero() {
			return err
		}
		for _, ch := range n.Channels {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notice_channels (notice_id, channel, paused_at, pause_reason) VALUES (?1, ?2, ?3, ?4)
				ON CONFLICT (notice_id, channel) DO UPDATE SET paused_at = ?3, pause_reason = ?4`, id, string(ch), s.now(), reason); err != nil {
				return err
			}
		}
		paused = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("pause notice %d: %w", id, err)
	}
	return paused, nil
}

// FinishDone marks done every sending notice that has no delivery left
// queued or sending and, when it prints, whose documents are written; it
// returns their ids.
func (s *Store) FinishDone(ctx context.Context) ([]int64, error) {
	return s.updateNotices(ctx, finishDone)
}

func (s *Store) updateNotices(ctx context.Context, q string) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		ids, err = columnValues[int64](ctx, tx, q, s.now())
		return err
	})
	slices.Sort(ids)
	return ids, err
}

// PrintDue returns the sending notices that print and whose documents are
// not written yet.
func (s *Store) PrintDue(ctx context.Context) ([]int64, error) {
	return columnValues[int64](ctx, s.db, `SELECT n.id FROM notices n WHERE n.status = 'sending' AND ','||n.channels||',' LIKE '%,print,%'
		AND NOT EXISTS (SELECT 1 FROM notice_channels p WHERE p.notice_id = n.id AND p.channel = 'print' AND (p.done_at IS NOT NULL OR p.paused_at IS NOT NULL))
		ORDER BY n.id`)
}

// PrintDone records that the notice's print documents are written.
func (s *Store) PrintDone(ctx context.Context, noticeID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO notice_channels (notice_id, channel, done_at) VALUES (?1, 'print', ?2)
			ON CONFLICT (notice_id, channel) DO UPDATE SET done_at = ?2`, noticeID, s.now())
		return err
	})
}

// Pause is a channel of a notice stopped because the channel is broken.
type Pause struct {
	NoticeID int64
	Channel  Channel
	At       time.Time
	Reason   string
}

// PauseChannel stops the dispatch of notice id on channel ch, saying why.
// Claims stay with their dispatchers, which put back what they have not
// sent (a send in flight at that moment is recorded as it ends). Pausing a
// paused channel keeps the first reason.
func (s *Store) PauseChannel(ctx context.Context, id int64, ch Channel, reason string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO notice_channels (notice_id, channel, paused_at, pause_reason) VALUES (?1, ?2, ?3, ?4)
			ON CONFLICT (notice_id, channel) DO UPDATE SET paused_at = COALESCE(notice_channels.paused_at, ?3),
			pause_reason = CASE WHEN notice_channels.paused_at IS NULL THEN ?4 ELSE notice_channels.pause_reason END`, id, string(ch), s.now(), reason)
		return err
	})
	if err != nil {
		return fmt.Errorf("pause %s of notice %d: %w", ch, id, err)
	}
	return nil
}

// Pauses returns the paused channels of notice id (0: of every notice),
// of notices still to send: a pause of a notice done or cancelled asks
// nothing of anyone.
func (s *Store) Pauses(ctx context.Context, id int64) ([]Pause, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.notice_id, p.channel, p.paused_at, p.pause_reason FROM notice_channels p
		JOIN notices n ON n.id = p.notice_id AND n.status IN ('sending', 'scheduled')
		WHERE p.paused_at IS NOT NULL AND (?1 = 0 OR p.notice_id = ?1) ORDER BY p.notice_id, p.channel`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Pause
	for rows.Next() {
		var p Pause
		var at string
		if err := rows.Scan(&p.NoticeID, &p.Channel, &at, &p.Reason); err != nil {
			return nil, err
		}
		p.At = parseTime(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Resume lifts the pauses of notice id on the channels given (every
// channel when none is given) and returns the pauses it lifted. The
// channel's deliveries are due at once (a scheduled notice's at its send
// time); their attempts are kept. A scheduled notice not yet published
// whose send time is past is published now: its send time becomes now.
// Errors: NotFound; Conflict when nothing is paused.
func (s *Store) Resume(ctx context.Context, id int64, chs ...Channel) ([]Pause, error) {
	var lifted []Pause
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockNotice(ctx, tx, id); err != nil {
			return err
		}
		if _, err := notice(ctx, tx, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT channel, paused_at, pause_reason FROM notice_channels WHERE notice_id = ? AND paused_at IS NOT NULL ORDER BY channel`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			p := Pause{NoticeID: id}
			var at string
			if err := rows.Scan(&p.Channel, &at, &p.Reason); err != nil {
				rows.Close()
				return err
			}
			p.At = parseTime(at)
			if len(chs) == 0 || slices.Contains(chs, p.Channel) {
				lifted = append(lifted, p)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(lifted) == 0 {
			return errorf(Conflict, "notice %d has no paused channel to resume", id)
		}
		now := s.now()
		// A scheduled notice not published at its time (found late, or
		// its list gone) goes now: its send time becomes the resume's, so
		// the dispatcher does not find it late again.
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET send_at = ?1, updated_at = ?1
			WHERE id = ?2 AND status = 'scheduled' AND published_at IS NULL AND send_at < ?1`, now, id); err != nil {
			return err
		}
		for _, p := range lifted {
			if _, err := tx.ExecContext(ctx, `UPDATE notice_channels SET paused_at = NULL, pause_reason = '' WHERE notice_id = ? AND channel = ?`, id, string(p.Channel)); err != nil {
				return err
			}
			// A scheduled notice keeps its send time.
			if _, err := tx.ExecContext(ctx, resumeQueued, now, id, string(p.Channel)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("resume notice %d: %w", id, err)
	}
	return lifted, nil
}

// NoticeStates returns, of the notices given, the ones cancelled and the
// channels paused, for a dispatcher to stop the sends it has not begun.
func (s *Store) NoticeStates(ctx context.Context, ids []int64) (cancelled map[int64]bool, paused map[int64][]Channel, err error) {
	cancelled, paused = map[int64]bool{}, map[int64][]Channel{}
	if len(ids) == 0 {
		return cancelled, paused, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	gone, err := columnValues[int64](ctx, s.db, `SELECT id FROM notices WHERE status = 'cancelled' AND id IN `+marks(len(ids)), args...)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range gone {
		cancelled[id] = true
	}
	rows, err := s.db.QueryContext(ctx, `SELECT notice_id, channel FROM notice_channels WHERE paused_at IS NOT NULL AND notice_id IN `+marks(len(ids)), args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var ch Channel
		if err := rows.Scan(&id, &ch); err != nil {
			return nil, nil, err
		}
		paused[id] = append(paused[id], ch)
	}
	return cancelled, paused, rows.Err()
}

// Pending says whether any delivery is queued or sending on a channel that
// is not paused, or a scheduled notice's time has come (it is to be
// published): a dispatcher draining the queue stops when nothing is
// pending. Scheduled notices whose time has not come do not count. chs, when given, limits the question to those channels (the ones
// a dispatcher can send on). It stops at the first such delivery, so it
// costs little however long the queue.
func (s *Store) Pending(ctx context.Context, chs ...Channel) (bool, error) {
	return s.PendingExcept(ctx, nil, chs...)
}

// PendingExcept is Pending leaving out queued deliveries within held:
// during quiet hours, the text messages of normal notices (held[SMS] =
// ClaimScope{EmergencyOnly: true}) wait for the morning, not for a drain.
func (s *Store) PendingExcept(ctx context.Context, held map[Channel]ClaimScope, chs ...Channel) (bool, error) {
	q, args := anyPending(held, chs)
	var pending bool
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&pending)
	if err != nil {
		return false, err
	}
	if !pending {
		// A scheduled notice whose time has come is still to be published.
		due, err := s.DueScheduled(ctx)
		if err != nil || len(due) > 0 {
			return len(due) > 0, err
		}
	}
	if !pending && (len(chs) == 0 || slices.Contains(chs, Print)) {
		// A notice that prints and has nothing else left still owes its flyer.
		ids, err := s.PrintDue(ctx)
		return len(ids) > 0, err
	}
	return pending, nil
}

// NextDue returns when the next delivery of channel ch within scope
// falls due for worker (it may be past): the next queued one, leaving out
// notices whose channel is paused, or the first claim of another
// dispatcher whose lease runs out (a dead one's, which Claim takes then);
// ok is false when there is none. An idle dispatcher sleeps until then
// instead of polling. Each priority is its own walk down the due index,
// so it costs little however long the queue.
func (s *Store) NextDue(ctx context.Context, ch Channel, worker string, scope ClaimScope) (due time.Time, ok bool, err error) {
	var at sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT min(at) FROM (
		SELECT (SELECT d.next_attempt_at FROM deliveries d WHERE d.channel = ?1 AND d.status = 'queued' AND d.priority = p.priority
			AND d.notice_id NOT IN (SELECT c.notice_id FROM notice_channels c WHERE c.channel = ?1 AND c.paused_at IS NOT NULL)
			AND (?4 = 0 OR d.notice_id = ?4)
			ORDER BY d.next_attempt_at LIMIT 1) AS at
		FROM (SELECT 0 AS priority UNION ALL SELECT 1) p WHERE p.priority <= ?2
		UNION ALL
		SELECT min(d.lease_until) FROM deliveries d WHERE d.status = 'sending' AND d.channel = ?1 AND d.claimed_by <> ?3
			AND (?4 = 0 OR d.notice_id = ?4)) AS due`,
		string(ch), scope.maxPriority(), worker, scope.Notice).Scan(&at)
	if err != nil || !at.Valid {
		return time.Time{}, false, err
	}
	return parseTime(at.String), true, nil
}

// NextScheduled returns the send time of the scheduled notice due next,
// leaving out those waiting for the coordinator (ok false when none).
func (s *Store) NextScheduled(ctx context.Context) (at time.Time, ok bool, err error) {
	var t sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT min(n.send_at) FROM notices n WHERE n.status = 'scheduled' AND NOT `+unpublishedWaits).Scan(&t)
	if err != nil || !t.Valid {
		return time.Time{}, false, err
	}
	return parseTime(t.String), true, nil
}

// RenewClaims extends the lease of every delivery the dispatcher worker
// holds to now + lease, so that deliveries waiting in a live dispatcher
// (a long outage, a slow rate) are never taken for a dead one's. It
// returns the ids it renewed: a delivery the worker thought it held and
// that is missing was taken by another dispatcher (the worker stalled
// past its lease) and must not be sent.
func (s *Store) RenewClaims(ctx context.Context, worker string, lease time.Duration) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		ids, err = columnValues[int64](ctx, tx, `UPDATE deliveries SET lease_until = ? WHERE status = 'sending' AND claimed_by = ? RETURNING id`,
			s.Now().Add(lease).UTC().Format(timeLayout), worker)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("renew the claims of %s: %w", worker, err)
	}
	return ids, nil
}

// ChannelReport counts a notice's deliveries on one channel by status.
type ChannelReport struct {
	Channel   Channel
	Total     int
	Queued    int
	Sending   int
	Sent      int
	Delivered int
	// Undelivered: accepted by the provider, then not handed over by
	// the carrier (a Twilio status callback said so).
	Undelivered int
	Failed      int
	Suppressed  int
	Cancelled   int
	Retried     int // deliveries that took more than one attempt
	Attempts    int
	Paused      *Pause // nil unless the channel is paused
}

// Report is what became of a notice, channel by channel.
type Report struct {
	Notice   Notice
	Channels []ChannelReport
}

// Channel returns the report of channel ch.
func (r Report) Channel(ch Channel) ChannelReport {
	for _, c := range r.Channels {
		if c.Channel == ch {
			return c
		}
	}
	return ChannelReport{Channel: ch}
}

// Report counts the deliveries of notice id by channel and status.
// Errors: NotFound.
func (s *Store) Report(ctx context.Context, id int64) (Report, error) {
	n, err := s.Notice(ctx, id)
	if err != nil {
		return Report{}, err
	}
	r := Report{Notice: n}
	for _, ch := range n.Channels {
		r.Channels = append(r.Channels, ChannelReport{Channel: ch})
	}
	rows, err := s.db.QueryContext(ctx, `SELECT channel, status, count(*), CAST(sum(attempts) AS BIGINT), CAST(sum(CASE WHEN attempts > 1 THEN 1 ELSE 0 END) AS BIGINT) FROM deliveries WHERE notice_id = ? GROUP BY channel, status`, id)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var ch Channel
		var st DeliveryStatus
		var count, attempts, retried int
		if err := rows.Scan(&ch, &st, &count, &attempts, &retried); err != nil {
			return r, err
		}
		i := slices.IndexFunc(r.Channels, func(c ChannelReport) bool { return c.Channel == ch })
		if i < 0 {
			r.Channels = append(r.Channels, ChannelReport{Channel: ch})
			i = len(r.Channels) - 1
		}
		c := &r.Channels[i]
		c.Total += count
		c.Attempts += attempts
		c.Retried += retried
		switch st {
		case DeliveryQueued:
			c.Queued += count
		case DeliverySending:
			c.Sending += count
		case DeliverySent:
			c.Sent += count
		case DeliveryDelivered:
			c.Delivered += count
		case DeliveryUndelivered:
			c.Undelivered += count
		case DeliveryFailed:
			c.Failed += count
		case DeliverySuppressed:
			c.Suppressed += count
		case DeliveryCancelled:
			c.Cancelled += count
		}
	}
	if err := rows.Err(); err != nil {
		return r, err
	}
	pauses, err := s.Pauses(ctx, id)
	if err != nil {
		return r, err
	}
	for _, p := range pauses {
		for i := range r.Channels {
			if r.Channels[i].Channel == p.Channel {
				r.Channels[i].Paused = &p
			}
		}
	}
	return r, nil
}

// EachDeliveryIn calls fn for every delivery of the notice in one of the
// statuses given (every status when none), by channel and id, streaming.
// fn must not use the store.
func (s *Store) EachDeliveryIn(ctx context.Context, noticeID int64, statuses []DeliveryStatus, fn func(Delivery) error) error {
	cond, args := "", []any{noticeID}
	if len(statuses) > 0 {
		for _, st := range statuses {
			args = append(args, string(st))
		}
		cond = ` AND status IN ` + marks(len(statuses))
	}
	return s.eachDelivery(ctx, deliveriesOfNotice+cond+byChannel, args, fn)
}

// EachFailure calls fn for every delivery of the notice that failed or
// was not delivered, as EachDeliveryIn does: what the notice page, the
// dashboard, the API's report and crier report list.
func (s *Store) EachFailure(ctx context.Context, noticeID int64, fn func(Delivery) error) error {
	return s.eachDelivery(ctx, failuresOfNotice, []any{noticeID}, fn)
}

// The statements of EachDeliveryIn and EachFailure. failuresOfNotice
// writes deliveries_failed's condition as the index does, so that both
// engines read the failures by it: SQLite takes a partial index only for
// a WHERE that holds its condition literally, not a list of placeholders
// with the same values.
const (
	deliveriesOfNotice = `SELECT ` + deliveryColumns + ` FROM deliveries WHERE notice_id = ?`
	byChannel          = `
		ORDER BY CASE channel WHEN 'email' THEN 0 WHEN 'sms' THEN 1 ELSE 2 END, id`
	failuresOfNotice = deliveriesOfNotice + ` AND status IN ('failed', 'undelivered')` + byChannel
)

// eachDelivery calls fn for every delivery query reads, streaming.
func (s *Store) eachDelivery(ctx context.Context, query string, args []any, fn func(Delivery) error) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Outstanding counts, per channel, the deliveries of sending notices not
// yet final (queued or sending), paused channels included.
func (s *Store) Outstanding(ctx context.Context) (map[Channel]int, error) {
	rows, err := s.db.QueryContext(ctx, outstanding)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Channel]int{}
	for rows.Next() {
		var ch Channel
		var n int
		if err := rows.Scan(&ch, &n); err != nil {
			return nil, err
		}
		out[ch] = n
	}
	return out, rows.Err()
}

// QuietHeld counts the text messages of normal notices queued to go now
// or later while their notice sends and their channel is not paused: what
// quiet hours hold back (paused ones wait for a resume instead).
func (s *Store) QuietHeld(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM deliveries d JOIN notices n ON n.id = d.notice_id
		WHERE d.channel = 'sms' AND d.status = 'queued' AND d.priority = ? AND n.status = 'sending'
		AND NOT EXISTS (SELECT 1 FROM notice_channels p WHERE p.notice_id = n.id AND p.channel = 'sms' AND p.paused_at IS NOT NULL)`,
		priority(Normal)).Scan(&n)
	return n, err
}
