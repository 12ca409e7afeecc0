package templates

import (
	"sync/atomic"
	"time"

	"github.com/yuin/goldmark/ast"
)

// Rendering is a notice filled and rendered for one language: the texts every
// channel needs, computed once per notice and language.
type Rendering struct {
	Template *Template
	Lang     string
	Title    string // the headline
	Subject  string // email subject
	SMS      SMS    // the text message, counted

	// Source is the body as Markdown with the field values inserted
	// (escaped), and Doc its parse tree, shared by every renderer.
	Source []byte
	Doc    ast.Node

	Utility Utility
	Date    time.Time // the notice's date: the flyer's date line and the email's Date header
	URL     string    // the notice's public web address (QR code, links); optional

	// The email parts, rendered once by Render for every email of the notice.
	// html holds the line where each recipient's preferences link goes
	// (preferencesHole); HTML leaves it out.
	html, text string
	digest     [32]byte // of subject, text and HTML: the MIME boundary and default Message-ID derive from it
	// body is the email's body, encoded once: each recipient's email is
	// its own headers and these bytes. It is multipart/alternative with
	// both parts quoted-printable, inside multipart/related beside the
	// logo when the utility has one; bodyType is its Content-Type.
	body     *mimeBody
	bodyType string
	logo     *emailLogo // the utility's logo in the HTML email; nil without one
	// heads holds the header lines and envelope every recipient's email
	// shares, for the last From and Reply-To asked for (see head).
	heads atomic.Pointer[emailHead]
}
