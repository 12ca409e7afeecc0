package sinks

import (
	"strconv"
	"unicode/utf8"
)

// appendMessage appends the message resource a create answers, as
// json.Marshal writes message: the same fields, in the same order, with
// the same escapes.
func appendMessage(dst, account []byte, f *leanForm, sid, date []byte) []byte {
	dst = appendJSONField(dst, `{"account_sid":`, account)
	dst = append(dst, `,"api_version":"2010-04-01"`...)
	dst = appendJSONField(dst, `,"body":`, f.body)
	dst = appendJSONField(dst, `,"date_created":`, date)
	dst = append(dst, `,"date_sent":null`...)
	dst = appendJSONField(dst, `,"date_updated":`, date)
	dst = append(dst, `,"direction":"outbound-api","error_code":null,"error_message":null`...)
	dst = appendJSONNullable(dst, `,"from":`, f.from)
	dst = appendJSONNullable(dst, `,"messaging_service_sid":`, f.service)
	dst = append(dst, `,"num_media":"`...)
	dst = strconv.AppendInt(dst, int64(f.media), 10)
	dst = append(dst, `","num_segments":"`...)
	dst = strconv.AppendInt(dst, int64(segments(f.body)), 10)
	dst = append(dst, `","price":null,"price_unit":null`...)
	dst = appendJSONField(dst, `,"sid":`, sid)
	dst = append(dst, `,"status":"queued","subresource_uris":{"media":"`...)
	dst = appendMessageURI(dst, account, sid)
	dst = append(dst, `/Media.json"}`...)
	dst = appendJSONField(dst, `,"to":`, f.to)
	dst = append(dst, `,"uri":"`...)
	dst = appendMessageURI(dst, account, sid)
	return append(dst, `.json"}`...)
}

// appendMessageURI appends the message's path, escaped for inside a JSON
// string.
func appendMessageURI(dst, account, sid []byte) []byte {
	dst = append(dst, messagesPrefix...)
	dst = appendJSONEscaped(dst, account)
	dst = append(dst, "/Messages/"...)
	return appendJSONEscaped(dst, sid)
}

// appendJSONField appends name (with its punctuation) and s as a JSON
// string.
func appendJSONField(dst []byte, name string, s []byte) []byte {
	dst = append(dst, name...)
	dst = append(dst, '"')
	dst = appendJSONEscaped(dst, s)
	return append(dst, '"')
}

// appendJSONNullable is appendJSONField, with null for an empty s.
func appendJSONNullable(dst []byte, name string, s []byte) []byte {
	if len(s) == 0 {
		return append(append(dst, name...), "null"...)
	}
	return appendJSONField(dst, name, s)
}

// appendJSONEscaped appends s escaped as json.Marshal escapes a string's
// contents: '"' and '\\' with a backslash, \b \f \n \r \t, other control
// characters and HTML's <, > and & as \u00XX, invalid UTF-8 as \ufffd,
// and U+2028 and U+2029 as \u2028 and \u2029.
func appendJSONEscaped(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}
