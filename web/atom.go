package web

// Atom (RFC 4287) feeds: the notices, and the index of CAP messages.

import (
	"crypto/sha1"
	"encoding/xml"
	"fmt"
	"time"
)

// atomFeed is an Atom feed document.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

// atomEntry is one notice, or one CAP message.
type atomEntry struct {
	Lang       string         `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Links      []atomLink     `xml:"link"`
	Summary    string         `xml:"summary,omitempty"`
	Categories []atomCategory `xml:"category"`
}

// atomPerson is a feed's author: the utility.
type atomPerson struct {
	Name  string `xml:"name"`
	URI   string `xml:"uri,omitempty"`
	Email string `xml:"email,omitempty"`
}

type atomLink struct {
	Rel      string `xml:"rel,attr,omitempty"`
	Type     string `xml:"type,attr,omitempty"`
	Href     string `xml:"href,attr"`
	HrefLang string `xml:"hreflang,attr,omitempty"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

// atomTime writes t as RFC 3339 in UTC, to the second.
func atomTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// crierNoticeSpace is the name space of the UUIDs that identify notices
// in feeds (RFC 9562 name-based, version 5), chosen once for Crier: a
// notice's entry id then depends on its code alone, and stays the same if
// public_url changes.
var crierNoticeSpace = [16]byte{0x6b, 0x1e, 0x0c, 0x52, 0x8f, 0x3a, 0x4d, 0x61, 0x9c, 0x27, 0x5e, 0x40, 0xd3, 0x88, 0x19, 0xa4}

// noticeEntryID is the permanent Atom id of the notice with code: a
// urn:uuid that never changes.
func noticeEntryID(code string) string {
	h := sha1.New()
	h.Write(crierNoticeSpace[:])
	h.Write([]byte(code))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
