package templates

import (
	netmail "net/mail"
	"testing"
)

// quickAddressCases are addresses as recipients' names and addresses
// make them, and forms quickAddress must leave to net/mail.
var quickAddressCases = []string{
	`"Ana Customer" <ana@example.com>`,
	`<ana@example.com>`,
	`ana@example.com`,
	`"O'Brien, Pat" <pat.obrien@water.example>`,
	`"Ana \"the boss\" D\\az" <ana@example.com>`,
	"\"Elm\tStreet\" <a@b.example>",
	`"  spaced  " <a+tag@b-c.example>`,
	`"" <ana@example.com>`,
	`"Ana" <"quoted local"@example.com>`,
	`"Ana" <ana@[127.0.0.1]>`,
	`"Ana" <ana..x@example.com>`,
	`"Ana" <.ana@example.com>`,
	`"Ana" <ana@example.com.>`,
	`"Ana\x" <ana@example.com>`,
	`"Ana" <ana@exa_mple.com>`,
	`Ana <ana@example.com>`,
	`=?utf-8?b?QW5h?= <ana@example.com>`,
	`"Peña" <ana@example.com>`,
	`"Ana" <ana@example.com> `,
	`"Ana"  <ana@example.com>`,
	`"Ana" <ana@example.com>, "Ben" <ben@example.com>`,
	`"Ana" <ana@example.com`,
	"\"Ana\x7f\" <ana@example.com>",
}

// checkQuickAddress fails unless quickAddress reads value as net/mail
// does, and writes it back as net/mail does, whenever it reads it.
func checkQuickAddress(t *testing.T, value string) {
	name, addr, written, ok := quickAddress(value)
	if !ok {
		return
	}
	a, err := netmail.ParseAddress(value)
	if err != nil {
		t.Fatalf("quickAddress(%q) = %q <%s>; net/mail refuses it: %v", value, name, addr, err)
	}
	if a.Name != name || a.Address != addr || a.String() != written {
		t.Errorf("quickAddress(%q) = %q <%s>, written %q; net/mail: %q <%s>, written %q", value, name, addr, written, a.Name, a.Address, a.String())
	}
}

func TestQuickAddressAsNetMail(t *testing.T) {
	read := 0
	for _, v := range quickAddressCases {
		checkQuickAddress(t, v)
		if _, _, _, ok := quickAddress(v); ok {
			read++
		}
	}
	if read != 7 {
		t.Errorf("quickAddress read %d of the cases; want the 7 in its forms", read)
	}
}

func FuzzQuickAddressAsNetMail(f *testing.F) {
	for _, v := range quickAddressCases {
		f.Add(v)
	}
	f.Fuzz(checkQuickAddress)
}
