package templates

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode/qr"
)

const (
	qrQuietZone     = 4 // modules of white border the QR specification asks for
	qrPixelsPerCode = 8 // pixels per module: crisp in print without relying on viewer scaling
)

// qrPNG returns a QR code for content as an 8-bit grayscale PNG with its quiet
// zone, side pixels square, plus as few white columns on the right as make
// its width one that taken does not report. boombuler's
// image has a 16-bit color model, which gofpdf rejects, so the modules are
// drawn into an image.Gray first. Error correction level M (15 %) survives
// some wear on a posted flyer and keeps the code small.
//
// The extra columns exist for gofpdf's SetCatalogSort, which orders images by
// their width alone: two images of the same width come out in random order,
// and the PDF is no longer the same from run to run.
func qrPNG(content string, taken func(width int) bool) (data []byte, side, width int, err error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, 0, 0, err
	}
	b := code.Bounds()
	n := b.Dx()
	side = (n + 2*qrQuietZone) * qrPixelsPerCode
	width = side
	for taken(width) {
		width++
	}
	img := image.NewGray(image.Rect(0, 0, width, side))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for my := 0; my < n; my++ {
		for mx := 0; mx < n; mx++ {
			if color.GrayModel.Convert(code.At(b.Min.X+mx, b.Min.Y+my)).(color.Gray).Y >= 0x80 {
				continue
			}
			x0 := (mx + qrQuietZone) * qrPixelsPerCode
			y0 := (my + qrQuietZone) * qrPixelsPerCode
			for y := y0; y < y0+qrPixelsPerCode; y++ {
				row := img.Pix[y*img.Stride+x0 : y*img.Stride+x0+qrPixelsPerCode]
				for i := range row {
					row[i] = 0
				}
			}
		}
	}
	var buf bytes.Buffer
	// Flat black and white compresses well even at the fastest level.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, 0, 0, fmt.Errorf("encode QR image: %w", err)
	}
	return buf.Bytes(), side, width, nil
}
