package web

import "net/http"

// pageRoutes adds this part's routes (filled by its part of issue 12).
func (s *Server) pageRoutes(mux *http.ServeMux) {}
