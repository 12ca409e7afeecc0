package web

import "net/http"

// statusRoutes adds this part's routes (filled by its part of issue 12).
func (s *Server) statusRoutes(mux *http.ServeMux) {}
