package notices

import (
	"context"
	"fmt"

	"github.com/crier-notices/crier/templates/lang"
)

// LanguageFallback is how many contacts of a notice's audience prefer a
// language the notice does not go out in, and the language they get.
type LanguageFallback struct {
	Language string // the contact's language; "" for none (the utility's default)
	Contacts int
	Gets     string // the language publishing gives them
}

// Fallbacks counts the contacts of notice n's audience whose language the
// notice lacks, by language, most first, with the language they get by
// PublishLanguages' rule and lang.Match (what Publish
// applies). Contacts without a
// language count only when the default language is not the one they get.
// Errors: those of Resolve, and PublishLanguages'.
func (s *Store) Fallbacks(ctx context.Context, n Notice, fam Template, defaultLang string) ([]LanguageFallback, error) {
	langs, fallback, err := PublishLanguages(n, fam, defaultLang)
	if err != nil {
		return nil, err
	}
	where, args, err := s.audienceWhere(ctx, s.db, n.Audience)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.language, count(*) FROM contacts c WHERE `+where+
		` GROUP BY c.language ORDER BY count(*) DESC, c.language`, args...)
	if err != nil {
		return nil, fmt.Errorf("count the audience's languages: %w", err)
	}
	defer rows.Close()
	var out []LanguageFallback
	for rows.Next() {
		f := LanguageFallback{Gets: fallback}
		if err := rows.Scan(&f.Language, &f.Contacts); err != nil {
			return nil, err
		}
		if _, theirs := lang.Match(defaultLang, []string{fallback}); f.Language == "" && theirs {
			continue // they get the default language, which is theirs
		}
		if _, ok := lang.Match(f.Language, langs); ok {
			continue // theirs, or its base (es for es-MX), as Publish gives it
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
