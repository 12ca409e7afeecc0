package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// apiRoute is one route of the JSON API: its method and path under
// APIPrefix, the role a token needs, and its handler. apiRouteTable is the
// only list of them, so the OpenAPI test compares the document with what
// is served.
type apiRoute struct {
	Method string
	Path   string // the mux pattern's path: "/api/v1/notices/{id}"
	Role   notices.Role
	Handle func(http.ResponseWriter, *http.Request)
}

// apiRouteTable lists every route of the JSON API.
func (s *Server) apiRouteTable() []apiRoute {
	v, c := notices.RoleViewer, notices.RoleCoordinator
	return []apiRoute{
		{"GET", APIPrefix + "openapi.json", v, s.apiOpenAPI},
		{"GET", APIPrefix + "templates", v, s.apiTemplates},
		{"GET", APIPrefix + "templates/{name}", v, s.apiTemplate},
		{"POST", APIPrefix + "preview", c, s.apiPreviewNotice},
		{"GET", APIPrefix + "notices", v, s.apiNotices},
		{"POST", APIPrefix + "notices", c, s.apiCreateNotice},
		{"GET", APIPrefix + "notices/{id}", v, s.apiNotice},
		{"GET", APIPrefix + "notices/{id}/report", v, s.apiReport},
		{"POST", APIPrefix + "notices/{id}/cancel", c, s.apiCancel},
		{"POST", APIPrefix + "contacts/import", c, s.apiImport},
		{"GET", APIPrefix + "campaigns", v, s.apiCampaigns},
	}
}

// apiRoutes adds the JSON API, each route behind its token's role. Without
// an application core (Config.App) there is no API: its addresses answer
// 404 like any unknown one.
func (s *Server) apiRoutes(mux *http.ServeMux) {
	if s.cfg.App == nil {
		return
	}
	routes := s.apiRouteTable()
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Path, s.apiOnly(rt.Role, http.HandlerFunc(rt.Handle)))
	}
	// Anything else under the prefix, for a token holder: 405 with the
	// methods a route takes, else 404, in the API's error form; 401
	// without a token.
	mux.Handle(APIPrefix, s.apiOnly(notices.RoleViewer, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(routes, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			apiError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s takes %s, not %s", r.URL.Path, strings.Join(allow, " or "), r.Method))
			return
		}
		apiError(w, http.StatusNotFound, fmt.Sprintf("no API route %s %s: GET %sopenapi.json lists them", r.Method, r.URL.Path, APIPrefix))
	})))
}

// allowedMethods returns the methods the routes take at r's path.
func allowedMethods(routes []apiRoute, r *http.Request) []string {
	var allow []string
	for _, rt := range routes {
		probe := http.NewServeMux()
		probe.Handle(rt.Method+" "+rt.Path, http.NotFoundHandler())
		req := r.Clone(r.Context())
		req.Method = rt.Method
		if _, pattern := probe.Handler(req); pattern != "" && !slices.Contains(allow, rt.Method) {
			allow = append(allow, rt.Method)
		}
	}
	return allow
}

// apiProblem is one bad field of a request, as the API shows it.
type apiProblem struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// apiErrorBody is every error the API answers with: a sentence, and for a
// refused request each bad field with what is wrong with it.
type apiErrorBody struct {
	Error    string       `json:"error"`
	Problems []apiProblem `json:"problems,omitempty"`
}

// apiStatus is the HTTP status of an error of the application core.
func apiStatus(err error) int {
	switch app.ErrorCode(err) {
	case notices.Invalid:
		return http.StatusBadRequest
	case notices.NotFound:
		return http.StatusNotFound
	case notices.Conflict:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// apiFail answers with err as JSON: 400 with every bad field for invalid
// input, 404, 409, 413 for a body over its limit, or 500 for a fault of Crier, whose words go to the log
// only (they may name files or the database).
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		apiError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over the limit of %s", byteSize(tooLarge.Limit)))
		return
	}
	status := apiStatus(err)
	if status == http.StatusInternalServerError {
		s.log.Error("web: an API request failed", "method", r.Method, "path", logPath(r.URL.Path), "err", err)
		apiError(w, status, "Crier could not do this because of a fault on its side; the server's log says more")
		return
	}
	body := apiErrorBody{Error: err.Error()}
	var ie *app.InvalidError
	if errors.As(err, &ie) {
		body.Error = ie.Message
		for _, p := range app.ProblemsOf(err) {
			body.Problems = append(body.Problems, apiProblem{Field: p.Field, Message: p.Message})
		}
	}
	writeJSON(w, status, body)
}

// byteSize says n bytes in words: "1 MB".
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		apiError(w, http.StatusInternalServerError, "Crier could not write its answer")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// maxJSONBody is the largest JSON request body the API reads: a notice's
// values are at most a few tens of kilobytes (templates.MaxLengthCeiling a
// field). A contact file has its own, larger limit (maxSignedInBody).
const maxJSONBody = 1 << 20

// readJSON decodes the request's JSON body into v, a pointer to a struct.
// A body over maxJSONBody is an *http.MaxBytesError (413); one not JSON, with a field v does not have or a
// value of the wrong type is refused with every such field named.
func readJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return app.Invalid("the request body must be JSON", app.Problem{Message: fmt.Sprintf("Content-Type is %q: send application/json", ct)})
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	if err != nil {
		return app.Invalid("the request body could not be read", app.Problem{Message: err.Error()})
	}
	if len(data) > maxJSONBody {
		return &http.MaxBytesError{Limit: maxJSONBody}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return app.Invalid("the request needs a JSON body", app.Problem{Message: "the body is empty"})
	}
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return app.Invalid("the request body is not JSON", app.Problem{Message: err.Error()})
	}
	if problems := fieldProblems(raw, reflectType(v), ""); len(problems) > 0 {
		return app.Invalid("the request has fields this API does not take", problems...)
	}
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return app.Invalid("the request has a value of the wrong type", app.Problem{Field: te.Field, Message: "must be " + jsonKind(te.Type.Kind().String())})
		}
		return app.Invalid("the request body is not what this API takes", app.Problem{Message: err.Error()})
	}
	return nil
}
