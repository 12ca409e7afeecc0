package notices

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// DeliveryColumns are the columns of WriteDeliveriesCSV, in order.
var DeliveryColumns = []string{"delivery", "channel", "address", "name", "language", "status", "attempts", "provider_id", "error", "sent_at"}

// WriteDeliveriesCSV writes every delivery of notice id to w as CSV, one
// row each under DeliveryColumns, times in loc, cells that a spreadsheet
// would run as formulas neutralised (NeutralizeCell). It is what `crier
// report --csv` and the console's export write.
func (s *Store) WriteDeliveriesCSV(ctx context.Context, w io.Writer, id int64, loc *time.Location) error {
	cw := csv.NewWriter(w)
	cw.Write(DeliveryColumns)
	err := s.EachDelivery(ctx, id, func(d Delivery) error {
		sent := ""
		if !d.SentAt.IsZero() {
			sent = d.SentAt.In(loc).Format(time.RFC3339)
		}
		return cw.Write([]string{strconv.FormatInt(d.ID, 10), string(d.Channel), NeutralizeCell(d.Address), NeutralizeCell(d.Name),
			d.Language, string(d.Status), strconv.Itoa(d.Attempts), d.ProviderID, NeutralizeCell(d.Error), sent})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
