package importer

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/crier-notices/crier/notices"
)

// importString imports a CSV text into s and returns the summary and the
// rejects, as records.
func importString(t *testing.T, s *notices.Store, in string, opts Options) (Summary, [][]string, error) {
	t.Helper()
	var rej bytes.Buffer
	opts.Rejects = &rej
	opts.Normalizer = notices.Normalizer{Region: "US"}
	sum, err := Import(context.Background(), s, strings.NewReader(in), opts)
	recs, _ := csv.NewReader(&rej).ReadAll()
	return sum, recs, err
}

func TestImportRejectsFormulasHiddenBehindSpaces(t *testing.T) {
	tests := []struct {
		name, row, want string
	}{
		{"name after spaces", `7,  =HYPERLINK(1),4,a,m`, "Name: "},
		{"zone after spaces", `7,Ana,"  @SUM(A1)",a,m`, "Zone: "},
		{"one of the tags", `7,Ana,4,"senior, =cmd|x",m`, "Tags: "},
		{"attribute", `7,Ana,4,a,-1+2`, "Meter: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := testStore(t)
			sum, rej, err := importString(t, s, "Account,Name,Zone,Tags,Meter\n"+tt.row+"\n", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rejected != 1 || len(rej) != 2 || !strings.Contains(rej[1][len(rej[1])-1], tt.want) || !strings.Contains(rej[1][len(rej[1])-1], "looks like a spreadsheet formula") {
				t.Errorf("summary %v, rejects %q", sum, rej)
			}
		})
	}
}

func TestImportStopsAtAnUnclosedQuote(t *testing.T) {
	s, _ := testStore(t)
	in := "Account,Name\n1,Ana\n2,\"Bo\n3,Cy\n4,Di\n"
	_, _, err := importString(t, s, in, Options{Source: "billing.csv"})
	if err == nil || notices.ErrorCode(err) != notices.Invalid || !strings.Contains(err.Error(), "billing.csv line 3: a quoted cell opened there is not closed") {
		t.Fatalf("err = %v", err)
	}
	n := 0
	if err := s.EachContact(context.Background(), func(notices.Contact) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("the store must be as it was: %d contacts, %v", n, err)
	}
}

func TestImportMapsAColumnToAnAttribute(t *testing.T) {
	s, _ := testStore(t)
	sum, _, err := importString(t, s, "Account,Customer ID,Name\n1,C-77,Ana\n", Options{Map: map[string]string{"Customer ID": "attribute"}})
	if err != nil || sum.Added != 1 {
		t.Fatalf("%v %v", sum, err)
	}
	c, err := s.Contact(context.Background(), "1")
	if err != nil || c.Attributes["Customer ID"] != "C-77" {
		t.Errorf("got %+v, %v", c, err)
	}
}

func TestImportLatin1IsReadAsWindows1252(t *testing.T) {
	s, _ := testStore(t)
	// "O’Neil" with the right single quote at 0x92 in windows-1252.
	in := "Account,Name\n1,O\x92Neil\n"
	if _, _, err := importString(t, s, in, Options{Encoding: "latin1"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Contact(context.Background(), "1"); c.Name != "O\u2019Neil" {
		t.Errorf("name %q, want O’Neil", c.Name)
	}
}

func TestImportRejectsControlCharacters(t *testing.T) {
	s, _ := testStore(t)
	sum, rej, err := importString(t, s, "Account,Name\n1,O\u0092Neil\n2,Bo\x01\n", Options{})
	if err != nil || sum.Rejected != 2 {
		t.Fatalf("%v %v", sum, err)
	}
	if !strings.Contains(rej[1][len(rej[1])-1], "control character U+0092") {
		t.Errorf("rejects %q", rej)
	}
}

// indexes lists the secondary indexes of the contacts tables.
func indexes(t *testing.T, db *sql.DB) string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('contacts', 'contact_tags') AND sql IS NOT NULL ORDER BY name`
	if testEngine == "postgres" {
		q = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('contacts', 'contact_tags') ORDER BY indexname`
	}
	names, err := notices.QueryStrings(context.Background(), db, q)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(names, ",")
}

// TestFirstImportKeepsTheIndexes: a first import builds the indexes after
// the rows; they are there after it, and after one that was interrupted.
func TestFirstImportKeepsTheIndexes(t *testing.T) {
	s, db := testStore(t)
	want := indexes(t, db)
	if !strings.Contains(want, "contacts_email") || !strings.Contains(want, "contact_tags_tag") {
		t.Fatalf("indexes of a new store: %s", want)
	}
	var in strings.Builder
	in.WriteString("Account,Email,Tags\n")
	for i := range 2000 {
		fmt.Fprintf(&in, "%d,c%d@example.org,t%d\n", i, i, i%3)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Import(ctx, s, strings.NewReader(in.String()), Options{Normalizer: notices.Normalizer{Region: "US"}, Progress: func(n int) {
		if n == 1000 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("the cancelled import must fail")
	}
	if got := indexes(t, db); got != want {
		t.Errorf("after an interrupted first import: %s, want %s", got, want)
	}
	if _, _, err := importString(t, s, in.String(), Options{}); err != nil {
		t.Fatal(err)
	}
	if got := indexes(t, db); got != want {
		t.Errorf("after a first import: %s, want %s", got, want)
	}
}
