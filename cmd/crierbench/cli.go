//go:build unix

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// benchCLI measures channel ch end to end as a user sends a notice: the
// contacts imported into a fresh store (not counted), then the crier
// program at o.cli runs `crier send` and then `crier dispatch` against
// the channel's sink, which runs in a process of its own. Times are wall
// clock from the start of send to the sink's last acceptance; CPU and
// peak memory are the two crier processes' (the sink's CPU is shown
// apart).
func benchCLI(ctx context.Context, o options, ch notices.Channel, log io.Writer) (res result, err error) {
	res = result{Channel: ch, N: o.n, Concurrency: o.concurrency[ch]}
	_, fam, err := builtinFamily(o.template)
	if err != nil {
		return res, err
	}
	dir, err := os.MkdirTemp("", "crierbench-cli-"+string(ch)+"-")
	if err != nil {
		return res, err
	}
	if o.keep {
		res.Dir = dir
	} else {
		defer os.RemoveAll(dir)
	}
	dsn := o.db
	if dsn == "" {
		dsn = filepath.Join(dir, "crier.db")
	}
	snk, table, err := startCLISink(ctx, ch, res.Concurrency, o.sinkKind(ch))
	if err != nil {
		return res, err
	}
	defer snk.Close()
	cfg := filepath.Join(dir, "crier.toml")
	if err := os.WriteFile(cfg, []byte(cliConfig(dsn, table)), 0o600); err != nil {
		return res, err
	}
	fmt.Fprintf(log, "%s (crier send, crier dispatch): importing %d contacts\n", ch, o.n)
	start := time.Now()
	if err := importCLI(ctx, o, dir, cfg, log); err != nil {
		return res, err
	}
	res.Import = time.Since(start)
	valuesFile := filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(valuesFile, []byte(valuesYAML(fam.Examples())), 0o600); err != nil {
		return res, err
	}

	t0 := time.Now()
	env := []string{}
	if ch == notices.SMS {
		env = append(env, "CRIER_TWILIO_AUTH_TOKEN="+authToken)
	}
	send, err := runCrier(ctx, o.cli, cfg, env, log, "send", "--channels", string(ch), "--list", listName, "--values", valuesFile, "--urgency", "emergency", "--yes", o.template)
	if err != nil {
		return res, err
	}
	published := time.Now()
	res.Publish = published.Sub(t0)
	dispatch, err := runCrier(ctx, o.cli, cfg, env, log, "dispatch")
	if err != nil {
		return res, err
	}
	res.CPU = send.cpu + dispatch.cpu
	res.PeakKB = max(send.peakKB, dispatch.peakKB)
	if err := snk.Close(); err != nil {
		return res, err
	}
	if first := snk.FirstAccepted(); !first.IsZero() {
		res.FirstAccepted = first.Sub(published)
	}
	res.Accepted, res.SinkCPU = snk.Accepted(), snk.CPU()
	if last := snk.LastAccepted(); !last.IsZero() {
		res.Send = last.Sub(t0)
	}
	return res, reportOf(ctx, dsn, ch, &res)
}

// importCLI imports o.n generated contacts with crier contacts import,
// as a user does, into the store of cfg: the store is then the one the
// crier program under test made, of its own schema.
func importCLI(ctx context.Context, o options, dir, cfg string, log io.Writer) error {
	csv := filepath.Join(dir, "contacts.csv")
	f, err := os.Create(csv)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	if err := errors.Join(writeContacts(w, o.n), w.Flush(), f.Close()); err != nil {
		return err
	}
	_, err = runCrier(ctx, o.cli, cfg, nil, log, "contacts", "import", csv, "--list", listName)
	return err
}

