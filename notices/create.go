package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// NewNotice is a notice for Create to store, with what becomes of it in
// the same transaction.
type NewNotice struct {
	Notice Notice
	// Key, when set, is claimed before anything else and kept with the
	// notice's id (see IdempotencyKey).
	Key *IdempotencyKey
	// Publish, when set, publishes the notice as Publish does, in
	// DefaultLanguage where a contact's is not among its languages.
	Publish         Template
	DefaultLanguage string
	// Approval, when set (Publish is not then), has the draft wait for a
	// second person's approval, as RequestApproval does; its NoticeID is
	// the new notice's.
	Approval *Approval
}

// Create stores nn.Notice as CreateNotice does and, in the same
// transaction, claims its key, publishes it or has it wait for approval:
// all of it is stored, or nothing is. It returns the notice's id and,
// when it was published, what publishing did.
//
// Errors: CreateNotice's, Publish's and RequestApproval's; with a key,
// *KeyTakenError when an earlier request made its notice under the key,
// and ErrKeyAtWork when a request holding it did not finish within the
// key's Wait.
func (s *Store) Create(ctx context.Context, nn NewNotice) (id int64, sum PublishSummary, err error) {
	if nn.Publish != nil && nn.Approval != nil {
		return 0, sum, errorf(Internal, "create notice: a notice cannot be published and wait for approval at once")
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if nn.Key != nil {
			if err := s.claimKey(ctx, tx, *nn.Key); err != nil {
				return err
			}
		}
		if id, err = s.createNotice(ctx, tx, nn.Notice); err != nil {
			return err
		}
		if err := s.follow(ctx, tx, id, nn, &sum); err != nil {
			return err
		}
		if nn.Key != nil {
			return keepKey(ctx, tx, *nn.Key, id)
		}
		return nil
	})
	// The key's errors come alone: a rollback's error beside them (of a
	// connection ended by the wait) says nothing to the caller.
	var taken *KeyTakenError
	switch {
	case errors.As(err, &taken):
		return 0, PublishSummary{}, taken
	case errors.Is(err, ErrKeyAtWork):
		return 0, PublishSummary{}, ErrKeyAtWork
	case err != nil:
		return 0, PublishSummary{}, fmt.Errorf("create notice: %w", err)
	}
	return id, sum, nil
}

// follow does in tx what nn asks of its new notice id once stored:
// publish it (into sum) or have it wait for approval.
func (s *Store) follow(ctx context.Context, tx *sql.Tx, id int64, nn NewNotice, sum *PublishSummary) (err error) {
	switch {
	case nn.Publish != nil:
		if *sum, err = s.publish(ctx, tx, id, nn.Publish, nn.DefaultLanguage); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
	case nn.Approval != nil:
		a := *nn.Approval
		a.NoticeID = id
		if err := s.requestApproval(ctx, tx, a); err != nil {
			return fmt.Errorf("ask for approval: %w", err)
		}
	}
	return nil
}
