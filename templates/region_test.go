package templates

import (
	"strings"
	"testing"
)

func TestFillInReadsPhoneNumbersInTheRegion(t *testing.T) {
	tmpl := &Template{Name: "n", Lang: "en", Fields: []Field{{Name: "phone", Label: "Phone", Type: TypePhone}}}
	tests := []struct {
		name, region, phone string
		ok                  bool
	}{
		{"US national in the default region", "", "(315) 555-0142", true},
		{"US national in US", "US", "(315) 555-0142", true},
		{"UK national in GB", "GB", "020 7946 0018", true},
		{"UK national in US", "US", "020 7946 0018", false},
		{"US national in GB", "GB", "(315) 555-0142", false},
		{"international in GB", "GB", "+1 315 555 0142", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tmpl.FillIn(Values{"phone": tc.phone}, tc.region)
			if tc.ok && (err != nil || got["phone"] != tc.phone) {
				t.Errorf("FillIn = %q, %v; want %q as typed", got["phone"], err, tc.phone)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "phone (Phone): ")) {
				t.Errorf("FillIn err = %v; want it refused by name and label", err)
			}
		})
	}
}
