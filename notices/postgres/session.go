package postgres

import "github.com/jackc/pgx/v5"

// sessionDefaults sets what the store's sessions run with, where the URL
// does not say otherwise. JIT off: the server compiles a query whose
// estimated cost is high, such as counting an audience over every
// contact, and the compiling took most of its time (2.5 s of a 100,000
// contact audience's count, 0.43 s without it).
func sessionDefaults(cfg *pgx.ConnConfig) {
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
}
