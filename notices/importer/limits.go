package importer

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/crier-notices/crier/notices"
)

// Limits bound what an import reads, so that a broken or hostile
// file is refused with a reason instead of exhausting memory or disk.
// A real billing export has a few million rows, dozens of columns and
// cells under a few hundred characters.
type Limits struct {
	MaxBytes   int64 // the whole file, as UTF-8 text
	MaxRows    int   // rows after the header
	MaxColumns int   // columns of the header
	// MaxRowBytes bounds one row as read, quoted line breaks included: a
	// longer one (an unclosed quote, a 200 MB cell) stops the import,
	// since where the next row starts is then unknown.
	MaxRowBytes int
	// MaxCell is the most characters of a cell of each field; a longer
	// cell rejects its row. Email is counted in bytes (RFC 5321: 254).
	MaxCell [nFields]int
	// MaxAttribute is the most characters of a custom attribute's cell.
	MaxAttribute int
	// MaxHeader is the most characters of a column's name.
	MaxHeader int
}

// DefaultLimits are the limits an import has unless told otherwise.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:    4 << 30,
		MaxRows:     5_000_000,
		MaxColumns:  200,
		MaxRowBytes: 1 << 20,
		MaxCell: [nFields]int{fAccount: 40, fName: 200, fEmail: 254, fMobile: 40, fLandline: 40,
			fPostal: 500, fService: 500, fZone: 100, fTags: 1000, fLanguage: 35, fEmailState: 20, fSMSState: 20},
		MaxAttribute: 1000,
		MaxHeader:    200,
	}
}

// CellLimit is the most characters a cell of the named field may
// hold by default ("attribute" for a custom column), for the README and
// messages; 0 for an unknown field.
func CellLimit(name string) int {
	l := DefaultLimits()
	if name == "attribute" {
		return l.MaxAttribute
	}
	for i, n := range fieldNames {
		if n == name {
			return l.MaxCell[i]
		}
	}
	return 0
}

// cellMax is the limit of a column's cells and whether it counts bytes.
func (l *Limits) cellMax(f field) (int, bool) {
	switch {
	case f == fEmail:
		return l.MaxCell[f], true
	case f < nFields:
		return l.MaxCell[f], false
	case f == fAttribute:
		return l.MaxAttribute, false
	}
	return 0, false
}

// cellTooLong reports whether cell is over max characters (bytes when
// inBytes), and then how long it is, in words.
func cellTooLong(cell string, max int, inBytes bool) (string, bool) {
	if max <= 0 || len(cell) <= max {
		return "", false
	}
	// A character is at most 4 bytes: past that, counting is not needed.
	if inBytes || len(cell) > 4*max {
		return strconv.Itoa(len(cell)) + " bytes", true
	}
	n := utf8.RuneCountInString(cell)
	return strconv.Itoa(n) + " characters", n > max
}

// shortCell shortens a cell over max characters for the rejects file and
// messages: its first characters, then how long it was.
func shortCell(cell string, max int) string {
	const keep = 40
	if max <= 0 || len(cell) <= max || len(cell) <= keep+20 {
		return cell
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(cell[cut]) {
		cut--
	}
	return cell[:cut] + "… (" + strconv.Itoa(len(cell)) + " bytes)"
}

// errRowTooLong is returned by rowGuard when a row passes MaxRowBytes.
var errRowTooLong = errors.New("row too long")

// errFileTooBig is returned by rowGuard when the file passes MaxBytes.
var errFileTooBig = errors.New("file too big")

// rowGuard bounds what the CSV reader may read: the file's bytes, and the
// bytes past the end of the last row read, so that encoding/csv, which
// holds a whole row in memory, never holds more than about MaxRowBytes.
type rowGuard struct {
	r        io.Reader
	read     int64 // bytes given to the CSV reader
	rowStart int64 // offset where the row being read starts
	maxRow   int64
	maxFile  int64
}

// slack is what encoding/csv's buffer reads ahead of a row.
const slack = 64 << 10

func (g *rowGuard) Read(p []byte) (int, error) {
	if g.read >= g.maxFile {
		return 0, errFileTooBig
	}
	left := min(g.maxFile, g.rowStart+g.maxRow+slack) - g.read
	if left <= 0 {
		return 0, errRowTooLong
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	return n, err
}

// limitError turns a guard's error into the message for the user.
func limitError(err error, src string, line int, l *Limits) error {
	switch {
	case errors.Is(err, errFileTooBig):
		return errorf(notices.Invalid, "%s is over %s: split it into smaller files and import each", src, sizeText(l.MaxBytes))
	case errors.Is(err, errRowTooLong):
		return errorf(notices.Invalid, "%s line %d: a row runs past %s (an unclosed quote, or a cell far too long): fix the file there and import again; nothing was imported",
			src, line, sizeText(int64(l.MaxRowBytes)))
	}
	return nil
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
