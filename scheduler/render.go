package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// renderCache holds each notice's renderings, made once per notice and
// language; a recipient's message is then only its envelope.
type renderCache struct {
	store noticeReader
	cfg   *Config

	mu      sync.Mutex
	notices map[int64]*noticeRender
}

type noticeRender struct {
	once   sync.Once
	err    error // the notice or its template could not be loaded
	notice notices.Notice
	family *templates.Family
	langs  []string
	domain string // for Message-IDs
	// category is the notice's (notices.NoticeCategory): an emergency's
	// email has no one-click unsubscribe, nobody can leave it.
	category templates.Category

	mu     sync.Mutex
	byLang map[string]rendered
}

type rendered struct {
	r   *templates.Rendering
	err error // the rendering failed; an SMS error spoils only the SMS
}

func newRenderCache(store noticeReader, cfg *Config) *renderCache {
	return &renderCache{store: store, cfg: cfg, notices: map[int64]*noticeRender{}}
}

func (c *renderCache) ids() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]int64, 0, len(c.notices))
	for id := range c.notices {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (c *renderCache) forget(id int64) {
	c.mu.Lock()
	delete(c.notices, id)
	c.mu.Unlock()
}

// get returns the notice's entry, loading the notice and its template once.
func (c *renderCache) get(ctx context.Context, id int64) (*noticeRender, error) {
	c.mu.Lock()
	nr := c.notices[id]
	if nr == nil {
		nr = &noticeRender{byLang: map[string]rendered{}}
		c.notices[id] = nr
	}
	c.mu.Unlock()
	nr.once.Do(func() {
		n, err := c.store.Notice(ctx, id)
		if err != nil {
			nr.err = fmt.Errorf("notice %d: %w: %w", id, errStore, err)
			return
		}
		nr.err = nr.load(c.cfg, n)
	})
	if nr.err != nil {
		c.forget(id) // a template fixed meanwhile is found next time
		return nil, nr.err
	}
	return nr, nil
}

// load fills nr for notice n: its template family, its languages and the
// domain of its Message-IDs. A template gone is a noticeError.
func (nr *noticeRender) load(cfg *Config, n notices.Notice) error {
	nr.notice = n
	var err error
	nr.family, err = cfg.Library.Family(n.Template)
	if err != nil {
		return &noticeError{fmt.Errorf("notice %d: %w", n.ID, err)}
	}
	nr.category = n.CategoryWith(nr.family.Original.Category)
	nr.langs = n.Languages
	if len(nr.langs) == 0 {
		nr.langs = nr.family.Languages()
	}
	nr.domain = "crier.invalid"
	from := cfg.From
	if from == "" {
		from = cfg.Utility.Email
	}
	if a, err := mail.ParseAddress(from); err == nil {
		if _, dom, ok := strings.Cut(a.Address, "@"); ok {
			nr.domain = dom
		}
	}
	return nil
}

// rendering returns the notice's rendering in lang, made once.
func (c *renderCache) rendering(nr *noticeRender, lang string) (*templates.Rendering, error) {
	return nr.rendering(c.cfg, lang)
}

// ProofSubjectPrefix begins the subject of a proof's email.
const ProofSubjectPrefix = "[PROOF] "

// rendering returns the notice's rendering in lang with cfg, made once.
func (nr *noticeRender) rendering(cfg *Config, lang string) (*templates.Rendering, error) {
	nr.mu.Lock()
	defer nr.mu.Unlock()
	if r, ok := nr.byLang[lang]; ok {
		return r.r, r.err
	}
	t := nr.family.ByLang[lang]
	if t == nil {
		t = nr.family.Original
	}
	opts := templates.Options{Date: noticeDate(nr.notice), URL: notices.LanguagePage(pageURL(cfg, nr.notice), lang)}
	if nr.notice.Proof {
		// A proof reads as customers will read it, but its subject says
		// what it is, so that it is never taken for the notice itself
		// (forwarded, or found in an inbox later). The text message stays
		// as customers get it: a mark would change its segments.
		opts.SubjectPrefix = ProofSubjectPrefix
	}
	r, err := templates.Render(t, templates.Values(nr.notice.Values), cfg.Utility, opts)
	nr.byLang[lang] = rendered{r, err}
	return r, err
}

// pageURL is the address of notice n's page, behind its flyer's QR code
// and its {{.notice.url}}; "" without a public_url. A proof's leads to
// the proof's own page, so its text is the customers' to the segment.
func pageURL(cfg *Config, n notices.Notice) string {
	return notices.PageURL(cfg.PublicURL, n.Code)
}

// noticeDate is the date a notice carries: when it goes out.
func noticeDate(n notices.Notice) time.Time {
	if n.SendAt.After(n.PublishedAt) {
		return n.SendAt
	}
	if !n.PublishedAt.IsZero() {
		return n.PublishedAt
	}
	return n.CreatedAt
}

// errStore marks a failure to read the store: worth trying again.
var errStore = errors.New("store")

// noticeError is a failure to render a notice at all, as opposed to one
// recipient's message.
type noticeError struct{ err error }

func (e *noticeError) Error() string { return "the notice cannot be rendered: " + e.err.Error() }
func (e *noticeError) Unwrap() error { return e.err }

// message builds delivery dl's message: the notice's rendering in the
// recipient's language, addressed to the recipient.
func (c *renderCache) message(ctx context.Context, dl notices.Delivery) (channels.Message, error) {
	nr, err := c.get(ctx, dl.NoticeID)
	if err != nil {
		return channels.Message{ID: deliveryName(dl), To: dl.Address, ToName: dl.Name}, err
	}
	return nr.message(c.cfg, dl)
}

// deliveryName is the name of dl's message: NOTICE-DELIVERY (the
// message's id, its file name in the outbox, its Message-ID's left part).
func deliveryName(dl notices.Delivery) string {
	return strconv.FormatInt(dl.NoticeID, 10) + "-" + strconv.FormatInt(dl.ID, 10)
}

// message builds dl's message. Its error is a noticeError when the fault
// is the same for every recipient (the configuration, the notice's
// rendering), else the recipient's own (their address, their name).
func (nr *noticeRender) message(cfg *Config, dl notices.Delivery) (channels.Message, error) {
	m := channels.Message{ID: deliveryName(dl), To: dl.Address, ToName: dl.Name}
	r, err := nr.rendering(cfg, dl.Language)
	if r == nil {
		return m, &noticeError{err} // the notice does not render in this language
	}
	switch dl.Channel {
	case notices.Email:
		e, err := r.Email(nr.emailHeader(cfg, dl))
		if err != nil {
			// Whose fault: the same email to a sample recipient tells.
			sample := dl
			sample.Address, sample.Name = sampleEmail, sampleName
			if _, serr := r.Email(nr.emailHeader(cfg, sample)); serr != nil {
				return m, &noticeError{err}
			}
			return m, err
		}
		// The email channel takes the same envelope and bytes: the two
		// types have the same fields, so one converts to the other (and
		// stops compiling the day they differ).
		m.Email = (*channels.Email)(e)
		return m, nil
	case notices.SMS:
		if err != nil {
			// Too long since the template or the utility changed: every
			// recipient's text would fail alike.
			return m, &noticeError{err}
		}
		m.SMS = &channels.SMS{Body: r.SMS.Text, Encoding: string(r.SMS.Encoding), Segments: r.SMS.Segments}
		return m, nil
	}
	return m, fmt.Errorf("channel %s has no per-recipient message", dl.Channel)
}

// emailHeader is dl's email header: the configured sender, the recipient,
// a Message-ID of the notice's domain, and with a public address the
// recipient's preferences link, which is also the one-click unsubscribe
// address except in an emergency (RFC 8058's one click leaves the
// notice's category, and nobody can leave emergencies).
func (nr *noticeRender) emailHeader(cfg *Config, dl notices.Delivery) templates.EmailHeader {
	h := templates.EmailHeader{
		From:      cfg.From,
		ReplyTo:   cfg.ReplyTo,
		To:        templates.Address(dl.Name, dl.Address),
		MessageID: "crier-" + deliveryName(dl) + "@" + nr.domain,
	}
	h.Preferences = notices.PreferencesURL(cfg.PublicURL, nr.notice, dl.ID)
	if nr.category != templates.Emergency {
		h.Unsubscribe = h.Preferences
	}
	return h
}

// The sample recipient of CheckNotice, and of the test that tells a
// recipient's fault from everyone's.
const (
	sampleName   = "Sample Customer"
	sampleEmail  = "sample.customer@example.org"
	sampleMobile = "+13155550100"
	samplePostal = "1 Sample Street, Springfield, NY 13000"
)

// CheckNotice makes notice n's messages for a sample recipient, one per
// channel and language, exactly as the dispatcher will with cfg, so that
// whatever the dispatcher would refuse for every recipient (the
// configuration, the values, a text over its length) is refused before
// the notice is published. The error lists each channel and language
// that fails, with the reason.
func CheckNotice(cfg Config, n notices.Notice) error {
	if n.CreatedAt.IsZero() && n.PublishedAt.IsZero() {
		now := time.Now
		if cfg.Now != nil {
			now = cfg.Now
		}
		n.CreatedAt = now() // the date the notice will carry
	}
	nr := &noticeRender{byLang: map[string]rendered{}}
	if err := nr.load(&cfg, n); err != nil {
		return err
	}
	var problems []string
	for _, ch := range n.Channels {
		if ch == notices.Print {
			if err := nr.checkPrint(&cfg); err != nil {
				problems = append(problems, fmt.Sprintf("print: %v", err))
			}
			continue
		}
		for _, lang := range nr.langs {
			if err := nr.check(&cfg, ch, lang); err != nil {
				problems = append(problems, fmt.Sprintf("%s (%s): %v", ch, lang, err))
			}
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// check makes the notice's message on channel ch in lang for the sample
// recipient.
func (nr *noticeRender) check(cfg *Config, ch notices.Channel, lang string) error {
	dl := notices.Delivery{ID: 1, NoticeID: nr.notice.ID, Channel: ch, Name: sampleName, Address: sampleEmail, Language: lang}
	if ch == notices.SMS {
		dl.Address = sampleMobile
	}
	_, err := nr.message(cfg, dl)
	var ne *noticeError
	if errors.As(err, &ne) {
		return ne.err // "the notice cannot be rendered" says too little here
	}
	return err
}

// checkPrint makes the print channel's documents as the dispatcher does:
// the flyer in every language, and a sample letter in each.
func (nr *noticeRender) checkPrint(cfg *Config) error {
	var rs []*templates.Rendering
	var letters []templates.Letter
	for _, lang := range nr.langs {
		r, err := nr.rendering(cfg, lang)
		if r == nil {
			return fmt.Errorf("%s: %w", lang, err)
		}
		rs = append(rs, r)
		letters = append(letters, templates.Letter{Rendering: r, Name: sampleName, Address: samplePostal})
	}
	if err := templates.Flyer(io.Discard, rs...); err != nil {
		return fmt.Errorf("flyer: %w", err)
	}
	if _, err := templates.Letters(io.Discard, letters); err != nil {
		return fmt.Errorf("letters: %w", err)
	}
	return nil
}
