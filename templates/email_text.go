package templates

// EmailText returns the email's plain text part as every recipient gets
// it, before their own preferences line: headline, date line, body, the
// link to the notice and the contact footer. A preview (the JSON API's,
// the console's) shows it beside the HTML part.
func (r *Rendering) EmailText() string { return r.emailText() }
