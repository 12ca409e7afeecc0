package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"time"

	"github.com/crier-notices/crier/app"
)

// contactsImportCmd is `crier contacts import`.
type contactsImportCmd struct {
	File     string            `arg:"" help:"The CSV file a billing system exported." type:"existingfile"`
	List     string            `help:"Add every imported contact to this list (created if missing)." placeholder:"NAME"`
	Map      map[string]string `help:"Say which field a column holds, overriding the names crier recognises: --map 'Cust Ref=account'. Fields: account, name, email, mobile, landline, postal_address, service_address, zone, tags, language, email_state, sms_state, or ignore." placeholder:"COLUMN=FIELD" mapsep:"none"`
	Encoding string            `help:"The file's character set: utf-8, latin1 or windows-1252." default:"utf-8" enum:"utf-8,utf8,latin1,iso-8859-1,windows-1252"`
	DryRun   bool              `help:"Check and count everything, write nothing."`
	Rejects  string            `help:"Where to write the rejected rows with their reasons (default: FILE with .rejects.csv in place of .csv). Written only when rows are rejected." placeholder:"FILE"`
}

// Help is shown by crier contacts import --help.
func (contactsImportCmd) Help() string {
	return `The import is all or nothing: an error or an interruption leaves the contacts as they were
(an import whose process was killed is undone by the next crier command). It holds the database's
write lock a quarter second at a time, so sending and recording go on meanwhile. One import at a time.
A row with any bad value is rejected whole and written to the rejects file with its line and the reason.
Exit status: 0 when the import ran (the summary counts the rejects), 1 when every row was rejected or it failed.`
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// lazyFile creates its file on the first write, so that an import without
// rejects leaves no empty rejects file.
type lazyFile struct {
	path string
	f    *os.File
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.f == nil {
		f, err := os.Create(l.path)
		if err != nil {
			return 0, err
		}
		l.f = f
	}
	return l.f.Write(p)
}

func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

func (c contactsImportCmd) Run(e *env) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if _, err := cfg.Normalizer(); err != nil {
		return err
	}
	in, err := os.Open(c.File)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	rejectsPath := c.Rejects
	if rejectsPath == "" {
		rejectsPath = strings.TrimSuffix(c.File, ".csv") + ".rejects.csv"
	}
	if ri, err := os.Stat(rejectsPath); err == nil && os.SameFile(ri, info) {
		return usageError("contacts import", fmt.Errorf("--rejects %s is the file being imported: name another file", rejectsPath))
	}
	s, err := cfg.Store(context.Background())
	if err != nil {
		return err
	}
	defer s.Close()

	// Ctrl-C cancels: the import undoes what it wrote and the store is as it was.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	// The rejects file appears with the first rejected row.
	rejects := &lazyFile{path: rejectsPath}
	counter := &countingReader{r: in}
	prog := newProgress(e.stderr, info.Size(), counter)
	a := commandApp(cfg, nil, s)
	res, err := a.ImportContacts(actingContext(ctx, ""), counter, c.File, app.ImportOptions{
		Map:      c.Map,
		Encoding: c.Encoding,
		List:     c.List,
		DryRun:   c.DryRun,
		Rejects:  rejects,
		Progress: prog.update,
	})
	prog.done()
	sum := res.Summary
	var ie *app.InvalidError
	everyRow := errors.As(err, &ie) // every row rejected: the summary counts them
	if cerr := rejects.Close(); (err == nil || everyRow) && cerr != nil {
		err, everyRow = fmt.Errorf("rejects %s: %w", rejectsPath, cerr), false
	}
	if err != nil && !everyRow {
		if sum.Read > 0 {
			return fmt.Errorf("%w\nnothing was imported: the store is as it was", err)
		}
		return err
	}
	fmt.Fprintln(e.stdout, sum)
	if sum.Rejected > 0 {
		fmt.Fprintf(e.stdout, "%d row(s) rejected, each with its line and reason in %s\n", sum.Rejected, rejectsPath)
	} else if c.Rejects == "" {
		// The default rejects file of an earlier import of this file
		// would now mislead: this import rejected nothing.
		if err := os.Remove(rejectsPath); err == nil {
			fmt.Fprintf(e.stdout, "no row rejected: removed the rejects file of an earlier import, %s\n", rejectsPath)
		}
	}
	if everyRow {
		return &exitError{code: 1, err: fmt.Errorf("every row of %s was rejected: check the reasons in %s (a wrong --encoding or --map?)", c.File, rejectsPath)}
	}
	return nil
}

// progress shows how far an import is: a bar redrawn in place on a
// terminal, a plain line every 50,000 rows otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	size     int64
	counter  *countingReader
	last     time.Time
	drawn    bool
	lastLine int
}

func newProgress(w io.Writer, size int64, counter *countingReader) *progress {
	p := &progress{w: w, size: size, counter: counter}
	if f, ok := w.(*os.File); ok {
		p.tty = isTerminal(f)
	}
	return p
}

func (p *progress) update(rows int) {
	if !p.tty {
		if rows-p.lastLine >= 50000 {
			p.lastLine = rows
			fmt.Fprintf(p.w, "%d rows read\n", rows)
		}
		return
	}
	if rows%1000 != 0 {
		return
	}
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond {
		p.last = now
		read, size := p.counter.n.Load(), max(p.size, 1)
		fmt.Fprintf(p.w, "\r%s %3.0f%% %d rows", bar(read, size, 30), min(float64(read)/float64(size), 1)*100, rows)
		p.drawn = true
	}
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
