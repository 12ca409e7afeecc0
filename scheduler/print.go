package scheduler

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// print writes a notice's documents for the mail house, all at once: the
// flyer for posting (every language of the notice), and when some
// customers can only be reached by post, their letters in one PDF with a
// manifest (letters.csv: which pages go to whom). The files are written
// whole or not at all, so a retry after a crash rewrites them.
func (d *Dispatcher) print(ctx context.Context, l *lane, id int64) error {
	nr, err := d.renders.get(ctx, id)
	var ne *noticeError
	if errors.As(err, &ne) {
		d.pause(ctx, id, notices.Print, err.Error())
		return err
	}
	if err != nil {
		return err
	}
	var rs []*templates.Rendering
	byLang := map[string]*templates.Rendering{}
	for _, lang := range nr.langs {
		r, err := d.renders.rendering(nr, lang)
		if r == nil {
			err = fmt.Errorf("notice %d (%s): %w", id, lang, err)
			d.pause(ctx, id, notices.Print, "the notice cannot be rendered: "+err.Error())
			return err
		}
		rs = append(rs, r)
		byLang[lang] = r
	}
	var flyer bytes.Buffer
	if err := templates.Flyer(&flyer, rs...); err != nil {
		err = fmt.Errorf("notice %d flyer: %w", id, err)
		d.pauseForGlyphs(ctx, id, err)
		return err
	}
	docs := []*channels.Document{{Name: "flyer.pdf", Data: flyer.Bytes()}}

	claimed := d.mono()
	dels, err := d.store.Claim(ctx, notices.Print, d.cfg.Worker, notices.ClaimScope{Notice: id}, 1_000_000_000, d.cfg.Lease)
	if err != nil {
		return err
	}
	var pages []int
	if len(dels) > 0 {
		letters := make([]templates.Letter, len(dels))
		for i, dl := range dels {
			r := byLang[dl.Language]
			if r == nil {
				r = rs[0]
			}
			letters[i] = templates.Letter{Rendering: r, Name: dl.Name, Address: dl.Address}
		}
		var pdf bytes.Buffer
		if pages, err = templates.Letters(&pdf, letters); err != nil {
			err = fmt.Errorf("notice %d letters: %w", id, err)
			d.pauseForGlyphs(ctx, id, err)
			return d.putBack(ctx, dels, err)
		}
		manifest, err := lettersManifest(dels, pages)
		if err != nil {
			return d.putBack(ctx, dels, err)
		}
		docs = append(docs, &channels.Document{Name: "letters.pdf", Data: pdf.Bytes()}, &channels.Document{Name: "letters.csv", Data: manifest})
	}

	if err := d.stillHeld(ctx, dels, claimed); err != nil {
		return err
	}
	for _, doc := range docs {
		if _, err := l.cfg.Sender.Send(ctx, channels.Message{ID: fmt.Sprintf("notice-%d", id), Document: doc}); err != nil {
			if channels.IsPermanent(err) {
				d.pause(ctx, id, notices.Print, err.Error())
			}
			return d.putBack(ctx, dels, fmt.Errorf("notice %d %s: %w", id, doc.Name, err))
		}
	}
	outs := make([]notices.Outcome, len(dels))
	now := d.cfg.Now()
	for i, dl := range dels {
		outs[i] = notices.Outcome{ID: dl.ID, Status: notices.DeliverySent, Attempted: true, At: now,
			ProviderID: fmt.Sprintf("notice-%d/letters.pdf page %d", id, pages[i])}
	}
	applied, err := d.store.Record(ctx, d.cfg.Worker, outs)
	if err != nil {
		return err
	}
	for _, ok := range applied {
		if ok {
			l.stats.sent.Add(1)
		}
	}
	if err := d.store.PrintDone(ctx, id); err != nil {
		return err
	}
	d.log.Info("print documents written", "notice", id, "letters", len(dels))
	return nil
}

// stillHeld checks, before the documents are written, that the letters
// claimed at claimed (monotonic) are still this dispatcher's: rendering
// many letters, or a stall, may have outlasted the lease. Past half the
// lease it renews the claims in the store; one not renewed was taken by
// another dispatcher, which writes the documents instead.
func (d *Dispatcher) stillHeld(ctx context.Context, dels []notices.Delivery, claimed time.Time) error {
	if len(dels) == 0 || d.mono().Sub(claimed) < d.cfg.Lease/2 {
		return nil
	}
	ids, err := d.store.RenewClaims(ctx, d.cfg.Worker, d.cfg.Lease)
	if err != nil {
		return d.putBack(ctx, dels, fmt.Errorf("letters' claims not checked: %w", err))
	}
	renewed := make(map[int64]bool, len(ids))
	for _, id := range ids {
		renewed[id] = true
	}
	for _, dl := range dels {
		if !renewed[dl.ID] {
			return fmt.Errorf("notice %d: the letters' claims ran out while they were being made, and another dispatcher took them; it writes the documents", dl.NoticeID)
		}
	}
	return nil
}

// putBack returns claimed deliveries to the queue unattempted and passes
// err on.
func (d *Dispatcher) putBack(ctx context.Context, dels []notices.Delivery, err error) error {
	outs := make([]notices.Outcome, len(dels))
	for i, dl := range dels {
		outs[i] = notices.Outcome{ID: dl.ID, Status: notices.DeliveryQueued, Error: err.Error()}
	}
	if _, rerr := d.store.Record(ctx, d.cfg.Worker, outs); rerr != nil {
		return fmt.Errorf("%w (and the letters were not put back: %v)", err, rerr)
	}
	return err
}

// lettersManifest is the mail house's list: for each letter its first
// page, the recipient and the delivery it belongs to.
func lettersManifest(dels []notices.Delivery, pages []int) ([]byte, error) {
	if len(pages) != len(dels) {
		return nil, fmt.Errorf("letters: %d first pages for %d letters", len(pages), len(dels))
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"page", "name", "address", "language", "delivery"})
	for i, dl := range dels {
		w.Write([]string{strconv.Itoa(pages[i]), notices.NeutralizeCell(dl.Name), notices.NeutralizeCell(dl.Address), dl.Language, strconv.FormatInt(dl.ID, 10)})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// pauseForGlyphs pauses the notice's print channel when err says its text
// holds characters the fonts cannot print: trying again cannot help until
// a font is configured (or the text changed).
func (d *Dispatcher) pauseForGlyphs(ctx context.Context, id int64, err error) {
	var ge *templates.GlyphError
	if errors.As(err, &ge) {
		d.pause(ctx, id, notices.Print, err.Error())
	}
}
