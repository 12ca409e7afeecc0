package notices

import (
	"context"
	"database/sql"
	"time"
)

// Server is a running crier serve, as it announced itself.
type Server struct {
	Worker    string
	AdminURL  string // http://host:port, its /wake and /healthz
	StartedAt time.Time
}

// RegisterServer announces a crier serve (named by its dispatcher's
// worker name) and where its admin server answers, replacing any earlier
// announcement at the same address: the port of a server that died and
// is now another's.
func (s *Store) RegisterServer(ctx context.Context, worker, adminURL string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM servers WHERE admin_url = ? OR worker = ?`, adminURL, worker); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO servers (worker, admin_url, started_at) VALUES (?, ?, ?)`, worker, adminURL, s.now())
		return err
	})
}

// UnregisterServer removes the server's announcement as it stops.
func (s *Store) UnregisterServer(ctx context.Context, worker string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM servers WHERE worker = ?`, worker)
		return err
	})
}

// Servers lists the announced servers, oldest first. One that died
// without saying so stays listed until another takes its address: a
// caller treats a server that does not answer as gone.
func (s *Store) Servers(ctx context.Context) ([]Server, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT worker, admin_url, started_at FROM servers ORDER BY started_at, worker`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Server
	for rows.Next() {
		var sv Server
		var started string
		if err := rows.Scan(&sv.Worker, &sv.AdminURL, &started); err != nil {
			return nil, err
		}
		sv.StartedAt = parseTime(started)
		out = append(out, sv)
	}
	return out, rows.Err()
}
