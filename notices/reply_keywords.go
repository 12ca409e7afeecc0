package notices

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ReplyKind says what a customer's text to the utility's number asks for.
type ReplyKind string

// The kinds of reply.
const (
	ReplyStop     ReplyKind = "stop"     // an opt-out keyword: suppress the number at once
	ReplyStart    ReplyKind = "start"    // an opt-in keyword: lift a stop-reply suppression
	ReplyHelp     ReplyKind = "help"     // a help keyword: answer who we are and how to stop
	ReplyReview   ReplyKind = "review"   // reads as an opt-out but is no keyword: a person decides
	ReplyFeedback ReplyKind = "feedback" // anything else: kept with the last notice the number got
)

// Keyword is an SMS keyword as carriers match it.
type Keyword struct {
	Word     string    // as written here, upper case, without accents
	Kind     ReplyKind // ReplyStop, ReplyStart or ReplyHelp
	Language string    // "es" for a Spanish word, "" for the English ones every customer may use
}

// keywords are the words a whole message may be. The English ones are the
// industry's (CTIA) and Twilio's defaults. The Spanish opt-in words pair
// with YES and START: SI (typed SÍ or SI), COMENZAR and INICIAR; Twilio's own
// default opt-in words are English only, and its default opt-out words do
// not include ALTO, PARAR or CANCELAR, so a customer who stopped in Spanish
// starts again in Spanish.
var keywords = []Keyword{
	{"STOP", ReplyStop, ""}, {"STOPALL", ReplyStop, ""}, {"UNSUBSCRIBE", ReplyStop, ""},
	{"CANCEL", ReplyStop, ""}, {"END", ReplyStop, ""}, {"QUIT", ReplyStop, ""},
	{"REVOKE", ReplyStop, ""}, {"OPTOUT", ReplyStop, ""},
	{"ALTO", ReplyStop, "es"}, {"PARAR", ReplyStop, "es"}, {"CANCELAR", ReplyStop, "es"},
	{"START", ReplyStart, ""}, {"YES", ReplyStart, ""}, {"UNSTOP", ReplyStart, ""},
	{"SI", ReplyStart, "es"}, {"COMENZAR", ReplyStart, "es"}, {"INICIAR", ReplyStart, "es"},
	{"HELP", ReplyHelp, ""}, {"INFO", ReplyHelp, ""}, {"AYUDA", ReplyHelp, "es"},
}

// ReplyKeyword returns the keyword body is, matched as carriers match
// keywords: the whole message, in any case, with the spaces, punctuation
// and symbols around it ignored ("stop", " Stop. ", "¡ALTO!"). Because a
// phone may send what was typed in other forms, accents are ignored (SÍ is
// SI), full-width and other compatibility forms read as their plain letters
// (ＳＴＯＰ is STOP), invisible format characters are dropped, and spaces or
// hyphens inside it are ignored ("OPT-OUT", "STOP ALL"). "STOP PLEASE" is
// no keyword: see ReadsAsOptOut.
func ReplyKeyword(body string) (Keyword, bool) {
	core := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return r
	}, trimNonWords(foldReply(body)))
	if len(core) > len("UNSUBSCRIBE") {
		return Keyword{}, false
	}
	for _, k := range keywords {
		if strings.EqualFold(core, k.Word) {
			return k, true
		}
	}
	return Keyword{}, false
}

// ClassifyReply says what a reply asks for. optOutType is Twilio's
// OptOutType parameter (STOP, START or HELP), sent when its Advanced
// Opt-Out matched the message against the keywords configured there: when
// present, it wins over Crier's own matching, whatever the body says.
func ClassifyReply(body, optOutType string) ReplyKind {
	switch strings.ToUpper(strings.TrimSpace(optOutType)) {
	case "STOP":
		return ReplyStop
	case "START":
		return ReplyStart
	case "HELP":
		return ReplyHelp
	}
	if k, ok := ReplyKeyword(body); ok {
		return k.Kind
	}
	if ReadsAsOptOut(body) {
		return ReplyReview
	}
	return ReplyFeedback
}

// foldReply reads body as a carrier's keyword matcher should: compatibility
// forms as their plain letters (NFKC), accents and other combining marks
// dropped, invisible format characters (zero-width spaces, direction marks)
// dropped, and every letter in lower case.
func foldReply(body string) string {
	d := norm.NFD.String(norm.NFKC.String(body))
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return unicode.ToLower(r)
	}, d)
}

// trimNonWords cuts everything that is not a letter or a digit from both
// ends of s: spaces, punctuation, symbols, emoji.
func trimNonWords(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// optOutPhrases are the words and phrases that make a message read as an
// opt-out when it is no keyword, in English and Spanish, accents dropped
// and apostrophes closed up (don't is dont). The list is generous on
// purpose: a reply it catches wrongly costs a person a look at the review
// queue, while a missed opt-out is a text sent against the customer's
// wish.
var optOutPhrases = []string{
	// English
	"stop", "stopall", "stop all", "stopit", "unsubscribe", "unsub", "unsuscribe", "unsubcribe", "un subscribe",
	"optout", "opt out", "cancel", "revoke", "quit", "remove me", "remove my", "remove this", "no more", "take me off", "leave me alone",
	"dont text", "do not text", "dont send", "do not send", "dont message", "do not message",
	"dont contact", "do not contact", "dont want", "do not want", "no texts", "no text", "no messages",
	"end texts", "end messages", "end these", "not interested", "wrong number", "block me", "block this",
	// Spanish
	"alto", "parar", "paren", "pare", "parenle", "basta", "cancelar", "cancelen", "cancele", "no mas",
	"no me envien", "no me envie", "no me manden", "no me mande", "no me escriban", "no me contacten",
	"no envien", "no manden", "dejen de", "deje de", "dejar de", "no quiero", "no me interesa",
	"de baja", "quitar", "quiten", "quitenme", "quitame", "sacame", "saquenme", "eliminar", "eliminen",
	"borrar", "borren", "numero equivocado", "bloquear",
}

// ReadsAsOptOut reports whether body reads as a wish to get no more texts
// ("please stop texting me", "STOP PLEASE", "unsubscribe me", "no más",
// "no mas mensajes"): an opt-out keyword, or a message holding one of the
// words or phrases of an opt-out in English or Spanish.
func ReadsAsOptOut(body string) bool {
	if k, ok := ReplyKeyword(body); ok {
		return k.Kind == ReplyStop
	}
	text := " " + strings.Join(replyWords(body), " ") + " "
	for _, p := range optOutPhrases {
		if strings.Contains(text, " "+p+" ") {
			return true
		}
	}
	return false
}

// replyWords returns the words of body, folded as foldReply does, with
// apostrophes closed up.
func replyWords(body string) []string {
	closed := strings.Map(func(r rune) rune {
		if r == '\'' || r == '’' || r == 'ʼ' {
			return -1
		}
		return r
	}, foldReply(body))
	return strings.FieldsFunc(closed, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
