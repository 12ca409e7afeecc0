package notices

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crier-notices/crier/templates/category"
	"github.com/crier-notices/crier/templates/lang"
)

// PublishSummary says what publishing a notice did.
type PublishSummary struct {
	NoticeID  int64
	Status    NoticeStatus // Sending, Scheduled (a send time to come), or Done (nobody to send to)
	Due       time.Time    // when the deliveries become due: now, or the send time
	Languages []string     // the languages the notice goes out in
	Fallback  string       // the language of contacts whose own language is not among them
	Contacts  int          // contacts in the audience
	Channels  []ChannelSummary
}

// ChannelSummary is what publishing did on one channel. Its ChannelCount is
// Resolve's, taken in the publishing transaction; of the Reached contacts,
// Queued got a delivery and Duplicates share an address with a contact
// that got one (a notice goes once to an address): Reached = Queued +
// Duplicates.
type ChannelSummary struct {
	ChannelCount
	Queued     int
	Duplicates int
}

// Channel returns the summary of channel ch (zero when the notice does not
// use it).
func (p PublishSummary) Channel(ch Channel) ChannelSummary {
	for _, c := range p.Channels {
		if c.Channel == ch {
			return c
		}
	}
	return ChannelSummary{ChannelCount: ChannelCount{Channel: ch}}
}

// Queued is the number of deliveries written, all channels together.
func (p PublishSummary) Queued() int {
	n := 0
	for _, c := range p.Channels {
		n += c.Queued
	}
	return n
}

// Publish checks the notice against its template family fam and writes its
// deliveries, in one transaction, so that a notice is either fully queued
// or not at all.
//
// It writes one delivery per contact of the audience and channel of the
// notice that ResolveFor counts as reached for the notice's category
// (NoticeCategory: an address, subscribed, the address not suppressed nor,
// for email, opted out of the category; print: a postal address but
// neither email nor mobile), with the contact's address, name and language frozen. A
// contact gets the notice language lang.Match chooses for
// theirs (a customer who reads es-MX gets es); one whose language none
// fits gets the fallback:
// defaultLang when the notice has it, else the template's original
// language, else the notice's first. Contacts sharing an address get one
// delivery, the first by contact id's. The rows are made by INSERT ...
// SELECT over the audience's condition: no contact passes through memory.
//
// The notice becomes Sending, its deliveries due now; or Done when nobody
// is reached and it does not print (print always writes the flyer). Its
// category and the number of email addresses left out for having opted
// out of it are kept with it (Notice.Category, Notice.OptedOut).
//
// A notice whose send time is to come is checked (values, languages,
// audience) and counted, and becomes Scheduled without deliveries: it is
// published for real when its time comes (a dispatcher calls Publish
// again, DueScheduled), so that the audience, the addresses and the
// languages are those of that moment (a customer added or an address
// changed meanwhile counts). Its summary's channels count whom it reaches
// now; none is Queued.
//
// Errors: NotFound; Conflict when the notice was already published or is
// not a draft; Invalid when fam is not the notice's template, when the
// notice asks for a language the template lacks, or when the values do not
// fill the template in every language of the notice (the Error wraps the
// templates.ValueErrors); those of Resolve for the audience.
func (s *Store) Publish(ctx context.Context, id int64, fam Template, defaultLang string) (PublishSummary, error) {
	sum := PublishSummary{NoticeID: id}
	if fam == nil || fam.TemplateName() == "" {
		return sum, errorf(Invalid, "publish notice %d: no template given", id)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		sum, err = s.publish(ctx, tx, id, fam, defaultLang)
		return err
	})
	if err != nil {
		return PublishSummary{NoticeID: id}, fmt.Errorf("publish notice %d: %w", id, err)
	}
	return sum, nil
}

