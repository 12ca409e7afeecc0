package config

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
