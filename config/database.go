package config

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/crier-notices/crier/notices"
)

// EnvDatabaseURL names the variable that takes the place of crier.toml's
// database (a postgres:// URL, or a SQLite file's path from the working
// folder), so that several instances share one crier.toml and the
// PostgreSQL password stays out of it; EnvDatabaseURL+"_FILE" names a
// file holding it instead.
const EnvDatabaseURL = "CRIER_DATABASE_URL"

// databaseFromEnv puts CRIER_DATABASE_URL (or its file's content) in
// place of the file's database when it is set. Its errors never show the
// value.
func (c *Config) databaseFromEnv() error {
	dsn, err := ReadSecret(EnvDatabaseURL)
	if err != nil {
		return err
	}
	if dsn != "" {
		c.Database = dsn
	}
	return nil
}

// databaseSecret refuses a password in the file's database (a URL's
// user-info or password parameter, or a connection string's password=),
// as the file's SMTP password and Twilio token are refused: the URL
// belongs in CRIER_DATABASE_URL, or its password in PGPASSWORD or
// ~/.pgpass. The error names the file and the key, never the password.
func databaseSecret(file, dsn string) error {
	if !hasPassword(dsn) {
		return nil
	}
	shown := ""
	if notices.IsURL(dsn) {
		shown = " (" + notices.RedactDSN(dsn) + ")"
	}
	return fmt.Errorf("%s: database%s holds a password, and secrets do not belong in the configuration file: "+
		"remove the password and set %s (or %s_FILE, the path of a file holding the URL) in the environment, "+
		"or give the password in PGPASSWORD or ~/.pgpass", file, shown, EnvDatabaseURL, EnvDatabaseURL)
}

// hasPassword says whether dsn carries a password: what notices.DSNSecrets
// finds, a user-info with a colon in a URL that does not parse, or a
// password word in a connection string.
func hasPassword(dsn string) bool {
	if !notices.IsURL(dsn) {
		return strings.Contains(strings.ToLower(dsn), "password=")
	}
	if len(notices.DSNSecrets(dsn)) > 0 {
		return true
	}
	if _, err := url.Parse(dsn); err == nil {
		return false
	}
	_, rest, _ := strings.Cut(dsn, "://")
	userinfo, _, found := strings.Cut(rest, "@")
	return strings.Contains(strings.ToLower(rest), "password") || found && strings.Contains(userinfo, ":")
}
