package notices

import "testing"

func TestNormalizer(t *testing.T) {
	n := Normalizer{Region: "US"}
	tests := []struct {
		name  string
		fn    func(string) (string, error)
		in    string
		want  string
		isErr bool
	}{
		{"email", n.Email, "Ana.Diaz@Example.ORG", "Ana.Diaz@example.org", false},
		{"email with spaces around", n.Email, "  ana@example.org ", "ana@example.org", false},
		{"email without domain", n.Email, "ana@", "", true},
		{"email without dot in domain", n.Email, "ana@localhost", "", true},
		{"email with a name", n.Email, "Ana <ana@example.org>", "", true},
		{"two emails", n.Email, "ana@example.org; bo@example.org", "", true},
		{"empty email", n.Email, "", "", false},
		{"phone with parentheses", n.Phone, "(315) 555-0142", "+13155550142", false},
		{"phone with dashes", n.Phone, "315-555-0142", "+13155550142", false},
		{"phone with dots", n.Phone, "315.555.0142", "+13155550142", false},
		{"phone with country code", n.Phone, "1 315 555 0142", "+13155550142", false},
		{"phone in E.164", n.Phone, "+13155550142", "+13155550142", false},
		{"phone with too few digits", n.Phone, "555-014", "", true},
		{"phone with letters", n.Phone, "call me", "", true},
		{"invalid area code", n.Phone, "(099) 555-0142", "", true},
		{"mexican number", n.Phone, "+52 55 1234 5678", "+525512345678", false},
		{"language code", n.Language, "ES", "es", false},
		{"language with region", n.Language, "es-MX", "es-MX", false},
		{"language with region, as a locale", n.Language, "es_mx", "es-MX", false},
		{"language with script", n.Language, "zh-hant", "zh-Hant", false},
		{"three-letter code", n.Language, "spa", "es", false},
		{"language name", n.Language, "Spanish", "es", false},
		{"spanish name", n.Language, "Español", "es", false},
		{"bad language", n.Language, "xx", "", true},
		{"undetermined language", n.Language, "und", "", true},
		{"root is not a language", n.Language, "root", "", true},
		{"phone with an extension", n.Phone, "315-555-0142 x12", "", true},
		{"not a language", n.Language, "Martian", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.fn(tt.in)
			if (err != nil) != tt.isErr || got != tt.want {
				t.Errorf("(%q) = %q, %v; want %q, error %t", tt.in, got, err, tt.want, tt.isErr)
			}
		})
	}
}
