package notices

import (
	"net/url"
	"strings"
)

// IsURL reports whether dsn is a database URL (scheme://…) rather than a
// file path: the one test of it for the dialects, the configuration and
// the commands.
func IsURL(dsn string) bool { return strings.Contains(dsn, "://") }

// RedactDSN is dsn as messages and logs may show it: a file path as it
// is; a URL with the password of its user-info replaced by xxxxx and its
// password query parameters (password, sslpassword) removed; a URL that
// does not parse (an unescaped % or # in a password) as its scheme and
// "(unreadable URL)" only, never the text itself. A connection string of
// key=value words (which Crier refuses, but a user may give) with a
// password in it is shown as "(a connection string with a password)".
func RedactDSN(dsn string) string {
	if !IsURL(dsn) {
		if strings.Contains(strings.ToLower(dsn), "password=") {
			return "(a connection string with a password)"
		}
		return dsn
	}
	u, err := url.Parse(dsn)
	if err == nil {
		_, err = url.ParseQuery(u.RawQuery)
	}
	if err != nil {
		scheme, _, _ := strings.Cut(dsn, "://")
		if scheme == "" || strings.Trim(strings.ToLower(scheme), "abcdefghijklmnopqrstuvwxyz0123456789+-.") != "" {
			return "(unreadable URL)"
		}
		return scheme + "://(unreadable URL)"
	}
	if u.RawQuery != "" {
		q := u.Query()
		for _, k := range secretParams(q) {
			q.Del(k)
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// DSNSecrets lists the passwords dsn carries (in its user-info and its
// query parameters), for scrubbing from a driver's messages.
func DSNSecrets(dsn string) []string {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil
	}
	var secrets []string
	if pw, ok := u.User.Password(); ok && pw != "" {
		secrets = append(secrets, pw)
	}
	q := u.Query()
	for _, k := range secretParams(q) {
		for _, v := range q[k] {
			if v != "" {
				secrets = append(secrets, v)
			}
		}
	}
	return secrets
}

// secretParams are the query parameters of q that hold a password, in
// any case (libpq's and pgx's keys: password, sslpassword).
func secretParams(q url.Values) []string {
	var keys []string
	for k := range q {
		if strings.Contains(strings.ToLower(k), "password") {
			keys = append(keys, k)
		}
	}
	return keys
}
