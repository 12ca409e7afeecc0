package templates

import (
	"slices"
	"strings"
	"testing"
)

var builtinNames = []string{
	"bill-due-reminder", "boil-water-advisory", "boil-water-advisory-lifted", "do-not-drink", "hydrant-flushing",
	"low-pressure-advisory", "main-break", "planned-service-interruption", "water-quality-report", "water-use-restrictions",
}

func builtinLibrary(t *testing.T) *Library {
	t.Helper()
	lib, ps := Builtin()
	if len(ps) > 0 {
		t.Fatalf("the built-in library has problems:\n%v", ps)
	}
	return lib
}

func TestBuiltinLibrary(t *testing.T) {
	lib := builtinLibrary(t)
	if got := lib.Names(); !slices.Equal(got, builtinNames) {
		t.Errorf("names %v, want %v", got, builtinNames)
	}
	for _, name := range builtinNames {
		fam, err := lib.Family(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fam.Languages(); !slices.Equal(got, []string{"en", "es"}) {
			t.Errorf("%s: languages %v, want en, es", name, got)
		}
	}
	if ps := CheckExamples(lib, testUtility); len(ps) > 0 {
		t.Errorf("built-in templates with their examples:\n%v", ps)
	}
}

// TestBuiltinChoicesRender renders every built-in template in both
// languages with every option of every choice field: no combination may
// fail (an SMS over its limit, a missing branch).
func TestBuiltinChoicesRender(t *testing.T) {
	lib := builtinLibrary(t)
	for _, name := range builtinNames {
		fam, _ := lib.Family(name)
		for _, f := range fam.Original.Fields {
			for _, opt := range f.Options {
				values := fam.Examples()
				values[f.Name] = opt
				for _, lang := range fam.Languages() {
					if _, err := Render(fam.ByLang[lang], values, testUtility, Options{Date: testDate}); err != nil {
						t.Errorf("%s (%s) with %s=%s: %v", name, lang, f.Name, opt, err)
					}
				}
			}
		}
	}
}

// tier1Elements are the ten elements 40 CFR 141.205 requires of a public
// notice, each as the words that carry it in each language. Field values
// come from the templates' examples; health effects depend on the cause.
type tier1Element struct {
	name string
	en   []string
	es   []string
}

var shareEN = "Please share this information with all the other people who drink this water, especially those who may not have received this notice directly (for example, people in apartments, nursing homes, schools, and businesses). You can do this by posting this notice in a public place or distributing copies by hand or mail."
var shareES = "Por favor, comparta esta información con todas las demás personas que beben esta agua, especialmente aquellas que tal vez no hayan recibido este aviso directamente (por ejemplo, personas en apartamentos, hogares de ancianos, escuelas y negocios). Puede hacerlo colocando este aviso en un lugar público o distribuyendo copias a mano o por correo."

func commonTier1Elements() []tier1Element {
	return []tier1Element{
		{"when it occurred", []string{"Saturday, November 28, 2026"}, []string{"sábado, 28 de noviembre de 2026"}},
		{"who is at risk", []string{"greater risk", "Infants"}, []string{"mayor riesgo", "bebés"}},
		{"alternative water supply", []string{"bottled water", "Millbrook Fire Station, 12 Main Street"}, []string{"agua embotellada", "Estación de Bomberos de Millbrook, 12 Main Street"}},
		{"what the utility is doing", []string{"is working to correct the problem"}, []string{"está trabajando para corregir el problema"}},
		{"when it expects to resolve it", []string{"We expect to resolve the problem by Monday, November 30, 2026"}, []string{"Esperamos resolver el problema para el lunes, 30 de noviembre de 2026"}},
		{"how to contact the utility", []string{testUtility.Name, testUtility.Address, testUtility.Phone}, []string{testUtility.Name, testUtility.Address, testUtility.Phone}},
		{"share with others", []string{shareEN}, []string{shareES}},
	}
}

func TestTier1NoticesCarryTheTenElements(t *testing.T) {
	inadequate := tier1Element{"health effects", []string{"Inadequately treated water may contain disease-causing organisms. These organisms include bacteria, viruses, and parasites which can cause symptoms such as nausea, cramps, diarrhea, and associated headaches."},
		[]string{"El agua que no se ha tratado adecuadamente puede contener organismos que causan enfermedades"}}
	boil := tier1Element{"what to do", []string{"rolling boil", "let it boil for one minute", "DO NOT DRINK THE WATER WITHOUT BOILING IT FIRST"}, []string{"Hierva el agua", "déjela hervir durante un minuto", "NO BEBA EL AGUA SIN HERVIRLA PRIMERO"}}
	doNotDrink := tier1Element{"what to do", []string{"Do not drink the tap water", "Do not boil the water"}, []string{"No beba el agua de la llave", "No hierva el agua"}}
	// byCause holds, per template and cause option, what happened and its
	// health effects in the EPA standard language. Every option of the
	// cause field must be listed, so a new cause cannot go unchecked.
	byCause := map[string]map[string][]tier1Element{
		"boil-water-advisory": {
			"e-coli": {
				{"what happened", []string{"E. coli bacteria were found in water samples from Oak Hill Road, Lakeview Drive and Cedar Lane"}, []string{"se encontró la bacteria E. coli en muestras de agua de Oak Hill Road, Lakeview Drive y Cedar Lane"}},
				{"health effects", []string{"E. coli are bacteria whose presence indicates that the water may be contaminated with human or animal wastes. Human pathogens in these wastes can cause short-term effects, such as diarrhea, cramps, nausea, headaches, or other symptoms."},
					[]string{"cuya presencia indica que el agua puede estar contaminada con desechos humanos o de animales"}},
				boil,
			},
			"loss-of-pressure":  {{"what happened", []string{"the water system lost pressure in the area of Oak Hill Road, Lakeview Drive and Cedar Lane"}, []string{"el sistema de agua perdió presión en la zona de Oak Hill Road, Lakeview Drive y Cedar Lane"}}, inadequate, boil},
			"main-break":        {{"what happened", []string{"a water main broke and the water pressure dropped in the area of"}, []string{"se rompió una tubería principal de agua y bajó la presión en la zona de"}}, inadequate, boil},
			"treatment-failure": {{"what happened", []string{"a problem at our water treatment plant meant that the water sent to"}, []string{"un problema en nuestra planta de tratamiento hizo que el agua enviada a"}}, inadequate, boil},
		},
		"do-not-drink": {
			"nitrate": {
				{"what happened", []string{"showed nitrate above the drinking water standard"}, []string{"mostraron nitrato por encima de la norma"}},
				{"health effects", []string{"Infants below the age of six months who drink water containing nitrate in excess of the MCL could become seriously ill and, if untreated, may die. Symptoms include shortness of breath and blue baby syndrome."},
					[]string{"Los bebés menores de seis meses que beban agua con nitrato por encima del MCL podrían enfermarse gravemente y, si no reciben tratamiento, podrían morir. Los síntomas incluyen dificultad para respirar y el síndrome del bebé azul."}},
				doNotDrink,
			},
			"nitrite": {
				{"what happened", []string{"showed nitrite above the drinking water standard"}, []string{"mostraron nitrito por encima de la norma"}},
				{"health effects", []string{"Infants below the age of six months who drink water containing nitrite in excess of the MCL could become seriously ill and, if untreated, may die. Symptoms include shortness of breath and blue baby syndrome."},
					[]string{"Los bebés menores de seis meses que beban agua con nitrito por encima del MCL podrían enfermarse gravemente"}},
				doNotDrink,
			},
			"chemical-spill": {
				{"what happened", []string{"a chemical spill (diesel fuel) may have contaminated the water that serves"}, []string{"un derrame de un producto químico"}},
				{"health effects", []string{"Some chemicals can harm your health if you swallow them."}, []string{"Algunos productos químicos pueden dañar la salud si se tragan."}},
				doNotDrink,
			},
			"unknown-contaminant": {
				{"what happened", []string{"an unknown substance may have gotten into the water that serves"}, []string{"una sustancia desconocida pudo haber entrado al agua que abastece a"}},
				{"health effects", []string{"We do not yet know what is in the water or whether it can make people sick."}, []string{"Todavía no sabemos qué hay en el agua ni si puede enfermar a las personas."}},
				doNotDrink,
			},
		},
	}
	lib := builtinLibrary(t)
	for name, causes := range byCause {
		fam, err := lib.Family(name)
		if err != nil {
			t.Fatal(err)
		}
		if fam.Original.Tier != 1 {
			t.Errorf("%s: tier %d, want 1", name, fam.Original.Tier)
		}
		cause, _ := fam.Original.Field("cause")
		for _, opt := range cause.Options {
			if _, ok := causes[opt]; !ok {
				t.Errorf("%s: cause %q has no expected wording in this test; add it", name, opt)
			}
		}
		for opt, elements := range causes {
			values := fam.Examples()
			values["cause"] = opt
			for _, lang := range []string{"en", "es"} {
				t.Run(name+"/"+opt+"/"+lang, func(t *testing.T) {
					r, err := Render(fam.ByLang[lang], values, testUtility, Options{Date: testDate})
					if err != nil {
						t.Fatal(err)
					}
					text := strings.Join(strings.Fields(r.Text()), " ")
					for _, el := range append(elements, commonTier1Elements()...) {
						phrases := el.en
						if lang == "es" {
							phrases = el.es
						}
						for _, p := range phrases {
							if !strings.Contains(text, p) {
								t.Errorf("element %q: the notice lacks %q", el.name, p)
							}
						}
					}
				})
			}
		}
	}
}

// A template name typed short or run together gets the names it is part of.
func TestFamilySuggestsLongerNames(t *testing.T) {
	lib, _ := Builtin()
	tests := []struct{ name, want string }{
		{"boil-water-advisry", "(did you mean boil-water-advisory?)"},
		{"hydrant-flush", "(did you mean hydrant-flushing?)"},
		{"bill-due", "(did you mean bill-due-reminder?)"},
		{"boilwater", "(did you mean boil-water-advisory or boil-water-advisory-lifted?)"},
		{"xyzzy", "crier templates list` shows them"},
		{"re", "crier templates list` shows them"},
	}
	for _, tt := range tests {
		_, err := lib.Family(tt.name)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Family(%q) = %v; want it to say %q", tt.name, err, tt.want)
		}
	}
}
