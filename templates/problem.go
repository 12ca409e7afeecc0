package templates

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a template, found by checking it: an error
// stops the template from being used, a warning does not.
type Problem struct {
	File    string
	Line    int // 0 when the problem concerns the whole file
	Warning bool
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Warning {
		b.WriteString(": warning")
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// Problems is the list of problems found in one or more templates. As an
// error it lists every one, a line each.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Errors returns the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Warnings returns the problems that are warnings.
func (ps Problems) Warnings() Problems {
	var out Problems
	for _, p := range ps {
		if p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// problemList collects problems for one file.
type problemList struct {
	file string
	list Problems
}

func (l *problemList) errorf(line int, format string, args ...any) {
	l.list = append(l.list, Problem{File: l.file, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (l *problemList) warnf(line int, format string, args ...any) {
	l.list = append(l.list, Problem{File: l.file, Line: line, Warning: true, Message: fmt.Sprintf(format, args...)})
}
