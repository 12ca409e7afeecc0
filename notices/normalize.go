package notices

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/crier-notices/crier/templates/lang"
	"github.com/nyaruka/phonenumbers"
)

// Normalizer cleans the values of a contact the way they are stored:
// phone numbers in E.164, emails with a lower-cased domain, language codes
// in ISO 639-1. It never guesses: a value it cannot read is an error that
// says why.
type Normalizer struct {
	Region string // for national phone numbers, "US" by default
}

// Email checks an address with net/mail and lower-cases its domain (the
// local part is case-sensitive by the standard, so it is kept).
func (n Normalizer) Email(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", fmt.Errorf("%q is not an email address", s)
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", fmt.Errorf("%q is not an email address: the domain %q is incomplete", s, domain)
	}
	return local + "@" + domain, nil
}

// Phone returns a phone number in E.164 ("+13155550142"). National numbers
// are read in the normalizer's region.
func (n Normalizer) Phone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	region := n.Region
	if region == "" {
		region = "US"
	}
	digits := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	p, err := phonenumbers.Parse(s, region)
	switch {
	case err != nil || digits < 7:
		return "", fmt.Errorf("%q is not a phone number (%d digits)", s, digits)
	case p.GetExtension() != "":
		// A text cannot reach an extension, and dropping it would
		// silently change the number.
		return "", fmt.Errorf("%q has an extension (%s): give the number without it", s, p.GetExtension())
	case !phonenumbers.IsValidNumber(p):
		return "", fmt.Errorf("%q is not a valid %s phone number", s, regionName(phonenumbers.GetRegionCodeForNumber(p), region))
	}
	return phonenumbers.Format(p, phonenumbers.E164), nil
}

func regionName(found, def string) string {
	if found != "" {
		return found
	}
	return def
}

// languageNames are names a billing export writes instead of a code.
var languageNames = map[string]string{
	"english": "en", "spanish": "es", "español": "es", "espanol": "es", "french": "fr", "français": "fr",
	"chinese": "zh", "vietnamese": "vi", "tagalog": "tl", "korean": "ko", "russian": "ru", "arabic": "ar",
	"portuguese": "pt", "português": "pt", "haitian creole": "ht", "creole": "ht", "polish": "pl", "italian": "it",
	"german": "de", "japanese": "ja", "hindi": "hi", "somali": "so", "hmong": "hmn",
}

// Language returns the language code of a contact's language written as a
// code, by lang.Code, the one rule for language codes ("ES_mx" is
// "es-MX", "spa" "es"), or as a common name a billing export writes
// ("Spanish", "Español"). An empty cell is "": the utility's default.
func (n Normalizer) Language(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if code, ok := languageNames[strings.ToLower(s)]; ok {
		return code, nil
	}
	return lang.Code(s)
}
