package templates

import (
	"fmt"
	"time"
)

// phrases are the few words Crier itself adds around a notice (date line,
// footer, QR caption), per language. A language without an entry uses English.
var phrases = map[string]map[string]string{
	"en": {
		"issued":   "Issued",
		"contact":  "Questions? Contact",
		"scan":     "Scan for updates",
		"online":   "Read this notice online",
		"page":     "Page %d of %d",
		"footer":   "You receive this notice because you are a customer of %s.",
		"language": "English",
	},
	"es": {
		"issued":   "Emitido el",
		"contact":  "¿Preguntas? Comuníquese con",
		"scan":     "Escanee para ver novedades",
		"online":   "Lea este aviso en línea",
		"page":     "Página %d de %d",
		"footer":   "Recibe este aviso porque es cliente de %s.",
		"language": "Español",
	},
}

func phrase(lang, key string) string {
	if p, ok := phrases[lang][key]; ok {
		return p
	}
	return phrases["en"][key]
}

var (
	monthsEN = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	monthsES = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}
)

// longDate formats a calendar date the way a notice in lang writes it:
// "November 28, 2026" or "28 de noviembre de 2026".
func longDate(t time.Time, lang string) string {
	switch lang {
	case "es":
		return fmt.Sprintf("%d de %s de %d", t.Day(), monthsES[t.Month()-1], t.Year())
	default:
		return fmt.Sprintf("%s %d, %d", monthsEN[t.Month()-1], t.Day(), t.Year())
	}
}

// dateLine is the line under a flyer's headline: "Issued November 28, 2026".
func (r *Rendering) dateLine() string {
	d := r.Date
	if r.Utility.Location != nil {
		d = d.In(r.Utility.Location)
	}
	return phrase(r.Lang, "issued") + " " + longDate(d, r.Lang)
}
