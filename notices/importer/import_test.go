package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crier-notices/crier/internal/storetest"
	"github.com/crier-notices/crier/notices"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with the file, or rewrites the file with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
	}
}

// dumpContacts is every stored contact, one line each with all fields.
func dumpContacts(t *testing.T, s *notices.Store) string {
	t.Helper()
	var b strings.Builder
	err := s.EachContact(context.Background(), func(c notices.Contact) error {
		var attrs []string
		for _, k := range slices.Sorted(maps.Keys(c.Attributes)) {
			attrs = append(attrs, k+"="+c.Attributes[k])
		}
		fmt.Fprintf(&b, "%q name=%q email=%q mobile=%q landline=%q postal=%q service=%q zone=%q tags=%q language=%q email_state=%s sms_state=%s attributes=%q\n",
			c.Account, c.Name, c.Email, c.Mobile, c.Landline, c.PostalAddress, c.ServiceAddress, c.Zone,
			strings.Join(c.Tags, ","), c.Language, c.EmailState, c.SMSState, strings.Join(attrs, ";"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func importFile(t *testing.T, s *notices.Store, name string, opts Options) (Summary, string, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rejects bytes.Buffer
	opts.Source, opts.Rejects, opts.Normalizer = name, &rejects, us
	sum, err := Import(context.Background(), s, f, opts)
	return sum, rejects.String(), err
}

func TestImportCorpus(t *testing.T) {
	s, db := testStore(t)
	sum, rejects, err := importFile(t, s, "customers.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{Read: 44, Added: 9, Rejected: 35, Duplicates: 2}
	if sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	golden(t, "testdata/customers.rejects.csv", []byte(rejects))
	golden(t, "testdata/customers.contacts.txt", []byte(dumpContacts(t, s)))

	// Every rejected row is there once, with its line and a reason.
	rr := csv.NewReader(strings.NewReader(rejects))
	rr.FieldsPerRecord = -1
	recs, err := rr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 36 || !slices.Equal(recs[0][len(recs[0])-2:], []string{"line", "reason"}) {
		t.Fatalf("rejects: %d rows, header %v", len(recs), recs[0])
	}
	reasons := map[string]string{} // by line
	for _, r := range recs[1:] {
		reasons[r[len(r)-2]] = r[len(r)-1]
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("a spreadsheet would run the rejects cell %q", cell)
			}
		}
	}
	tests := []struct {
		name, line, reason string
	}{
		{"bad email", "15", `E-mail: "ana@" is not an email address`},
		{"domain without a dot", "16", `E-mail: "bo@localhost" is not an email address: the domain "localhost" is incomplete`},
		{"phone with too few digits", "19", `Cell Phone: "555-014" is not a phone number (6 digits)`},
		{"invalid area code", "21", `Cell Phone: "(099) 555-0142" is not a valid US phone number`},
		{"duplicate account", "23", `account 1001 appears again (first on line 2)`},
		{"duplicate with a bad email", "24", `account 1002 appears again (first on line 4); E-mail: "bo@" is not an email address`},
		{"missing account", "25", `Acct #: missing: every row needs an account number`},
		{"blank account", "26", `Acct #: missing: every row needs an account number`},
		{"bad language", "27", `Preferred Language: "xx" is not a language code: write one like en, es, es-MX or zh-Hant`},
		{"hyperlink formula", "29", `Customer Name: "=HYPERLINK(\"http://evil.example/\",\"click\")" looks like a spreadsheet formula`},
		{"@SUM formula", "30", `Pressure Zone: "@SUM(A1:A2)" looks like a spreadsheet formula`},
		{"+cmd formula", "31", `Customer Name: "+cmd|' /C calc'!A0" looks like a spreadsheet formula`},
		{"-2+3 formula", "32", `Meter No: "-2+3" looks like a spreadsheet formula`},
		{"+cmd in a phone column", "33", `Cell Phone: "+cmd|' /C calc'!A0" looks like a spreadsheet formula`},
		{"formula account", "34", `Acct #: "=1+1" looks like a spreadsheet formula`},
		{"tab", "35", `Tags: "\tsenior" looks like a spreadsheet formula`},
		{"bad subscription state", "36", `email_state: "yes" is not a subscription state (write subscribed or unsubscribed)`},
		{"every bad column named", "37", `E-mail: "ana@" is not an email address; Cell Phone: "555-014" is not a phone number (6 digits)`},
		{"sms state", "41", `sms_state: "STOP" is not a subscription state (write subscribed or unsubscribed)`},
		{"negative zone", "43", `Pressure Zone: "-1" looks like a spreadsheet formula`},
		{"@ email", "44", `E-mail: "@example.org" looks like a spreadsheet formula`},
		{"+44 20 landline", "45", `Home Phone: "+44 20" looks like a spreadsheet formula`},
		{"carriage return", "46", `Service Address: "\rx" looks like a spreadsheet formula`},
		{"too few cells", "47", `the row has 3 cells, the header 13`},
		{"too many cells", "48", `the row has 15 cells, the header 13`},
		{"bare quote", "49", `the CSV is malformed from here (bare " in non-quoted-field): a cell with a quote must be wholly quoted, its quotes doubled`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reasons[tt.line]; got != tt.reason {
				t.Errorf("line %s: reason %q, want %q", tt.line, got, tt.reason)
			}
		})
	}

	// The same phone in four national formats lands on one E.164 number.
	for _, acct := range []string{"1001", "1002", "1003", "1004"} {
		c, err := s.Contact(context.Background(), acct)
		if err != nil || c.Mobile != "+13155550142" {
			t.Errorf("%s: mobile %q, %v", acct, c.Mobile, err)
		}
	}
	// The quoted newline and commas are kept as written.
	if c, _ := s.Contact(context.Background(), "1001"); c.PostalAddress != "PO Box 5\nClearwater, NY 13000" || c.ServiceAddress != "12 Elm Street, Clearwater" {
		t.Errorf("1001 addresses: %q %q", c.PostalAddress, c.ServiceAddress)
	}
	// The import records the subscription states it sets.
	var events int
	if err := db.QueryRow(`SELECT count(*) FROM subscription_events WHERE how = 'import'`).Scan(&events); err != nil || events != 2 {
		t.Errorf("subscription events: %d, %v; want 2 (1004 email, 1005 sms)", events, err)
	}
}

func TestImportAgainChangesNothing(t *testing.T) {
	s, _ := testStore(t)
	if _, _, err := importFile(t, s, "customers.csv", Options{}); err != nil {
		t.Fatal(err)
	}
	before := dumpContacts(t, s)
	sum, _, err := importFile(t, s, "customers.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Read: 44, Unchanged: 9, Rejected: 35, Duplicates: 2}); sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	if after := dumpContacts(t, s); after != before {
		t.Errorf("a re-import changed the contacts:\n%s", after)
	}
}

func TestImportUpdatesAndNeverResubscribes(t *testing.T) {
	ctx := context.Background()
	s, db := testStore(t)
	if _, err := s.SaveContact(ctx, notices.Contact{Account: "1", Name: "Old", Zone: "9", Attributes: map[string]string{"meter": "M-1", "kept": "yes"}, Tags: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE contacts SET sms_state = 'unsubscribed' WHERE account = '1'`); err != nil {
		t.Fatal(err)
	}
	in := "account,name,meter,tags,sms_state,email_state\n1,New,M-2,y;x,subscribed,unsubscribed\n2,Two,,,subscribed,\n"
	sum, err := Import(ctx, s, strings.NewReader(in), Options{Normalizer: us})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Read: 2, Added: 1, Updated: 1, KeptUnsubscribed: 1}); sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	c, _ := s.Contact(ctx, "1")
	// The file has no zone column: the zone stays. Attributes it names change; others stay.
	if c.Name != "New" || c.Zone != "9" || c.SMSState != notices.Unsubscribed || c.EmailState != notices.Unsubscribed ||
		!slices.Equal(c.Tags, []string{"x", "y"}) || c.Attributes["meter"] != "M-2" || c.Attributes["kept"] != "yes" {
		t.Errorf("after the import: %+v", c)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM subscription_events WHERE channel = 'email' AND state = 'unsubscribed' AND how = 'import'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d email unsubscribe events, want 1", n)
	}
	var suppressions int
	db.QueryRow(`SELECT count(*) FROM suppressions`).Scan(&suppressions)
	if suppressions != 0 {
		t.Errorf("the import touched suppressions")
	}
}

func TestImportDryRunWritesNothing(t *testing.T) {
	s, db := testStore(t)
	sum, _, err := importFile(t, s, "customers.csv", Options{DryRun: true, List: "spring"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 9 || sum.Rejected != 35 || !sum.DryRun || sum.ListAdded != 9 {
		t.Errorf("dry run summary %+v", sum)
	}
	if got := dumpContacts(t, s); got != "" {
		t.Errorf("a dry run wrote:\n%s", got)
	}
	var lists int
	db.QueryRow(`SELECT count(*) FROM lists`).Scan(&lists)
	if lists != 0 {
		t.Errorf("a dry run created a list")
	}
}

func TestImportInterruptedLeavesTheStore(t *testing.T) {
	s, _ := testStore(t)
	if _, err := s.SaveContact(context.Background(), notices.Contact{Account: "1001", Name: "Seed"}); err != nil {
		t.Fatal(err)
	}
	before := dumpContacts(t, s)
	var buf bytes.Buffer
	storetest.WriteContactsCSV(&buf, 500)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Import(ctx, s, &buf, Options{Normalizer: us, List: "l", Progress: func(n int) {
		if n == 300 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if after := dumpContacts(t, s); after != before {
		t.Errorf("the store changed:\n%s", after)
	}
	// And the store still works.
	if _, err := s.SaveContact(context.Background(), notices.Contact{Account: "1002"}); err != nil {
		t.Fatal(err)
	}
}

func TestImportIntoList(t *testing.T) {
	s, db := testStore(t)
	sum, _, err := importFile(t, s, "customers.csv", Options{List: "Zone 4 customers"})
	if err != nil || sum.ListAdded != 9 {
		t.Fatalf("%+v %v", sum, err)
	}
	sum, _, err = importFile(t, s, "customers.csv", Options{List: "Zone 4 customers"})
	if err != nil || sum.ListAdded != 0 {
		t.Fatalf("again: %+v %v", sum, err)
	}
	var members int
	err = db.QueryRow(`SELECT count(*) FROM list_members m JOIN lists l ON l.id = m.list_id WHERE l.name = 'Zone 4 customers'`).Scan(&members)
	if err != nil || members != 9 {
		t.Errorf("%d members, %v", members, err)
	}
}

func TestImportLatin1(t *testing.T) {
	s, _ := testStore(t)
	sum, _, err := importFile(t, s, "customers-latin1.csv", Options{Encoding: "latin1"})
	if err != nil || sum.Added != 3 {
		t.Fatalf("%+v %v", sum, err)
	}
	c, _ := s.Contact(context.Background(), "3001")
	if c.Name != "José Peña" || c.ServiceAddress != "4 Calle Peña, Clearwater" || c.Language != "es" {
		t.Errorf("3001: %+v", c)
	}
	c, _ = s.Contact(context.Background(), "3002")
	if c.Name != "Hélène Côté" || c.ServiceAddress != "1 Rue Émile" {
		t.Errorf("3002: %+v", c)
	}

	// Read as UTF-8, the Latin-1 letters are refused, never mangled.
	s2, _ := testStore(t)
	sum, rejects, err := importFile(t, s2, "customers-latin1.csv", Options{})
	if err != nil || sum.Rejected != 3 || !strings.Contains(rejects, "Name: is not UTF-8 text: if the file comes from an older system, import it with --encoding latin1") {
		t.Errorf("%+v %v\n%s", sum, err, rejects)
	}
}

func TestImportHeader(t *testing.T) {
	tests := []struct {
		name   string
		header string
		opts   Options
		want   string // error, "" for none
		fields map[string]string
	}{
		{"aliases", "Acct No,Full Name,Email Address,Mobile Phone,Telephone,Billing Address,Premise Address,District,Tags,Lang",
			Options{}, "", map[string]string{"Acct No": "account", "Full Name": "name", "Email Address": "email", "Mobile Phone": "mobile",
				"Telephone": "landline", "Billing Address": "postal_address", "Premise Address": "service_address", "District": "zone", "Lang": "language"}},
		{"export names", "account,name,email,mobile,landline,postal_address,service_address,zone,tags,language,email_state,sms_state",
			Options{}, "", map[string]string{"postal_address": "postal_address", "sms_state": "sms_state"}},
		{"case and punctuation", " ACCT. #,e_mail,CELL-PHONE,Route", Options{}, "",
			map[string]string{"ACCT. #": "account", "e_mail": "email", "CELL-PHONE": "mobile", "Route": "zone"}},
		{"customer id and sms", "Customer ID,SMS,Location", Options{}, "", map[string]string{"Customer ID": "account", "SMS": "mobile", "Location": "service_address"}},
		{"map overrides", "Cust Ref,Phone,Cell", Options{Map: map[string]string{"Cust Ref": "account", "Phone": "mobile", "Cell": "ignore"}}, "",
			map[string]string{"Cust Ref": "account", "Phone": "mobile"}},
		{"two columns one field", "Account,Phone,Home Phone", Options{}, `columns "Phone" and "Home Phone" both hold landline`, nil},
		{"no account", "Name,Email", Options{}, "no column holds the account number", nil},
		{"map of a missing column", "Account", Options{Map: map[string]string{"Nope": "name"}}, `the file has no column "Nope"`, nil},
		{"map to an unknown field", "Account,X", Options{Map: map[string]string{"X": "nickname"}}, `"nickname" is not a field`, nil},
		{"bad encoding", "Account", Options{Encoding: "ebcdic"}, `encoding "ebcdic": use utf-8, latin1 or windows-1252`, nil},
		{"empty file", "", Options{}, "is empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := testStore(t)
			tt.opts.Normalizer = us
			_, err := Import(context.Background(), s, strings.NewReader(tt.header), tt.opts)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) || notices.ErrorCode(err) != notices.Invalid {
					t.Errorf("err = %v, want %q (invalid)", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r := csv.NewReader(strings.NewReader(tt.header))
			h, _ := r.Read()
			cols, err := importHeader(h, tt.opts.Map)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cols {
				if want, ok := tt.fields[c.header]; ok && (c.field >= nFields || fieldNames[c.field] != want) {
					t.Errorf("%q: field %d, want %s", c.header, c.field, want)
				}
			}
		})
	}
}

// The shortcut for North American numbers gives what Normalizer.Phone gives.
func TestFastPhoneAgreesWithNormalizer(t *testing.T) {
	inputs := []string{"(315) 555-0142", "315-555-0142", "315.555.0142", "1 315 555 0142", "+1 315 555 0142", "+13155550142",
		"3155550142", "13155550142", "(099) 555-0142", "155-555-0142", "(416) 555-0142", "212 555 0100", "800-555-0199",
		"555-0142", "+2 315 555 0142", " 315 555 0142 ", "315)555(0142", "1-800-FLOWERS", "201-555-0123"}
	for _, in := range inputs {
		want, werr := us.Phone(in)
		got, gerr := importPhone(us, in)
		if got != want || (werr == nil) != (gerr == nil) {
			t.Errorf("%q: importPhone %q, %v; Phone %q, %v", in, got, gerr, want, werr)
		}
	}
}

// TestImportKeepsSuppressions: a suppressed address stays suppressed when
// the billing export comes again saying its customer is subscribed on
// both channels, the mobile written as a national number (the store's
// TestSuppressionSurvivesReimport holds the same of SaveContact).
func TestImportKeepsSuppressions(t *testing.T) {
	ctx := context.Background()
	s, _ := testStore(t)
	c := notices.Contact{Account: "1001", Name: "Ana Díaz", Email: "Ana@example.org", Mobile: "+13155550142", Zone: "4"}
	if _, err := s.SaveContact(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Suppress(ctx, "+13155550142", notices.StopReply, "", "twilio"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Suppress(ctx, "ana@example.org", notices.UnsubscribeLink, "", "web"); err != nil {
		t.Fatal(err)
	}
	sum, err := Import(ctx, s, strings.NewReader("Account,Name,Email,Mobile,Zone,email_state,sms_state\n1001,Ana Díaz Peña,Ana@example.org,(315) 555-0142,4,subscribed,subscribed\n"),
		Options{Normalizer: us})
	if err != nil || sum.Updated != 1 {
		t.Fatalf("re-import: %v %v", sum, err)
	}
	r, err := s.Resolve(ctx, notices.Audience{Zones: []string{"4"}})
	if err != nil {
		t.Fatal(err)
	}
	if e, m := r.Channel(notices.Email), r.Channel(notices.SMS); r.Contacts != 1 || e.Reached != 0 || e.Suppressed != 1 || m.Reached != 0 || m.Suppressed != 1 {
		t.Errorf("after re-import: %+v", r)
	}
	for _, address := range []string{"+13155550142", "ana@example.org"} {
		if _, ok, err := s.Suppressed(ctx, address); !ok || err != nil {
			t.Errorf("%s is no longer suppressed after the re-import (%v)", address, err)
		}
	}
}
