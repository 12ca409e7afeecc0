package templates

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"image"
	_ "image/png" // the logo is a PNG
	"io"
	"math"
	"mime/multipart"
	"net/textproto"
	"strings"
)

// The most room the logo takes at the top of the HTML email, in CSS
// pixels: about a header's height, and narrower than a phone.
const (
	emailLogoMaxWidth  = 200
	emailLogoMaxHeight = 60
)

// emailLogo is the utility's logo as the HTML email shows it: an inline
// image part of the email (multipart/related), named by its Content-ID,
// because mail clients block remote images by default and a logo that
// needs a click to appear says nothing.
type emailLogo struct {
	png           []byte
	cid           string // Content-ID without angle brackets
	width, height int    // as shown, in CSS pixels
}

// newEmailLogo reads the size of a PNG logo and scales it down to fit
// emailLogoMaxWidth × emailLogoMaxHeight (never up). No logo gives nil.
// Its Content-ID comes from its bytes, so the same notice gives the same
// email.
func newEmailLogo(png []byte) (*emailLogo, error) {
	if len(png) == 0 {
		return nil, nil
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(png))
	if err == nil && format != "png" {
		err = fmt.Errorf("it is a %s image", format)
	}
	if err == nil && (cfg.Width == 0 || cfg.Height == 0) {
		err = fmt.Errorf("it is %d×%d pixels", cfg.Width, cfg.Height)
	}
	if err != nil {
		return nil, fmt.Errorf("email: the utility logo is not a valid PNG image: %w", err)
	}
	scale := min(1, float64(emailLogoMaxWidth)/float64(cfg.Width), float64(emailLogoMaxHeight)/float64(cfg.Height))
	sum := sha256.Sum256(png)
	return &emailLogo{
		png:    png,
		cid:    "logo-" + hex.EncodeToString(sum[:8]) + "@crier",
		width:  max(1, int(math.Round(float64(cfg.Width)*scale))),
		height: max(1, int(math.Round(float64(cfg.Height)*scale))),
	}, nil
}

// emailLogo returns r's logo: the one Render made, or for a Rendering
// made otherwise, a new one (not kept, as renderings are shared by the
// goroutines that send).
func (r *Rendering) emailLogo() (*emailLogo, error) {
	if r.logo != nil || len(r.Utility.Logo) == 0 {
		return r.logo, nil
	}
	return newEmailLogo(r.Utility.Logo)
}

// src is the address the HTML part gives the logo's <img>. html/template
// lets only http, https and mailto through, so the cid: address is marked
// safe: it is made here from hex digits, never from a value.
func (l *emailLogo) src() template.URL {
	if l == nil {
		return ""
	}
	return template.URL("cid:" + l.cid)
}

// emailBody encodes the email's body once per notice: the text and HTML
// alternatives and, with a logo, the logo beside them as an inline part of
// multipart/related (RFC 2387). It returns the body's Content-Type.
func emailBody(content [32]byte, text, html string, logo *emailLogo) (contentType string, body *mimeBody, err error) {
	alternative, err := alternativeBody(content, text, html)
	if err != nil {
		return "", nil, err
	}
	altType := `multipart/alternative; boundary="` + boundaryOf(content) + `"`
	if logo == nil {
		alternative.stuff()
		return altType, alternative, nil
	}
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	// Another boundary than the alternative's, as a part must not hold
	// its parent's; base64 and quoted-printable never write "-r-".
	if err := w.SetBoundary("crier-r-" + boundaryOf(content)[len("crier-"):]); err != nil {
		return "", nil, err
	}
	pw, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {altType}})
	if err != nil {
		return "", nil, err
	}
	at := b.Len()
	if _, err := pw.Write(alternative.b); err != nil {
		return "", nil, err
	}
	pw, err = w.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {`image/png; name="logo.png"`},
		"Content-Transfer-Encoding": {"base64"},
		"Content-ID":                {"<" + logo.cid + ">"},
		"Content-Disposition":       {`inline; filename="logo.png"`},
	})
	if err != nil {
		return "", nil, err
	}
	if err := writeBase64Lines(pw, logo.png); err != nil {
		return "", nil, err
	}
	if err := w.Close(); err != nil {
		return "", nil, err
	}
	related := &mimeBody{b: b.Bytes(), holes: [2]int{at + alternative.holes[0], at + alternative.holes[1]}}
	related.stuff()
	return `multipart/related; type="multipart/alternative"; boundary="` + w.Boundary() + `"`, related, nil
}

// writeBase64Lines writes data in base64, in lines of 76 characters as
// MIME asks (RFC 2045).
func writeBase64Lines(w io.Writer, data []byte) error {
	enc := base64.StdEncoding.EncodeToString(data)
	var b bytes.Buffer
	b.Grow(len(enc) + len(enc)/76*2 + 2)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	_, err := w.Write(b.Bytes())
	return err
}

// size is the logo's size as shown, in CSS pixels: 0 × 0 without one.
func (l *emailLogo) size() (width, height int) {
	if l == nil {
		return 0, 0
	}
	return l.width, l.height
}

// PreviewHTML is the HTML part as a file that a browser opens on its own
// (render's email.html): the logo, which the email carries as a part of
// its own, is written into the page as a data: address.
func (r *Rendering) PreviewHTML() (string, error) {
	html, err := r.HTML()
	if err != nil {
		return "", err
	}
	logo, err := r.emailLogo()
	if err != nil || logo == nil {
		return html, err
	}
	return strings.Replace(html, `src="cid:`+logo.cid+`"`, `src="data:image/png;base64,`+base64.StdEncoding.EncodeToString(logo.png)+`"`, 1), nil
}
