package templates

// EmailText returns the email's plain text part as it is sent (headline,
// date line, body, link to the notice, contact footer), for a preview
// beside the HTML part.
func (r *Rendering) EmailText() string { return r.emailText() }
