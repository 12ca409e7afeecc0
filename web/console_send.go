package web

import (
	"net/http"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
)

// consoleSendRoutes adds the routes that change notices: compose, save,
// preview, proof, send, cancel, resume, approve.
func (s *Server) consoleSendRoutes(change func(string, http.HandlerFunc), gets, posts map[string]subRoute) {
	change("GET /console/notices/new", s.newNoticeChooser)
	change("GET /console/notices/new/{template}", s.newNoticeForm)
	change("POST /console/notices/new/{template}/sms", s.newNoticeSMS)
}

// awaitingApproval reports whether notice n waits for a second
// coordinator's approval.
func (s *Server) awaitingApproval(r *http.Request, n notices.Notice) bool { return false }

// sentWords says what sending did.
func sentWords(sent app.Sent) string { return string(sent.Status) }
