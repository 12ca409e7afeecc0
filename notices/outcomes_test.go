package notices

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// migrateUpTo applies the migrations before version v, as an older crier did.
func migrateUpTo(t *testing.T, s *Store, v int) {
	t.Helper()
	ctx := context.Background()
	ms, sqls, err := s.loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, createMigrationsTable); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version >= v {
			break
		}
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, sqls[m.Version]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.Version, m.Name, s.now())
			return err
		})
		if err != nil {
			t.Fatalf("migration %d: %v", m.Version, err)
		}
	}
}

// TestMigration0009KeepsDeliveries: rebuilding deliveries to allow
// undelivered keeps every row as it was, with its id, every index, and
// the rule that a notice goes once to an address on a channel.
func TestMigration0009KeepsDeliveries(t *testing.T) {
	ctx := context.Background()
	s, err := OpenWithoutMigrating(ctx, filepath.Join(t.TempDir(), "crier.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	migrateUpTo(t, s, 9)
	// Rows as crier with schema 8 wrote them (SQL, not today's store code,
	// which needs the later migrations).
	const at = "2026-12-01T10:00:00.000000000Z"
	seed := []string{
		`INSERT INTO notices (id, template, channels, status, created_at, updated_at, published_at, code) VALUES (1, 'hydrant-flushing', 'email,sms', 'sending', '` + at + `', '` + at + `', '` + at + `', 'abcdefghjk')`,
		`INSERT INTO deliveries (id, notice_id, channel, address, name, language, status, attempts, next_attempt_at, provider_id, created_at, updated_at, priority, sent_at)
			VALUES (1, 1, 'sms', '+13155550101', 'Ana', 'es', 'sent', 1, '` + at + `', 'SM0123', '` + at + `', '` + at + `', 1, '` + at + `')`,
		`INSERT INTO deliveries (id, notice_id, channel, address, language, next_attempt_at, created_at, updated_at) VALUES (2, 1, 'email', 'bo@example.org', 'en', '` + at + `', '` + at + `', '` + at + `')`,
		`INSERT INTO deliveries (id, notice_id, channel, address, language, status, error, next_attempt_at, created_at, updated_at) VALUES (7, 1, 'sms', '+13155550102', 'en', 'failed', 'permanent failure 21211', '` + at + `', '` + at + `', '` + at + `')`,
	}
	for _, q := range seed {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const rows = `SELECT id, notice_id, channel, address, name, language, status, attempts, next_attempt_at, provider_id, error, created_at, updated_at, priority, coalesce(sent_at, '') FROM deliveries ORDER BY id`
	before, err := queryRows(ctx, s.db, rows)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if after, err := queryRows(ctx, s.db, rows); err != nil || !slices.Equal(before, after) {
		t.Errorf("deliveries changed by the migration (%v):\n%v\n%v", err, before, after)
	}
	d := struct {
		ID       int64
		NoticeID int64
		Channel  string
		Address  string
	}{1, 1, "sms", "+13155550101"}
	idx, err := QueryStrings(ctx, s.db, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"deliveries_address", "deliveries_contact", "deliveries_failed", "deliveries_open", "deliveries_provider", "deliveries_queued", "deliveries_sending", "sqlite_autoindex_deliveries_1"}
	if !slices.Equal(idx, want) {
		t.Errorf("indexes %v, want %v", idx, want)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO deliveries (notice_id, channel, address, language, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, 'en', '', '', '')`,
		d.NoticeID, d.Channel, d.Address); err == nil {
		t.Error("a second delivery of the notice to the same address was stored")
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE deliveries SET status = 'undelivered' WHERE id = ?`, d.ID); err != nil {
		t.Errorf("undelivered refused: %v", err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE deliveries SET status = 'lost' WHERE id = ?`, d.ID); err == nil {
		t.Error("a status outside the list was stored")
	}
	var plan string
	_, reportFind := reportSQL(SMS)
	if err := s.db.QueryRowContext(ctx, `EXPLAIN QUERY PLAN `+reportFind, "sms", "SM0123").Scan(new(int), new(int), new(int), &plan); err != nil {
		t.Fatal(err)
	}
	if want := "USING INDEX deliveries_provider"; !strings.Contains(plan, want) {
		t.Errorf("a provider's report looks its delivery up by %q, want %q", plan, want)
	}
}

// TestProviderReportIsNeverOlderNews: what a report may and may not change.
func TestProviderReportIsNeverOlderNews(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	addContacts(t, s, "c", 4)
	id := publishNotice(t, s, Notice{Channels: []Channel{SMS}})
	ds := claim(t, s, SMS, "w1", id, 4)
	record(t, s,
		Outcome{ID: ds[0].ID, Status: DeliverySent, Attempted: true, ProviderID: "SMsent"},
		Outcome{ID: ds[1].ID, Status: DeliveryFailed, Attempted: true, ProviderID: "SMfailed", Error: "permanent failure 21211"},
		Outcome{ID: ds[2].ID, Status: DeliveryCancelled, ProviderID: "SMcancelled"},
		Outcome{ID: ds[3].ID, Status: DeliverySuppressed, ProviderID: "SMsuppressed"})
	tests := []struct {
		name    string
		report  ProviderReport
		want    DeliveryStatus
		changed bool
		code    Code // of the error; "" for none
	}{
		{name: "sent after sent", report: ProviderReport{ProviderID: "SMsent", Status: DeliverySent}, want: DeliverySent},
		{name: "undelivered", report: ProviderReport{ProviderID: "SMsent", Status: DeliveryUndelivered, Code: "30003", Error: "Twilio 30003: unreachable"}, want: DeliveryUndelivered, changed: true},
		{name: "then delivered", report: ProviderReport{ProviderID: "SMsent", Status: DeliveryDelivered}, want: DeliveryDelivered, changed: true},
		{name: "delivered stays delivered", report: ProviderReport{ProviderID: "SMsent", Status: DeliveryFailed, Code: "30008"}, want: DeliveryDelivered},
		{name: "a failure is not revived by sent", report: ProviderReport{ProviderID: "SMfailed", Status: DeliverySent}, want: DeliveryFailed},
		{name: "cancelled stays cancelled", report: ProviderReport{ProviderID: "SMcancelled", Status: DeliveryDelivered}, want: DeliveryCancelled},
		{name: "suppressed stays suppressed", report: ProviderReport{ProviderID: "SMsuppressed", Status: DeliverySent}, want: DeliverySuppressed},
		{name: "unknown id", report: ProviderReport{ProviderID: "SMnone", Status: DeliveryDelivered}, code: NotFound},
		{name: "another channel's id", report: ProviderReport{Channel: Email, ProviderID: "SMsent", Status: DeliveryDelivered}, code: NotFound},
		{name: "not an outcome", report: ProviderReport{ProviderID: "SMsent", Status: DeliveryQueued}, code: Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.report.Channel == "" {
				tt.report.Channel = SMS
			}
			out, err := s.RecordProviderReport(ctx, tt.report)
			if tt.code != "" {
				if ErrorCode(err) != tt.code {
					t.Fatalf("err %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != tt.want || out.Changed != tt.changed || out.NoticeID != id {
				t.Errorf("outcome %+v, want %s (changed %v) of notice %d", out, tt.want, tt.changed, id)
			}
		})
	}
	d := deliveryByID(t, s, ds[0].ID)
	if d.Error != "" {
		t.Errorf("delivered keeps the error %q; want none: the state is the latest news alone, whatever came first", d.Error)
	}
	r, err := s.Report(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Channel(SMS); c.Delivered != 1 || c.Failed != 1 || c.Undelivered != 0 {
		t.Errorf("report %+v", c)
	}
}

// queryRows returns each row of query as its columns joined by tabs.
func queryRows(ctx context.Context, db *sql.DB, query string) ([]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		var b strings.Builder
		for i, v := range vals {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(v.String)
		}
		out = append(out, b.String())
	}
	return out, rows.Err()
}
