package notices

// What is left of a notice is its deliveries queued and those being
// sent, each part read by its own partial index: deliveries_open holds
// the queued ones by notice, deliveries_sending the few being sent at a
// moment (a claim's batch per lane) with their notice. Keeping the two
// apart spares a claim and an outcome an entry in deliveries_open each
// (migration 0017). Each statement names each part's condition as its
// index writes it: SQLite takes a partial index only for a WHERE that
// holds its condition literally, not a list of statuses. The notice of a
// delivery being sent is compared as d.notice_id + 0, which no index
// serves, so that both engines walk deliveries_sending rather than every
// delivery of the notice by the unique key
// (TestDeliveryStatementsUseTheirIndexes).
const (
	// cancelQueued cancels the queued deliveries of a notice; arguments:
	// the time, the notice.
	cancelQueued = `UPDATE deliveries SET status = 'cancelled', updated_at = ?
		WHERE notice_id = ? AND status = 'queued'`
	// rescheduleQueued moves the queued deliveries of a notice to a new
	// send time; arguments: the time, the stamp, the notice.
	rescheduleQueued = `UPDATE deliveries SET next_attempt_at = ?, updated_at = ?
		WHERE notice_id = ? AND status = 'queued'`
	// resumeQueued brings the queued deliveries of a resumed channel
	// forward to now, unless the notice is scheduled (it keeps its send
	// time); arguments: now, the notice, the channel.
	resumeQueued = `UPDATE deliveries SET next_attempt_at = ?1, updated_at = ?1
		WHERE notice_id = ?2 AND channel = ?3 AND status = 'queued' AND next_attempt_at > ?1
		AND (SELECT n.status FROM notices n WHERE n.id = ?2) <> 'scheduled'`

	// finishDone marks done the sending notices with nothing left to
	// send and, when they print, their documents written; argument: the
	// time.
	finishDone = `UPDATE notices SET status = 'done', updated_at = ?1
		WHERE status = 'sending'
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id = notices.id AND d.status = 'queued')
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id + 0 = notices.id AND d.status = 'sending')
		AND (','||channels||',' NOT LIKE '%,print,%' OR EXISTS (SELECT 1 FROM notice_channels p WHERE p.notice_id = notices.id AND p.channel = 'print' AND p.done_at IS NOT NULL))
		RETURNING id`

	// outstanding counts the deliveries left of sending notices by
	// channel.
	outstanding = `SELECT channel, CAST(sum(k) AS BIGINT) FROM (
		SELECT d.channel AS channel, count(*) AS k FROM deliveries d JOIN notices n ON n.id = d.notice_id
			WHERE d.status = 'queued' AND n.status = 'sending' GROUP BY d.channel
		UNION ALL
		SELECT d.channel, count(*) FROM deliveries d JOIN notices n ON n.id = d.notice_id + 0
			WHERE d.status = 'sending' AND n.status = 'sending' GROUP BY d.channel) AS left_to_send
		GROUP BY channel`

	// notPaused is true for a delivery d whose channel is not paused for
	// its notice.
	notPaused = `
		AND NOT EXISTS (SELECT 1 FROM notice_channels p WHERE p.notice_id = d.notice_id AND p.channel = d.channel AND p.paused_at IS NOT NULL)`
)

// noticePending is NoticePending's statement and its arguments: whether
// notice id has a delivery on chs (any channel when none is given)
// queued, or being sent, whose channel is not paused.
func noticePending(id int64, chs []Channel) (string, []any) {
	cond, args := channelsIn(chs)
	args = append([]any{id}, args...)
	return `SELECT EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id = ? AND d.status = 'queued'` + cond + notPaused + `)
		OR EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id + 0 = ? AND d.status = 'sending'` + cond + notPaused + `)`,
		append(args, args...)
}

// anyPending is PendingExcept's statement and its arguments: whether a
// sending notice has a delivery on chs (any channel when none is given)
// queued, or being sent, whose channel is not paused, leaving out queued
// deliveries within held.
func anyPending(held map[Channel]ClaimScope, chs []Channel) (string, []any) {
	cond, args := channelsIn(chs)
	for _, ch := range NoticeChannels {
		if sc, ok := held[ch]; ok {
			cond += ` AND NOT (d.channel = ? AND d.status = 'queued' AND d.priority > ?)`
			args = append(args, string(ch), sc.maxPriority())
		}
	}
	return `SELECT EXISTS (SELECT 1 FROM notices n JOIN deliveries d ON d.notice_id = n.id
		WHERE n.status = 'sending' AND d.status = 'queued'` + cond + notPaused + `)
		OR EXISTS (SELECT 1 FROM deliveries d JOIN notices n ON n.id = d.notice_id + 0
		WHERE n.status = 'sending' AND d.status = 'sending'` + cond + notPaused + `)`,
		append(args, args...)
}

// channelsIn is the condition that a delivery d is on one of chs (true
// when none is given), and its arguments.
func channelsIn(chs []Channel) (string, []any) {
	if len(chs) == 0 {
		return "", nil
	}
	args := make([]any, 0, len(chs))
	for _, ch := range chs {
		args = append(args, string(ch))
	}
	return ` AND d.channel IN ` + marks(len(chs)), args
}
