package notices

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClassifyReply(t *testing.T) {
	tests := []struct {
		name, body, optOutType string
		want                   ReplyKind
	}{
		{"stop", "stop", "", ReplyStop},
		{"stop with spaces and a full stop", " Stop. ", "", ReplyStop},
		{"stop on its own line", "\nSTOP\r\n", "", ReplyStop},
		{"stopall", "StopAll", "", ReplyStop},
		{"stop all in two words", "STOP ALL", "", ReplyStop},
		{"unsubscribe", "UNSUBSCRIBE", "", ReplyStop},
		{"cancel", "cancel", "", ReplyStop},
		{"end", "End", "", ReplyStop},
		{"quit", "quit!", "", ReplyStop},
		{"revoke", "Revoke", "", ReplyStop},
		{"optout", "optout", "", ReplyStop},
		{"opt-out with a hyphen", "Opt-Out", "", ReplyStop},
		{"alto", "ALTO", "", ReplyStop},
		{"alto between Spanish marks", "¡Alto!", "", ReplyStop},
		{"parar", "parar", "", ReplyStop},
		{"cancelar with an exclamation mark", "cancelar!", "", ReplyStop},
		{"full-width stop", "ＳＴＯＰ", "", ReplyStop},
		{"stop behind a zero-width space", "\u200bSTOP\u200b", "", ReplyStop},
		{"stop with an emoji", "STOP 🛑", "", ReplyStop},
		{"quoted stop", `"stop"`, "", ReplyStop},
		{"optouttype stop wins over an unusual body", "Basta ya por favor", "STOP", ReplyStop},
		{"optouttype in lower case", "arret", "stop", ReplyStop},
		{"start", "start", "", ReplyStart},
		{"yes", "Yes.", "", ReplyStart},
		{"unstop", "UNSTOP", "", ReplyStart},
		{"si with an accent", "Sí", "", ReplyStart},
		{"si in capitals with an accent", "SÍ", "", ReplyStart},
		{"comenzar", "comenzar", "", ReplyStart},
		{"iniciar", "INICIAR", "", ReplyStart},
		{"optouttype start", "subscribe me again", "START", ReplyStart},
		{"help", "help", "", ReplyHelp},
		{"help with a question mark", "HELP?", "", ReplyHelp},
		{"info", "Info", "", ReplyHelp},
		{"ayuda", "ayuda", "", ReplyHelp},
		{"optouttype help", "what is this", "HELP", ReplyHelp},
		{"an unknown optouttype is ignored", "thanks", "MAYBE", ReplyFeedback},
		{"please stop texting me", "please stop texting me", "", ReplyReview},
		{"stop please", "STOP PLEASE", "", ReplyReview},
		{"unsubscribe me", "unsubscribe me", "", ReplyReview},
		{"remove me", "Remove me from this list", "", ReplyReview},
		{"don't text", "Don't text me anymore", "", ReplyReview},
		{"don't text with a typographic apostrophe", "Don’t text me", "", ReplyReview},
		{"no más", "no más", "", ReplyReview},
		{"no mas mensajes", "no mas mensajes", "", ReplyReview},
		{"dejen de", "Dejen de enviarme mensajes", "", ReplyReview},
		{"no me envíen", "por favor no me envíen más", "", ReplyReview},
		{"wrong number", "wrong number", "", ReplyReview},
		{"a question is feedback", "When will the water be back on?", "", ReplyFeedback},
		{"thanks is feedback", "Thanks for letting us know", "", ReplyFeedback},
		{"Spanish thanks is feedback", "Gracias por el aviso", "", ReplyFeedback},
		{"a stop inside a word is not one", "nonstop pressure issues", "", ReplyFeedback},
		{"empty", "", "", ReplyFeedback},
		{"only punctuation", " ?! ", "", ReplyFeedback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClassifyReply(tt.body, tt.optOutType); got != tt.want {
				t.Errorf("ClassifyReply(%q, %q) = %s, want %s", tt.body, tt.optOutType, got, tt.want)
			}
		})
	}
}

func TestReplyKeywordLanguage(t *testing.T) {
	for body, want := range map[string]string{"ALTO": "es", "ayuda": "es", "sí": "es", "STOP": "", "help": ""} {
		k, ok := ReplyKeyword(body)
		if !ok || k.Language != want {
			t.Errorf("ReplyKeyword(%q) = %+v, %v; want a keyword of language %q", body, k, ok, want)
		}
	}
}

// FuzzReplyKeyword checks the keyword matcher on any text: it never
// panics, a keyword stays one with spaces and punctuation around it, and
// every opt-out keyword also reads as an opt-out, so the review queue's
// matcher is never narrower than the keywords'.
func FuzzReplyKeyword(f *testing.F) {
	for _, s := range []string{"stop", " Stop. ", "ＳＴＯＰ", "¡Alto!", "Sí", "STOP PLEASE", "no más", "\u200b", "e\u0301", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		k, ok := ReplyKeyword(body)
		kind := ClassifyReply(body, "")
		if ok != (kind == ReplyStop || kind == ReplyStart || kind == ReplyHelp) {
			t.Fatalf("%q: ReplyKeyword says %v, ClassifyReply %s", body, ok, kind)
		}
		if ok && k.Kind == ReplyStop && !ReadsAsOptOut(body) {
			t.Fatalf("%q is the opt-out keyword %s but does not read as an opt-out", body, k.Word)
		}
		if !ok || !utf8.ValidString(body) {
			return
		}
		wrapped := " \t\"" + body + "\" .!\n"
		if k2, ok2 := ReplyKeyword(wrapped); !ok2 || k2 != k {
			t.Fatalf("%q is %s, but %q is %+v, %v", body, k.Word, wrapped, k2, ok2)
		}
		if k2, _ := ReplyKeyword(strings.ToUpper(body)); k2.Kind != k.Kind {
			t.Fatalf("%q is %s, but in capitals %+v", body, k.Word, k2)
		}
	})
}
