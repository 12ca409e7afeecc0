package web

import (
	_ "embed"
	"net/http"
)

// openAPIDocument is the OpenAPI 3.1 description of the JSON API, written
// by hand; TestOpenAPIMatchesRoutes holds it to apiRouteTable both ways.
//
//go:embed openapi.json
var openAPIDocument []byte

// apiOpenAPI answers GET /api/v1/openapi.json with the document.
func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDocument)
}
