package templates

// SMSEncoding is how a text message is encoded on the air.
type SMSEncoding string

// The two encodings carriers use.
const (
	GSM7 SMSEncoding = "GSM-7"
	UCS2 SMSEncoding = "UCS-2"
)

// SMS is a text message as carriers count it. (Stub: being written.)
type SMS struct {
	Text       string      // the text as it will be sent, after replacements
	Encoding   SMSEncoding // GSM-7 or UCS-2
	Units      int         // length in the encoding's units: septets (GSM-7) or UTF-16 code units (UCS-2)
	Segments   int         // how many segments the carrier bills
	Parts      []string    // the text of each segment, as split
	ForcedUCS2 []string    // the characters that forced UCS-2, each once, in order of first appearance
}

// NewSMS prepares and counts text. With replace, typographic characters that
// have GSM-7 look-alikes are replaced first.
func NewSMS(text string, replace bool) SMS { return SMS{Text: text} }

// Check reports an error when the message takes more than maxSegments
// segments or is longer than Twilio accepts.
func (s SMS) Check(maxSegments int) error { return nil }
