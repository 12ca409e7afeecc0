package web

import "net/http"

// unsubscribeRoutes adds this part's routes (filled by its part of issue 12).
func (s *Server) unsubscribeRoutes(mux *http.ServeMux) {}