// insertDeliveries writes the deliveries of notice id (of category cat)
// on channel ch for the contacts selected by where, and returns how many it wrote. The
// conflict clause collapses contacts sharing an address. (SQLite needs the
// SELECT's WHERE for the ON CONFLICT to parse, which it has.)
func insertDeliveries(ctx context.Context, tx *sql.Tx, id int64, ch Channel, cat category.Category, where string, whereArgs []any,
	lang sqlExpr, prio int, due, now time.Time) (int, error) {
	addr, reached, err := channelAddress(ch, cat)
	if err != nil {
		return 0, err
	}
	args := []any{id, string(ch)}
	args = append(args, lang.args...)
	args = append(args, prio, due.Format(timeLayout), now.Format(timeLayout), now.Format(timeLayout))
	args = append(args, whereArgs...)
	q := `INSERT INTO deliveries (notice_id, contact_id, channel, address, name, language, priority, next_attempt_at, created_at, updated_at)
SELECT ?, c.id, ?, ` + addr + `, c.name, ` + lang.sql + `, ?, ?, ?, ?
FROM contacts c WHERE ` + where + ` AND ` + reached + ` ORDER BY c.id
ON CONFLICT (notice_id, channel, address) DO NOTHING`
	r, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// sqlExpr is a piece of SQL and the arguments of its placeholders.
type sqlExpr struct {
	sql  string
	args []any
}

// deliveryLanguage returns the SQL for the language each contact of the
// audience (where) gets: the notice language lang.Match
// chooses for the contact's (es for a customer who reads es-MX), else
// fallback. The audience holds few distinct languages: one CASE arm each.
func deliveryLanguage(ctx context.Context, tx *sql.Tx, where string, whereArgs []any, langs []string, fallback string) (sqlExpr, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT c.language FROM contacts c WHERE `+where+` ORDER BY c.language`, whereArgs...)
	if err != nil {
		return sqlExpr{}, err
	}
	defer rows.Close()
	var e sqlExpr
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return sqlExpr{}, err
		}
		if m, ok := lang.Match(l, langs); ok && m != fallback {
			e.sql += " WHEN ? THEN ?"
			e.args = append(e.args, l, m)
		}
	}
	if err := rows.Err(); err != nil {
		return sqlExpr{}, err
	}
	if e.sql == "" {
		return sqlExpr{sql: "?", args: []any{fallback}}, nil
	}
	return sqlExpr{sql: "CASE c.language" + e.sql + " ELSE ? END", args: append(e.args, fallback)}, nil
}

// PublishLanguages returns the languages notice n goes out in (its own, or
// every language of the template) and the fallback language: the one a
// contact whose language is not among them gets. It is Publish's rule,
// for whoever must say beforehand what publishing will do. Errors:
// Invalid for a language the template lacks.
func PublishLanguages(n Notice, fam Template, defaultLang string) ([]string, string, error) {
	langs := n.Languages
	if len(langs) == 0 {
		langs = fam.Languages()
	}
	for _, l := range langs {
		if !hasLanguage(fam, l) {
			name := fam.TemplateName()
			return nil, "", errorf(Invalid, "template %s has no %s translation (it has %s): drop the language or add %s.%s.md",
				name, l, strings.Join(fam.Languages(), ", "), name, l)
		}
	}
	if l, ok := lang.Match(defaultLang, langs); ok {
		return langs, l, nil // es for a default of es-MX, by the one rule
	}
	if orig := fam.Languages()[0]; slices.Contains(langs, orig) {
		return langs, orig, nil
	}
	return langs, langs[0], nil
}

// checkValues fills the template in every language with the notice's
// values, and returns an Invalid error wrapping every problem found, each
// field once.
func checkValues(n Notice, fam Template, langs []string, region string) error {
	if err := fam.CheckValues(n.Values, langs, region); err != nil {
		return &Error{Code: Invalid, Message: fmt.Sprintf("the values do not fill template %s; fix them and publish again", fam.TemplateName()), Err: err}
	}
	return nil
}

// publish is Publish inside the transaction tx.
func (s *Store) publish(ctx context.Context, tx *sql.Tx, id int64, fam Template, defaultLang string) (PublishSummary, error) {
	sum := PublishSummary{NoticeID: id}
	err := func() error {
		if err := s.lockNotice(ctx, tx, id); err != nil {
			return err
		}
		n, err := notice(ctx, tx, id)
		if err != nil {
			return err
		}
		if !n.PublishedAt.IsZero() || n.Status != Draft && n.Status != Scheduled {
			return errorf(Conflict, "notice %d is %s: only a draft can be published (create a new notice to send it again)", id, n.Status)
		}
		if err := refuseAwaiting(ctx, tx, id, "published"); err != nil {
			return err
		}
		if fam.TemplateName() != n.Template {
			return errorf(Invalid, "notice %d uses template %s, not %s", id, n.Template, fam.TemplateName())
		}
		langs, fallback, err := PublishLanguages(n, fam, defaultLang)
		if err != nil {
			return err
		}
		if err := checkValues(n, fam, langs, s.PhoneRegion); err != nil {
			return err
		}
		sum.Languages, sum.Fallback = langs, fallback

		where, args, err := s.audienceWhere(ctx, tx, n.Audience)
		if err != nil {
			return err
		}
		cat := NoticeCategory(fam.Category(), n.Urgency)
		res, err := resolve(ctx, tx, where, args, cat)
		if err != nil {
			return err
		}
		sum.Contacts = res.Contacts

		now := s.Now().UTC()
		sum.Due, sum.Status = now, Sending
		if n.SendAt.After(now) {
			sum.Due, sum.Status = n.SendAt.UTC(), Scheduled
			for _, ch := range n.Channels {
				sum.Channels = append(sum.Channels, ChannelSummary{ChannelCount: res.Channel(ch)})
			}
			r, err := tx.ExecContext(ctx, `UPDATE notices SET status = 'scheduled', updated_at = ? WHERE id = ?`+unpublished, now.Format(timeLayout), id)
			return publishedOnce(id, r, err)
		}
		lang, err := deliveryLanguage(ctx, tx, where, args, langs, fallback)
		if err != nil {
			return fmt.Errorf("languages: %w", err)
		}
		for _, ch := range n.Channels {
			queued, err := insertDeliveries(ctx, tx, id, ch, cat, where, args, lang, priority(n.Urgency), sum.Due, now)
			if err != nil {
				return fmt.Errorf("%s deliveries: %w", ch, err)
			}
			c := ChannelSummary{ChannelCount: res.Channel(ch), Queued: queued}
			c.Duplicates = c.Reached - queued
			sum.Channels = append(sum.Channels, c)
		}
		// Print writes the flyer for posting even with no letters to mail.
		if sum.Queued() == 0 && !slices.Contains(n.Channels, Print) {
			sum.Status = Done
		}
		r, err := tx.ExecContext(ctx, `UPDATE notices SET status = ?, published_at = ?, updated_at = ?, category = ?, opted_out = ? WHERE id = ?`+unpublished,
			string(sum.Status), now.Format(timeLayout), now.Format(timeLayout), string(cat), sum.Channel(Email).OptedOut, id)
		return publishedOnce(id, r, err)
	}()
	return sum, err
}

// unpublished guards publish's UPDATE of the notice: it changes only a
// draft or scheduled notice not yet published, so that, should another
// transaction have published or cancelled it meanwhile, publishing
// writes nothing over it (lockNotice makes this the rule; the guard
// keeps it so whatever reads the notice without the lock).
const unpublished = ` AND status IN ('draft', 'scheduled') AND published_at IS NULL`

// publishedOnce turns the result of publish's guarded UPDATE into its
// error: Conflict when it changed no row (the transaction, rolled back,
// then writes no delivery either).
func publishedOnce(id int64, res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = errorf(Conflict, "notice %d was published or cancelled meanwhile, by another process", id)
	}
	return err
}
