package sinks

import (
	"bytes"
	"net/url"
)

// leanForm is what an answer reads of a message create's form: the first
// value of each field it checks (as url.Values.Get gives it) and how many
// MediaUrl it has.
type leanForm struct {
	to, from, service, body, contentSID []byte
	media                               int
}

// maxParams is url.ParseQuery's limit on a query's parameters (its
// default: GODEBUG urlmaxqueryparams can change it, which is why a form
// past it is left to ParseQuery).
const maxParams = 10000

// decodeForm decodes form as url.ParseQuery does, keeping leanForm's
// fields; values with escapes are unescaped into scratch (returned, to be
// reused), the others are slices of form. ok is false where ParseQuery
// would return an error, or past maxParams: the caller asks ParseQuery.
func decodeForm(form, scratch []byte) (f leanForm, _ []byte, ok bool) {
	if bytes.Count(form, []byte("&"))+1 > maxParams {
		return f, scratch, false
	}
	// Unescaped, the form is no longer than it was: values kept in
	// scratch stay where they are.
	if cap(scratch) < len(form) {
		scratch = make([]byte, 0, len(form))
	}
	scratch = scratch[:0]
	var seen uint8
	for len(form) > 0 {
		var pair []byte
		pair, form, _ = bytes.Cut(form, []byte("&"))
		if bytes.IndexByte(pair, ';') >= 0 {
			return f, scratch, false
		}
		if len(pair) == 0 {
			continue
		}
		k, v, _ := bytes.Cut(pair, []byte("="))
		mark := len(scratch)
		var key, value []byte
		if key, scratch, ok = unescape(scratch, k); !ok {
			return f, scratch, false
		}
		field := formField(key)
		scratch = scratch[:mark]
		if value, scratch, ok = unescape(scratch, v); !ok {
			return f, scratch, false
		}
		if !f.set(field, value, &seen) {
			scratch = scratch[:mark]
		}
	}
	return f, scratch, true
}

// The fields of a message create an answer reads.
const (
	fieldOther = iota
	fieldTo
	fieldFrom
	fieldService
	fieldBody
	fieldContentSID
	fieldMedia
)

// formField is which of the fields key names.
func formField(key []byte) int {
	switch string(key) {
	case "To":
		return fieldTo
	case "From":
		return fieldFrom
	case "MessagingServiceSid":
		return fieldService
	case "Body":
		return fieldBody
	case "ContentSid":
		return fieldContentSID
	case "MediaUrl":
		return fieldMedia
	}
	return fieldOther
}

// set keeps value as field's if it is the field's first; it reports
// whether value is kept.
func (f *leanForm) set(field int, value []byte, seen *uint8) bool {
	bit := uint8(1) << field
	if field == fieldMedia {
		f.media++
	}
	if field == fieldOther || field == fieldMedia || *seen&bit != 0 {
		return false
	}
	*seen |= bit
	switch field {
	case fieldTo:
		f.to = value
	case fieldFrom:
		f.from = value
	case fieldService:
		f.service = value
	case fieldBody:
		f.body = value
	case fieldContentSID:
		f.contentSID = value
	}
	return true
}

// formOf is leanForm from a form url.ParseQuery decoded.
func formOf(v url.Values) leanForm {
	return leanForm{
		to:         []byte(v.Get("To")),
		from:       []byte(v.Get("From")),
		service:    []byte(v.Get("MessagingServiceSid")),
		body:       []byte(v.Get("Body")),
		contentSID: []byte(v.Get("ContentSid")),
		media:      len(v["MediaUrl"]),
	}
}

// unescape is s unescaped as url.QueryUnescape does ('+' a space, %XX a
// byte), appended to dst, or s itself when it has nothing to unescape;
// ok is false where QueryUnescape returns an error.
func unescape(dst, s []byte) (out, _ []byte, ok bool) {
	if bytes.IndexByte(s, '%') < 0 && bytes.IndexByte(s, '+') < 0 {
		return s, dst, true
	}
	start := len(dst)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return nil, dst[:start], false
			}
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case '+':
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst[start:], dst, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
