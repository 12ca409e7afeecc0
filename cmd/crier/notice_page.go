package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/crier-notices/crier/notices"
)

// writePageLine prints where notice n's public page is, when public_url
// is set: the address the flyer's QR code and {{.notice.url}} give. A
// notice not yet out says its page answers from then; a proof, and a
// notice cancelled before it went out, have no page.
func writePageLine(w io.Writer, s *notices.Store, publicURL string, n notices.Notice) error {
	page := notices.PageURL(publicURL, n.Code)
	if page == "" || n.Proof {
		return nil
	}
	_, err := s.PublicNotice(context.Background(), n.Code, time.Now())
	if err != nil && notices.ErrorCode(err) != notices.NotFound {
		return err
	}
	switch {
	case err == nil:
		fmt.Fprintf(w, "page:      %s\n", page)
	case n.Status == notices.Draft || n.Status == notices.Scheduled:
		fmt.Fprintf(w, "page:      %s (it answers once the notice goes out)\n", page)
	}
	return nil
}
