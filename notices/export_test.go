package notices

import (
	"bytes"
	"context"
	"encoding/csv"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestNeutralizeCell(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"formula", "=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"E.164 number", "+13155550142", "+13155550142"},
		{"shortest E.164 number", "+1234567", "+1234567"},
		{"longest E.164 number", "+123456789012345", "+123456789012345"},
		{"too long for E.164", "+1234567890123456", "'+1234567890123456"},
		{"number written with spaces", "+1 (315) 555-0142", "'+1 (315) 555-0142"},
		{"plus sum", "+1+2", "'+1+2"},
		{"command", "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"number then a line", "+13155550142\n=1", "'+13155550142\n=1"},
		{"quote before a number", "'+13155550142", "''+13155550142"},
		{"minus", "-2+3", "'-2+3"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=1", "'\t=1"},
		{"carriage return", "\r=1", "'\r=1"},
		{"plain", "Ana Díaz", "Ana Díaz"},
		{"empty", "", ""},
		{"formula inside", "a=b", "a=b"},
		{"quote before text", "'Ohana Farm", "'Ohana Farm"},
		{"quote before a formula", "'=1", "''=1"},
		{"quotes before a formula", "''+1", "'''+1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NeutralizeCell(tc.in)
			if got != tc.want {
				t.Errorf("NeutralizeCell(%q) = %q; want %q", tc.in, got, tc.want)
			}
			if got != tc.in && startsFormula(got) {
				t.Errorf("%q still starts a formula", got)
			}
			if back := RestoreCell(got); back != tc.in {
				t.Errorf("RestoreCell(%q) = %q; want %q", got, back, tc.in)
			}
		})
	}
}

// readCSV parses an export into header and records as maps.
func readCSV(t *testing.T, b []byte) ([]string, []map[string]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs[0] {
		recs[0][i] = RestoreCell(recs[0][i])
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = RestoreCell(r[i]) // what the import does
		}
		out = append(out, m)
	}
	return recs[0], out
}

func TestExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	contacts := []Contact{
		{Account: "1001", Name: "=cmd|' /C calc'!A0", Email: "Ana@example.org", Mobile: "+13155550142", Landline: "+13155550100",
			PostalAddress: "PO Box 7\nClearwater, NY", ServiceAddress: "12 Elm Street, \"rear\"", Zone: "4", Tags: []string{"senior", "elm"},
			Language: "es", SMSState: Unsubscribed, Attributes: map[string]string{"meter": "-M-77", "@route": "R1"}},
		{Account: "1002", Name: "Bo, Jr.", Zone: "1", EmailState: Unsubscribed, Attributes: map[string]string{"notes": "+tab\tinside"}},
		{Account: "-1003", Name: "'Ohana Farm"},
	}
	for _, c := range contacts {
		if _, err := s.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	n, err := s.Export(ctx, &buf, "")
	if err != nil || n != 3 {
		t.Fatalf("Export: %d %v", n, err)
	}
	// No cell of the raw file starts a formula; phone numbers are as they are.
	raw, _ := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	for _, r := range raw {
		for _, cell := range r {
			if startsFormula(cell) && !e164.MatchString(cell) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	if !bytes.Contains(buf.Bytes(), []byte(",+13155550142,")) {
		t.Errorf("the mobile number is not written as it is:\n%s", buf.Bytes())
	}
	header, rows := readCSV(t, buf.Bytes())
	wantHeader := append(slices.Clone(ExportColumns), "@route", "meter", "notes")
	if !slices.Equal(header, wantHeader) {
		t.Errorf("header %q; want %q", header, wantHeader)
	}
	byAccount := map[string]Contact{}
	for _, c := range contacts {
		got, err := s.Contact(ctx, c.Account)
		if err != nil {
			t.Fatal(err)
		}
		byAccount[c.Account] = got
	}
	if rows[0]["account"] != "-1003" || rows[1]["account"] != "1001" {
		t.Errorf("not by account: %v", rows)
	}
	for _, r := range rows {
		c := byAccount[r["account"]]
		attrs := map[string]string{}
		for _, k := range header[len(ExportColumns):] {
			if r[k] != "" {
				attrs[k] = r[k]
			}
		}
		var tags []string
		if r["tags"] != "" {
			tags = strings.Split(r["tags"], TagSeparator)
		}
		got := Contact{Account: r["account"], Name: r["name"], Email: r["email"], Mobile: r["mobile"], Landline: r["landline"],
			PostalAddress: r["postal_address"], ServiceAddress: r["service_address"], Zone: r["zone"], Tags: tags,
			Language: r["language"], EmailState: SubscriptionState(r["email_state"]), SMSState: SubscriptionState(r["sms_state"])}
		want := c
		want.ID, want.CreatedAt, want.UpdatedAt, want.Attributes = 0, got.CreatedAt, got.UpdatedAt, nil
		gotAttrs, wantAttrs := attrs, c.Attributes
		if wantAttrs == nil {
			wantAttrs = map[string]string{}
		}
		if !slices.Equal(got.Tags, want.Tags) || !maps.Equal(gotAttrs, wantAttrs) {
			t.Errorf("%s: tags %q attrs %q; want %q %q", c.Account, got.Tags, gotAttrs, want.Tags, wantAttrs)
		}
		got.Tags, want.Tags = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v", c.Account, got, want)
		}
	}
}

func TestExportList(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	for _, a := range []string{"1", "2", "3"} {
		if _, err := s.SaveContact(ctx, Contact{Account: a, Attributes: map[string]string{"k" + a: a}}); err != nil {
			t.Fatal(err)
		}
	}
	s.CreateList(ctx, "l")
	s.AddToList(ctx, "l", "1", "3")
	var buf bytes.Buffer
	if n, err := s.Export(ctx, &buf, "l"); err != nil || n != 2 {
		t.Fatalf("Export: %d %v", n, err)
	}
	header, rows := readCSV(t, buf.Bytes())
	if len(rows) != 2 || rows[0]["account"] != "1" || rows[1]["account"] != "3" || !slices.Equal(header[len(ExportColumns):], []string{"k1", "k3"}) {
		t.Errorf("export of list l: %q %v", header, rows)
	}
	if _, err := s.Export(ctx, &buf, "nowhere"); ErrorCode(err) != NotFound {
		t.Errorf("export of a missing list: %v", err)
	}
}
