package web

import (
	"fmt"

	"github.com/crier-notices/crier/templates"
)

// unsubscribeWords are the words of the preferences page in one language.
type unsubscribeWords struct {
	Lang            string
	Title           string
	For             string // before the shortened address
	Leave           string // the one-click button, %s the category's words
	LeftAlready     string // %s the category's words
	Left            string // after a one-click, %s the category's words
	NothingToLeave  string // a one-click on an emergency's link
	Choose          string
	Service         string
	ServiceHelp     string
	Information     string
	InformationHelp string
	Emergency       string // why emergencies always come
	Save            string
	Saved           string
	InvalidTitle    string
	Invalid         string
	// Categories name the categories one can leave, as in "Unsubscribe
	// from service notices".
	Categories map[templates.Category]string
}

// left says that the address no longer gets category c.
func (w unsubscribeWords) left(c templates.Category) string {
	return fmt.Sprintf(w.Left, w.Categories[c])
}

// unsubscribeLanguages holds the page's words in each language it speaks;
// a recipient of another language reads the utility's default language,
// else English.
var unsubscribeLanguages = map[string]unsubscribeWords{
	"en": {
		Lang:            "en",
		Title:           "Email preferences",
		For:             "For",
		Leave:           "Unsubscribe from %s",
		LeftAlready:     "This address no longer receives %s by email.",
		Left:            "Done: this address will no longer receive %s by email.",
		NothingToLeave:  "Emergency notices cannot be unsubscribed from. Your other choices are below.",
		Choose:          "Which emails do you want to receive?",
		Service:         "Service notices",
		ServiceHelp:     "planned work, low pressure, water use restrictions",
		Information:     "Information",
		InformationHelp: "hydrant flushing, water quality reports, bill reminders",
		Emergency:       "Emergency notices, such as a boil water advisory, always reach you: they protect your health.",
		Save:            "Save my choices",
		Saved:           "Your choices are saved.",
		InvalidTitle:    "This link is not valid",
		Invalid:         "It may have been changed or cut short. Open the link exactly as it is in the email.",
		Categories: map[templates.Category]string{
			templates.Service:     "service notices",
			templates.Information: "information emails",
		},
	},
	"es": {
		Lang:            "es",
		Title:           "Preferencias de correo",
		For:             "Para",
		Leave:           "Cancelar la suscripción a los %s",
		LeftAlready:     "Esta dirección ya no recibe %s por correo.",
		Left:            "Listo: esta dirección ya no recibirá %s por correo.",
		NothingToLeave:  "No es posible darse de baja de los avisos de emergencia. Sus demás preferencias están abajo.",
		Choose:          "¿Qué correos desea recibir?",
		Service:         "Avisos de servicio",
		ServiceHelp:     "obras programadas, baja presión, restricciones de uso del agua",
		Information:     "Información",
		InformationHelp: "limpieza de hidrantes, informes de calidad del agua, recordatorios de factura",
		Emergency:       "Los avisos de emergencia, como un aviso para hervir el agua, siempre le llegan: protegen su salud.",
		Save:            "Guardar mis preferencias",
		Saved:           "Sus preferencias se guardaron.",
		InvalidTitle:    "Este enlace no es válido",
		Invalid:         "Puede que se haya cambiado o cortado. Abra el enlace tal como aparece en el correo.",
		Categories: map[templates.Category]string{
			templates.Service:     "avisos de servicio",
			templates.Information: "correos informativos",
		},
	},
}

// unsubscribeWordsFor returns the page's words in the first of langs it speaks (a
// regional form takes its language: es-MX reads es), else in English.
func unsubscribeWordsFor(langs ...string) unsubscribeWords {
	w, _ := wordsFor(unsubscribeLanguages, langs...)
	return w
}
