package notices

import "context"

// A Lead is a process's hold on a role that one process of a database has
// at a time, such as firing the campaigns (Store.TryLead).
type Lead interface {
	// Held asks the database whether the role is still this process's:
	// an error says it is not, or can no longer be told (the connection
	// holding it has ended: the server restarted, the network failed, an
	// administrator ended it), and another process may have it now.
	Held(ctx context.Context) error
	// Release gives the role up, for another process to take.
	Release()
}

// TryLead takes the role called name without waiting: a nil Lead and no
// error when another process holds it. On PostgreSQL the role is a
// session advisory lock held on a connection of its own, which the
// server releases when that connection ends, however its process died;
// on SQLite, whose file one machine's processes share, every process
// leads: what must happen once is kept once by the store's keys (a
// campaign run by its (campaign, scheduled time)).
func (s *Store) TryLead(ctx context.Context, name string) (Lead, error) {
	if s.dbase.TryLead == nil {
		return alwaysLead{}, nil
	}
	return s.dbase.TryLead(ctx, name)
}

// alwaysLead is the Lead of an engine without rivals.
type alwaysLead struct{}

func (alwaysLead) Held(context.Context) error { return nil }
func (alwaysLead) Release()                   {}
