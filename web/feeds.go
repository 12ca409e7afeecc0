package web

import "net/http"

// feedRoutes adds this part's routes (filled by its part of issue 12).
func (s *Server) feedRoutes(mux *http.ServeMux) {}
