package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Approval is the two-person rule's record of a notice: who asked for it
// to be sent, and who approved it.
type Approval struct {
	NoticeID    int64
	Awaiting    bool   // not approved yet: nothing is published
	Cancelled   bool   // the notice was cancelled (while it waited, or after)
	RequestedBy string // as the audit log names who acts
	Requester   string // who asked, whatever the way (console, command line): compared with the approver
	RequestedAt time.Time
	Recipients  int // the contacts the notice reached when asked
	ApprovedBy  string
	ApprovedAt  time.Time
}

// RequestApproval records that draft notice id waits for a second
// person's approval. Errors: NotFound; Conflict when the notice is not a
// draft or already waits.
func (s *Store) RequestApproval(ctx context.Context, a Approval) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.requestApproval(ctx, tx, a) })
	if err != nil {
		return fmt.Errorf("notice %d: ask for approval: %w", a.NoticeID, err)
	}
	return nil
}

// requestApproval is RequestApproval inside the transaction tx.
func (s *Store) requestApproval(ctx context.Context, tx *sql.Tx, a Approval) error {
	n, err := notice(ctx, tx, a.NoticeID)
	if err != nil {
		return err
	}
	if n.Status != Draft {
		return errorf(Conflict, "notice %d is %s: only a draft waits for approval", a.NoticeID, n.Status)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO approvals (notice_id, status, requested_by, requester, requested_at, recipients)
		VALUES (?, 'awaiting', ?, ?, ?, ?) ON CONFLICT (notice_id) DO NOTHING`,
		a.NoticeID, a.RequestedBy, a.Requester, s.now(), a.Recipients)
	return err
}

// ApprovalOf returns the approval record of notice id. Errors: NotFound
// when the notice never needed one.
func (s *Store) ApprovalOf(ctx context.Context, id int64) (Approval, error) {
	a := Approval{NoticeID: id}
	var status, noticeStatus, requested string
	var by, at sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT a.status, n.status, a.requested_by, a.requester, a.requested_at, a.recipients, a.approved_by, a.approved_at
		FROM approvals a JOIN notices n ON n.id = a.notice_id WHERE a.notice_id = ?`, id).Scan(&status, &noticeStatus, &a.RequestedBy, &a.Requester, &requested, &a.Recipients, &by, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return a, errorf(NotFound, "notice %d does not wait for approval", id)
	}
	if err != nil {
		return a, err
	}
	// A notice cancelled while it waited waits no more.
	a.Awaiting, a.Cancelled = status == "awaiting" && noticeStatus == string(Draft), noticeStatus == string(Cancelled)
	a.RequestedAt = parseTime(requested)
	a.ApprovedBy, a.ApprovedAt = by.String, parseTime(at.String)
	return a, nil
}

// AwaitingApproval returns the ids of the notices waiting for approval
// (not those cancelled meanwhile).
func (s *Store) AwaitingApproval(ctx context.Context) (map[int64]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.notice_id FROM approvals a JOIN notices n ON n.id = a.notice_id
		WHERE a.status = 'awaiting' AND n.status = 'draft'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// Approve marks notice id approved by approver (named by, as the audit
// log does), in one statement, so that two approving at once approve it
// once. Errors: NotFound; Conflict when it does not wait for approval
// (approved already, or never asked) or approver is who asked.
func (s *Store) Approve(ctx context.Context, id int64, approver, by string) error {
	a, err := s.ApprovalOf(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case a.Cancelled:
		return errorf(Conflict, "notice %d was cancelled: there is nothing to approve", id)
	case !a.Awaiting:
		return errorf(Conflict, "notice %d was approved already, by %s", id, a.ApprovedBy)
	}
	if a.Requester == approver {
		return errorf(Conflict, "notice %d was sent by %s, who cannot approve it: a second coordinator must approve", id, a.RequestedBy)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE approvals SET status = 'approved', approved_by = ?, approved_at = ?
		WHERE notice_id = ? AND status = 'awaiting' AND requester <> ?`, by, s.now(), id, approver)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errorf(Conflict, "notice %d was approved meanwhile", id)
	}
	return nil
}

// Unapprove puts an approval back to awaiting: publishing the approved
// notice failed, so it still waits.
func (s *Store) Unapprove(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE approvals SET status = 'awaiting', approved_by = NULL, approved_at = NULL WHERE notice_id = ?`, id)
	return err
}

// refuseAwaiting refuses to change or publish notice id (doing says
// which) while it waits for a second person's approval: what they are
// asked to approve does not change or go out under them. Only Approve
// lets it go.
func refuseAwaiting(ctx context.Context, tx *sql.Tx, id int64, doing string) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM approvals WHERE notice_id = ? AND status = 'awaiting'`, id).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return errorf(Conflict, "notice %d awaits a second coordinator's approval and cannot be %s: approve it, or cancel it and compose it again", id, doing)
	}
	return nil
}
