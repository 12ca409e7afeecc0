package notices

// The statements that change what is left of a notice: its queued
// deliveries. Each says status IN ('queued', 'sending'), deliveries_open's
// condition as the index writes it, besides status = 'queued': SQLite
// takes a partial index only for a WHERE that holds its condition
// literally (it does not infer it from status = 'queued'), and without it
// reads every delivery of the notice by the unique key. PostgreSQL infers
// it and is not hurt by it.
const (
	// cancelQueued cancels the queued deliveries of a notice; arguments:
	// the time, the notice.
	cancelQueued = `UPDATE deliveries SET status = 'cancelled', updated_at = ?
		WHERE notice_id = ? AND status IN ('queued', 'sending') AND status = 'queued'`
	// rescheduleQueued moves the queued deliveries of a notice to a new
	// send time; arguments: the time, the stamp, the notice.
	rescheduleQueued = `UPDATE deliveries SET next_attempt_at = ?, updated_at = ?
		WHERE notice_id = ? AND status IN ('queued', 'sending') AND status = 'queued'`
	// resumeQueued brings the queued deliveries of a resumed channel
	// forward to now, unless the notice is scheduled (it keeps its send
	// time); arguments: now, the notice, the channel.
	resumeQueued = `UPDATE deliveries SET next_attempt_at = ?1, updated_at = ?1
		WHERE notice_id = ?2 AND channel = ?3 AND status IN ('queued', 'sending') AND status = 'queued' AND next_attempt_at > ?1
		AND (SELECT n.status FROM notices n WHERE n.id = ?2) <> 'scheduled'`
)
