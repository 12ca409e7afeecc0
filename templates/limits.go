package templates

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
)

// The limits of one run of a template part. text/template cannot be
// cancelled, so a run writes into a runLimits that fails a write past the
// part's size or past the time limit, and the functions that build text
// (print, printf, println, html, js, urlquery) are replaced by ones that
// charge what they make to the same budget. What could loop without
// writing or calling them is refused before it runs (see checkBounds).
const (
	// MaxTemplateFile is the largest template file read, in bytes.
	MaxTemplateFile = 64 << 10
	// MaxSubject, MaxSMS and MaxBody are the most bytes a template's
	// subject, SMS and body (Markdown, values inserted) may come to. An
	// SMS is checked against Twilio's 1,600 characters after; this only
	// stops one far past that before it fills memory.
	MaxSubject = 2 << 10
	MaxSMS     = 8 << 10
	MaxBody    = 64 << 10
	// MaxRunTime is the longest one part may run.
	MaxRunTime = time.Second

	// maxCall is the most one function call may be asked to make, checked
	// before it makes it; what it then makes counts against the budget.
	maxCall = 1 << 20
)

// partLimit is the output limit of a part.
func partLimit(part string) int {
	switch part {
	case "subject":
		return MaxSubject
	case "sms":
		return MaxSMS
	}
	return MaxBody
}

// ErrLimit says a template went past one of its limits while it ran.
var ErrLimit = errors.New("template limit")

// LimitError says which limit a part of a template went past, and where.
type LimitError struct {
	File string
	Line int    // 0 when the line is not known
	Part string // subject, sms or body
	Msg  string
}

func (e *LimitError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Part, e.Msg)
}

// Is makes errors.Is(err, ErrLimit) true.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// limitMsg is the reason a run stopped, before file and line are known.
type limitMsg string

func (m limitMsg) Error() string { return string(m) }

// runLimits is one run's output and budget.
type runLimits struct {
	out      strings.Builder
	limit    int // bytes the part may write, and again that many made by functions
	made     int // bytes made by functions
	deadline time.Time
	now      func() time.Time
}

func newRunLimits(part string, now func() time.Time) *runLimits {
	return &runLimits{limit: partLimit(part), deadline: now().Add(MaxRunTime), now: now}
}

// Write keeps p unless the output would pass the limit or the time is up.
func (r *runLimits) Write(p []byte) (int, error) {
	if err := r.clock(); err != nil {
		return 0, err
	}
	if r.out.Len()+len(p) > r.limit {
		return 0, limitMsg(fmt.Sprintf("its text comes to more than %s, the most it may; shorten the template or the values it shows", bytesText(r.limit)))
	}
	return r.out.Write(p)
}

func (r *runLimits) clock() error {
	if r.now().After(r.deadline) {
		return limitMsg(fmt.Sprintf("it ran longer than %v, the most a template may", MaxRunTime))
	}
	return nil
}

// call runs a function that makes text: refused when it could make more
// than maxCall (estimate, from its arguments), and charged what it made.
func (r *runLimits) call(name string, estimate int, make func() string) (string, error) {
	if err := r.clock(); err != nil {
		return "", err
	}
	if estimate > maxCall {
		return "", limitMsg(fmt.Sprintf("%s would make up to %s of text, more than a template may", name, bytesText(estimate)))
	}
	s := make()
	r.made += len(s)
	if r.made > r.limit {
		return "", limitMsg(fmt.Sprintf("its functions made more than %s of text, the most it may", bytesText(r.limit)))
	}
	return s, nil
}

// funcs are the text-building functions, charged to r. They replace the
// built-in ones of the same names; they print as those do.
func (r *runLimits) funcs() texttemplate.FuncMap {
	escaper := func(name string, esc func(...any) string) func(...any) (string, error) {
		return func(args ...any) (string, error) {
			return r.call(name, 6*argsSize(args), func() string { return esc(args...) })
		}
	}
	return texttemplate.FuncMap{
		"print": func(args ...any) (string, error) {
			return r.call("print", argsSize(args), func() string { return fmt.Sprint(args...) })
		},
		"println": func(args ...any) (string, error) {
			return r.call("println", argsSize(args), func() string { return fmt.Sprintln(args...) })
		},
		"printf": func(format string, args ...any) (string, error) {
			if err := checkFormat(format); err != nil {
				return "", limitMsg(err.Error())
			}
			estimate := len(format)*maxFormatWidth + 10*argsSize(args) // %q writes a rune as up to 10 bytes
			return r.call("printf", estimate, func() string { return fmt.Sprintf(format, args...) })
		},
		"html":     escaper("html", texttemplate.HTMLEscaper),
		"js":       escaper("js", texttemplate.JSEscaper),
		"urlquery": escaper("urlquery", texttemplate.URLQueryEscaper),
	}
}

// argsSize is about how many bytes printing args takes: a field value in
// the body prints escaped, up to twice its length.
func argsSize(args []any) int {
	n := 0
	for _, a := range args {
		switch a := a.(type) {
		case string:
			n += len(a) + 1
		case mdText:
			n += 2*len(a) + 1
		default:
			n += len(fmt.Sprint(argValue(a))) + 1
		}
	}
	return n
}

// argValue keeps a value's size known before printing it: only strings,
// the utility's values and numbers reach functions, so anything else is
// printed by type name.
func argValue(a any) any {
	switch reflect.ValueOf(a).Kind() {
	case reflect.String, reflect.Map, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64, reflect.Uint64, reflect.Invalid:
		return a
	}
	return reflect.TypeOf(a).String()
}

var execErrAt = regexp.MustCompile(`^template: [a-z]+:(\d+):\d+: `)

// execute runs one part of t on data within the part's limits (see
// runLimits). A limit passed gives a *LimitError with the file, the part
// and, when text/template says it, the line.
func execute(t *Template, part string, tmpl *texttemplate.Template, data map[string]any) (string, error) {
	return executeAt(t, part, tmpl, data, time.Now)
}

func executeAt(t *Template, part string, tmpl *texttemplate.Template, data map[string]any, now func() time.Time) (string, error) {
	run := newRunLimits(part, now)
	if t.textFuncs[part] {
		// Cloned to give this run its own budget; most templates call
		// none of these functions and skip the cost.
		clone, err := tmpl.Clone()
		if err != nil {
			return "", fmt.Errorf("%s: %s: %w", t.File, part, err)
		}
		tmpl = clone.Funcs(run.funcs())
	}
	if err := tmpl.Execute(run, data); err != nil {
		var msg limitMsg
		if errors.As(err, &msg) {
			return "", &LimitError{File: t.File, Line: t.execLine(part, err), Part: part, Msg: string(msg)}
		}
		// Checking the template makes this rare: an undeclared field or a
		// bad call would have been reported when it was loaded.
		return "", fmt.Errorf("%s: %w", t.File, err)
	}
	return run.out.String(), nil
}

// execLine is the file line text/template's error names, or 0.
func (t *Template) execLine(part string, err error) int {
	m := execErrAt.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	base := map[string]int{"subject": t.subjectLine, "sms": t.smsLine, "body": t.bodyLine}[part]
	return base + n - 1
}

// bytesText writes a size as people read it: 64 KB, 2 KB, 29 MB.
func bytesText(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", (n+1<<20-1)>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+1<<10-1)>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
