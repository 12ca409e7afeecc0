package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/crier-notices/crier/internal/browsertest"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// TestPublicPagesAccessible is acceptance 2 of issue 13 for the
// customers' side: in headless Chromium, axe-core finds no WCAG 2.2 AA
// violation on a notice's page in English and in Spanish, a withdrawn
// notice's and a proof's, the list of notices, the email preferences page
// in both languages, an unsubscribe link that is not valid and the page of
// an address that has nothing; each shows the keyboard's focus and reads
// at a tablet's and a phone's width without scrolling sideways.
func TestPublicPagesAccessible(t *testing.T) {
	s, st := newPageServer(t, nil)
	importPageCustomers(t, st)
	n := publishNotice(t, s, createNotice(t, s, "boil-water-advisory", time.Time{}, notices.Email, notices.SMS))
	withdrawn := publishNotice(t, s, createNotice(t, s, "main-break", time.Time{}, notices.Email))
	if _, err := st.CancelNotice(context.Background(), withdrawn.ID); err != nil {
		t.Fatal(err)
	}
	proof := sendProof(t, s)
	prefs := links(t, st, n.ID)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	browsertest.CheckPages(t, srv.URL, nil,
		browsertest.Page{Path: "/n/" + n.Code},
		browsertest.Page{Path: "/n/" + n.Code + "/es"},
		browsertest.Page{Path: "/n/" + withdrawn.Code},
		browsertest.Page{Path: "/n/" + proof.Code},
		browsertest.Page{Path: "/notices"},
		browsertest.Page{Path: "/notices?lang=es"},
		browsertest.Page{Path: prefs[pageCustomers[0].email]},
		browsertest.Page{Path: prefs[pageCustomers[1].email]},
		browsertest.Page{Path: "/unsubscribe/99999/AAAAAAAAAAAAAAAAAAAAAA", Status: http.StatusNotFound},
		browsertest.Page{Path: "/nowhere", Status: http.StatusNotFound},
	)
}

// TestPreferencesWithAKeyboard: a customer who uses no mouse sets their
// email preferences from the link of an email with the Tab, Space and
// Enter keys; the page that answers says the choices are saved, with no
// WCAG 2.2 AA violation, and the store holds them.
func TestPreferencesWithAKeyboard(t *testing.T) {
	s, st := newPageServer(t, nil)
	importPageCustomers(t, st)
	n := publishNotice(t, s, createNotice(t, s, "planned-service-interruption", time.Time{}, notices.Email))
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	email := pageCustomers[1].email // in Spanish

	b := browsertest.New(t)
	b.Open(srv.URL + links(t, st, n.ID)[email])
	b.Step("tab to the box of information notices and clear it",
		browsertest.TabTo(`input[name="information"]`), browsertest.Press(" "))
	b.Step("tab to save and press Enter",
		browsertest.TabTo(`form:has(input[name="choose"]) button`), browsertest.Press("\r"),
		browsertest.WaitText(`[role="status"]`, "Sus preferencias se guardaron."))
	b.Axe()
	if out, err := st.OptedOut(context.Background(), email); err != nil || !slices.Equal(out, []templates.Category{templates.Information}) {
		t.Errorf("the customer opted out of %v (%v); want information notices", out, err)
	}
}
