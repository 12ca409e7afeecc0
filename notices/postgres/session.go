package postgres

import "github.com/jackc/pgx/v5"

// stalledTransaction is how long the server lets a session of the store
// sit idle inside a transaction before it ends the session, rolling the
// transaction back and releasing its locks. Crier runs no transaction
// that waits between its statements for anything but the database
// (milliseconds); one idle this long belongs to a process that stopped
// (a paused virtual machine, SIGSTOP) and holds the row locks of the
// deliveries it was claiming or recording, or an import's lock on the
// contacts, which no other instance could then take until it continued.
// A few times the default lease (2 minutes).
const stalledTransaction = "5min"

// sessionDefaults sets what the store's sessions run with, where the URL
// does not say otherwise. JIT off: the server compiles a query whose
// estimated cost is high, such as counting an audience over every
// contact, and the compiling took most of its time (2.5 s of a 100,000
// contact audience's count, 0.43 s without it). A stalled transaction
// ended after stalledTransaction.
func sessionDefaults(cfg *pgx.ConnConfig) {
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
	if _, ok := cfg.RuntimeParams["idle_in_transaction_session_timeout"]; !ok {
		cfg.RuntimeParams["idle_in_transaction_session_timeout"] = stalledTransaction
	}
}
