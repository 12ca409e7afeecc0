package web

import "net/http"

// smsRoutes adds this part's routes (filled by its part of issue 12).
func (s *Server) smsRoutes(mux *http.ServeMux) {}
