package scheduler

import (
	"fmt"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// NoticeRenderings renders notice n as the dispatcher does (its template
// in cfg.Library, its values, its date, cfg.Utility) in each of langs, or
// in every language the notice goes out in when langs is empty, for what
// shows a notice to the public: its page, its feeds. A language the
// notice lacks gets its template's original, as the dispatcher gives it.
// A rendering whose SMS is too long is still returned (its title, subject
// and body are good); any other failure is an error naming the notice and
// the language.
func NoticeRenderings(cfg Config, n notices.Notice, langs ...string) ([]*templates.Rendering, error) {
	nr := &noticeRender{byLang: map[string]rendered{}}
	if err := nr.load(&cfg, n); err != nil {
		return nil, err
	}
	if len(langs) == 0 {
		langs = nr.langs
	}
	rs := make([]*templates.Rendering, 0, len(langs))
	for _, lang := range langs {
		r, err := nr.rendering(&cfg, lang)
		if r == nil {
			return nil, fmt.Errorf("notice %d (%s): %w", n.ID, lang, err)
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// NoticeLanguages returns the languages notice n goes out in: its own, or
// every language of its template family.
func NoticeLanguages(n notices.Notice, fam *templates.Family) []string {
	if len(n.Languages) > 0 {
		return n.Languages
	}
	return fam.Languages()
}

// NoticeDate is the date notice n carries, as the dispatcher renders it:
// when it goes out.
func NoticeDate(n notices.Notice) time.Time { return noticeDate(n) }
