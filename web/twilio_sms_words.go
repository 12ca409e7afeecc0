package web

import (
	"strings"

	"github.com/crier-notices/crier/notices"
)

// smsWords are the answers to a customer's text in one language, each a
// list of sentences; a sentence with {contact} is left out when the
// utility has no phone, email or website configured. Every answer begins
// with the utility's name, as carriers ask of a sender's replies.
type smsWords struct {
	stopped, started, notLifted, help, review []string
}

// smsAnswers are the answers by language. A customer's language without
// answers here gets the default language's, else English.
var smsAnswers = map[string]smsWords{
	"en": {
		stopped:   []string{"You are unsubscribed and will get no more texts from us.", "Reply START to get them again."},
		started:   []string{"You will get our texts again.", "Reply STOP to stop them."},
		notLifted: []string{"Texts to this number were not stopped by a reply, so START cannot restart them.", "Contact us: {contact}."},
		help:      []string{"Public notices by text.", "Help: {contact}.", "Reply STOP to get no more texts."},
		review:    []string{"To get no more texts from us, reply STOP."},
	},
	"es": {
		stopped:   []string{"Se ha dado de baja y no recibirá más mensajes nuestros.", "Responda START para volver a recibirlos."},
		started:   []string{"Volverá a recibir nuestros mensajes.", "Responda ALTO para dejar de recibirlos."},
		notLifted: []string{"Los mensajes a este número no se detuvieron por una respuesta, así que START no los reanuda.", "Contáctenos: {contact}."},
		help:      []string{"Avisos públicos por mensaje de texto.", "Ayuda: {contact}.", "Responda ALTO para no recibir más mensajes."},
		review:    []string{"Para no recibir más mensajes nuestros, responda ALTO."},
	},
}

// smsWordsFor returns the answers in the customer's language: the
// language of a Spanish keyword they wrote (ALTO, AYUDA …), else known
// (their contact's, or their last text's), else the default language.
func (s *Server) smsWordsFor(body, known string) smsWords {
	lang := known
	if k, ok := notices.ReplyKeyword(body); ok && k.Language != "" {
		lang = k.Language
	}
	w, _ := wordsFor(smsAnswers, lang, s.cfg.DefaultLanguage)
	return w
}

// say makes one answer: the utility's name, then the sentences, contact
// filled in.
func (s *Server) say(sentences []string, contact string) string {
	var parts []string
	if name := strings.TrimSpace(s.cfg.Utility.Name); name != "" {
		parts = append(parts, name+":")
	}
	for _, p := range sentences {
		if strings.Contains(p, "{contact}") {
			if contact == "" {
				continue
			}
			p = strings.ReplaceAll(p, "{contact}", contact)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}
