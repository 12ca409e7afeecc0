package web

import (
	"net/http"

	"github.com/crier-notices/crier/notices"
)

// auditPageSize is how many entries of the audit log a page shows.
const auditPageSize = 50

// auditView is the audit log page's data.
type auditView struct {
	Entries []auditRow
	Older   int64 // the before= of the next page; 0 when there is none
	Newest  bool  // the page starts at the newest entry
	Zone    string
}

type auditRow struct {
	notices.AuditEntry
	When string // in the utility's zone
}

// auditPage shows the audit log, newest first, a page at a time
// (?before=ID continues after entry ID).
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	before := pageParam(r, "before")
	es, err := s.cfg.Store.AuditLog(r.Context(), auditPageSize+1, before)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v := auditView{Newest: before == 0, Zone: s.zone().String()}
	if len(es) > auditPageSize {
		es = es[:auditPageSize]
		v.Older = es[len(es)-1].ID
	}
	for _, e := range es {
		v.Entries = append(v.Entries, auditRow{e, e.At.In(s.zone()).Format("2006-01-02 15:04:05 MST")})
	}
	s.consolePage(w, r, http.StatusOK, "audit", ConsolePage{Title: "Audit log", Section: "audit", Data: v})
}