// reportOf fills res with the store's counts of the notice sent: the
// latest notice of the store at dsn.
func reportOf(ctx context.Context, dsn string, ch notices.Channel, res *result) error {
	store, err := notices.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	ns, err := store.Notices(ctx)
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		return fmt.Errorf("crier send stored no notice")
	}
	latest := slices.MaxFunc(ns, func(a, b notices.Notice) int { return int(a.ID - b.ID) })
	rep, err := store.Report(ctx, latest.ID)
	if err != nil {
		return err
	}
	c := rep.Channel(ch)
	res.Report, res.Status, res.Queued = c, rep.Notice.Status, c.Total
	res.Message = "as crier send builds it"
	return nil
}

// usage is what one crier process used.
type usage struct {
	cpu    time.Duration
	peakKB int64
}

// runCrier runs the crier program with the configuration cfg, the
// variables env and args, its standard error passed on to log, and returns the CPU time and peak
// memory it used.
func runCrier(ctx context.Context, crier, cfg string, env []string, log io.Writer, args ...string) (usage, error) {
	cmd := exec.CommandContext(ctx, crier, append([]string{args[0], "--config", cfg}, args[1:]...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, log
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Run(); err != nil {
		return usage{}, fmt.Errorf("crier %s: %w", args[0], err)
	}
	u := usage{cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		u.peakKB = int64(ru.Maxrss) // KB on Linux
	}
	return u, nil
}

// startCLISink starts channel ch's sink (kind, as sinkKind names it) and returns the crier.toml table
// that sends to it with conc messages in flight.
func startCLISink(ctx context.Context, ch notices.Channel, conc int, kind string) (*remoteSink, string, error) {
	switch ch {
	case notices.Email:
		s, err := startRemoteSink(ctx, kind)
		if err != nil {
			return nil, "", err
		}
		return s, fmt.Sprintf("[smtp]\nhost = %q\nport = %d\ntls = \"none\"\nconnections = %d\n", s.Host(), s.Port(), conc), nil
	case notices.SMS:
		t, err := startRemoteSink(ctx, kind)
		if err != nil {
			return nil, "", err
		}
		return t, fmt.Sprintf("[twilio]\naccount_sid = %q\nfrom = %q\napi_url = %q\nconcurrency = %d\nrate = 0\n", accountSID, fromNumber, t.URL(), conc), nil
	}
	return nil, "", fmt.Errorf("no sink for channel %s", ch)
}

// cliConfig is the crier.toml of a CLI run: the store, the benchmark's
// utility, and the channel's table.
func cliConfig(dsn, table string) string {
	u := utility()
	var b strings.Builder
	fmt.Fprintf(&b, "database = %q\npublic_url = %q\n\n[utility]\nname = %q\nphone = %q\nemail = %q\nwebsite = %q\naddress = %q\ntimezone = %q\n\n",
		dsn, publicURL, u.Name, u.Phone, u.Email, u.Website, u.Address, u.Location.String())
	b.WriteString("[contacts]\ndefault_region = \"US\"\n\n[schedule]\nquiet_hours = \"off\"\n\n")
	b.WriteString(table)
	return b.String()
}

// valuesYAML writes the template's values as crier send --values reads
// them: one FIELD: "VALUE" a line.
func valuesYAML(v templates.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + ": " + strconv.Quote(v[k]) + "\n")
	}
	return b.String()
}

// printCLINotes says what the columns of a CLI run mean.
func printCLINotes(w io.Writer, o options) {
	fmt.Fprintf(w, "end to end: %s send, then %s dispatch, each a process of its own\n", o.cli, o.cli)
	fmt.Fprintln(w, "publish s: crier send, from its start to its exit; first ms: from then to the first message the sink accepted (crier dispatch starting included)")
	fmt.Fprintln(w, "send s: from the start of crier send to the last message the sink accepted; msg/s: N / send s")
	fmt.Fprintln(w, "import s: generating and importing the contacts, not counted in send s")
	fmt.Fprintln(w, "peak MiB: the larger peak RSS of the two crier processes; CPU s: their user+system; the sink runs in crierbench and is counted in neither")
}
