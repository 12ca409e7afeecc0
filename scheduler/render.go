package scheduler

import (
	"context"
	"errors"
	"fmt"
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
	store *notices.Store
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

	mu     sync.Mutex
	byLang map[string]rendered
}

type rendered struct {
	r   *templates.Rendering
	err error // the rendering failed; an SMS error spoils only the SMS
}

func newRenderCache(store *notices.Store, cfg *Config) *renderCache {
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
		nr.notice, nr.err = c.store.Notice(ctx, id)
		if nr.err != nil {
			nr.err = fmt.Errorf("notice %d: %w: %w", id, errStore, nr.err)
			return
		}
		nr.family, nr.err = c.cfg.Library.Family(nr.notice.Template)
		if nr.err != nil {
			nr.err = &noticeError{fmt.Errorf("notice %d: %w", id, nr.err)}
			return
		}
		nr.langs = nr.notice.Languages
		if len(nr.langs) == 0 {
			nr.langs = nr.family.Languages()
		}
		nr.domain = "crier.invalid"
		from := c.cfg.From
		if from == "" {
			from = c.cfg.Utility.Email
		}
		if a, err := mail.ParseAddress(from); err == nil {
			if _, dom, ok := strings.Cut(a.Address, "@"); ok {
				nr.domain = dom
			}
		}
	})
	if nr.err != nil {
		c.forget(id) // a template fixed meanwhile is found next time
		return nil, nr.err
	}
	return nr, nil
}

// rendering returns the notice's rendering in lang, made once.
func (c *renderCache) rendering(nr *noticeRender, lang string) (*templates.Rendering, error) {
	nr.mu.Lock()
	defer nr.mu.Unlock()
	if r, ok := nr.byLang[lang]; ok {
		return r.r, r.err
	}
	t := nr.family.ByLang[lang]
	if t == nil {
		t = nr.family.Original
	}
	r, err := templates.Render(t, templates.Values(nr.notice.Values), c.cfg.Utility, templates.Options{Date: noticeDate(nr.notice)})
	nr.byLang[lang] = rendered{r, err}
	return r, err
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
	m := channels.Message{ID: fmt.Sprintf("%d-%d", dl.NoticeID, dl.ID), To: dl.Address, ToName: dl.Name}
	nr, err := c.get(ctx, dl.NoticeID)
	if err != nil {
		return m, err
	}
	r, err := c.rendering(nr, dl.Language)
	if r == nil {
		return m, &noticeError{err} // the notice does not render in this language
	}
	switch dl.Channel {
	case notices.Email:
		h := templates.EmailHeader{
			From:      c.cfg.From,
			ReplyTo:   c.cfg.ReplyTo,
			To:        (&mail.Address{Name: dl.Name, Address: dl.Address}).String(),
			MessageID: fmt.Sprintf("crier-%d-%d@%s", dl.NoticeID, dl.ID, nr.domain),
		}
		if c.cfg.PublicURL != "" {
			h.Unsubscribe = strings.TrimSuffix(c.cfg.PublicURL, "/") + "/unsubscribe/" + strconv.FormatInt(dl.ID, 10) + "/" + nr.notice.UnsubscribeToken(dl.ID)
		}
		m.Email, err = r.Email(h)
		return m, err
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
