package web

import "github.com/crier-notices/crier/notices"

// storeOf is the test server's store as the tests made it, for what they
// set up beyond what the server reads.
func storeOf(s *Server) *notices.Store { return s.cfg.Store.(*notices.Store) }
