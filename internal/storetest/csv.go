package storetest

import (
	"bufio"
	"fmt"
	"io"
)

// WriteContactsCSV writes a billing export of n good rows, shaped like the
// real ones: an email, a mobile in national format, a landline on one row
// in three, addresses, a zone, tags and a custom column.
func WriteContactsCSV(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("Acct #,Customer Name,E-mail,Cell Phone,Home Phone,Service Address,Mailing Address,Pressure Zone,Tags,Language,Meter No\r\n")
	langs := []string{"en", "es", "", "vi"}
	for i := range n {
		landline := ""
		if i%3 == 0 {
			landline = fmt.Sprintf("(315) 555-%04d", (i/3)%10000)
		}
		fmt.Fprintf(bw, "%d,Customer %d,customer%d@example.org,315-555-%04d,%s,\"%d Elm Street, Clearwater\",PO Box %d,%d,%s,%s,M-%d\r\n",
			1000000+i, i, i, i%10000, landline, i%900+1, i, i%12+1, []string{"", "senior", "senior;medical", "business"}[i%4], langs[i%4], i)
	}
	return bw.Flush()
}
