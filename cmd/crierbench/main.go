//go:build unix

// Command crierbench measures how fast Crier publishes a notice and sends
// it. For each channel it generates N contacts in a fresh store, publishes
// a notice to them and dispatches it to a loopback sink (an SMTP server
// that discards what it accepts, or an HTTP server shaped like Twilio's
// Messages API), then prints a table: the seconds from publish to the last
// message the sink accepted, messages per second, peak memory and CPU
// seconds. It exits 1 unless every channel's sink accepted N messages and
// the store reports N sent.
//
// Each channel runs in a child process of its own (the command runs itself
// again), so that each channel's peak memory is its own. The sink runs in
// another process, so that the CPU time and peak memory are Crier's alone;
// the sink's CPU time is shown apart.
//
//	go run ./cmd/crierbench -n 100000
//	go run ./cmd/crierbench -channels email -concurrency 4 -cpuprofile cpu.prof
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"
	_ "time/tzdata" // the utility's time zone on machines without a zoneinfo database

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/channels/email"
	"github.com/crier-notices/crier/channels/sms"
	"github.com/crier-notices/crier/internal/gcpace"
	"github.com/crier-notices/crier/internal/logs"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/notices/importer"
	_ "github.com/crier-notices/crier/notices/postgres" // the engines crierbench measures
	_ "github.com/crier-notices/crier/notices/sqlite"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/templates"
	"github.com/crier-notices/crier/web"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command line's.
type options struct {
	n           int
	channels    []notices.Channel
	concurrency map[notices.Channel]int
	template    string
	db          string
	keep        bool
	cpuprofile  string
	memprofile  string
	timeout     time.Duration
	sameProcess bool
	ceiling     bool
	smtpSink    string
	twilioSink  string
	// cli is the crier program to measure end to end (crier send, then
	// crier dispatch) instead of the dispatcher in this process.
	cli string
	// child, set by the parent process only, runs that one channel and
	// prints its result as JSON on standard output.
	child string
	// serveSink, set by crierbench for its own sinks, runs only a sink.
	serveSink string
}

// The benchmark's fixed setting: a Twilio account the sink accepts and the
// utility whose notice goes out.
const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "crierbenchT0ken"
	fromNumber = "+13155550100"
	publicURL  = "https://water.example"
	listName   = "crierbench"
	childFlag  = "child"
)

var defaultConcurrency = map[notices.Channel]int{notices.Email: 8, notices.SMS: 16}

func utility() templates.Utility {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		loc = time.UTC
	}
	return templates.Utility{
		Name:     "County Water Board",
		Phone:    "(315) 555-0142",
		Email:    "notices@water.example",
		Website:  "https://water.example",
		Address:  "1 Reservoir Road, Springfield, NY 13000",
		Location: loc,
	}
}

// errUsage is a command line that cannot run; the flag package has said why.
var errUsage = errors.New("usage")

func parseArgs(args []string, stderr io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("crierbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.n, "n", 100000, "number of contacts, and of messages per channel")
	chans := fs.String("channels", "email,sms", "channels to measure, one run each: email, sms or both")
	conc := fs.String("concurrency", "email=8,sms=16", "messages in flight per channel: one number for every channel, or channel=number pairs")
	fs.StringVar(&o.template, "template", "boil-water-advisory", "built-in template to send, filled with its example values")
	fs.StringVar(&o.db, "db", "", "store to use instead of a fresh SQLite file in a temporary folder: a SQLite file or a postgres:// URL; it should hold no other queued notice. Without -db, CRIER_DATABASE_URL is read: put a URL with a password there, not on the command line, where ps shows it")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary folder with its store")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of publishing and sending to `file` (with several channels, cpu.prof becomes cpu.email.prof, cpu.sms.prof)")
	fs.StringVar(&o.memprofile, "memprofile", "", "write a heap profile taken after sending to `file` (named per channel as -cpuprofile is)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up a channel's send after this long")
	fs.BoolVar(&o.sameProcess, "same-process", false, "run every channel in this process: peak memory is then the process's so far")
	fs.StringVar(&o.smtpSink, "smtp-sink", "go-smtp", "the discard SMTP server: go-smtp (github.com/emersion/go-smtp, reads byte by byte), or lean (reads line by line, leaving more of a small machine's CPU to the sender)")
	fs.StringVar(&o.twilioSink, "twilio-sink", "net-http", "the server shaped like Twilio's: net-http (net/http's server), or lean (its own loop over each connection, one write a reply, leaving more of a small machine's CPU to the sender)")
	fs.BoolVar(&o.ceiling, "ceiling", false, "also time plain go-mail sending one pre-built message over the same connections to the same sink: the ceiling on this machine")
	fs.StringVar(&o.cli, "cli", "", "measure the crier program at `path` end to end as a user sends (crier send, then crier dispatch, with a crier.toml for the sink) instead of the dispatcher in this process")
	fs.StringVar(&o.child, childFlag, "", "")
	fs.StringVar(&o.serveSink, sinkFlag, "", "")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: crierbench [flags]\n\nPublishes a notice to N generated contacts and sends it to loopback sinks, one run per channel.\n\nFlags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name == childFlag || f.Name == sinkFlag {
				return // internal: how the command runs itself
			}
			name, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(stderr, "  -%s", f.Name)
			if name != "" {
				fmt.Fprintf(stderr, " %s", name)
			}
			fmt.Fprintf(stderr, "\n    \t%s", usage)
			if f.DefValue != "" && f.DefValue != "false" {
				fmt.Fprintf(stderr, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(stderr)
		})
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errUsage
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q: every setting is a flag (see -h)", fs.Arg(0))
	}
	if o.n < 1 || o.n > 7_000_000 {
		return o, fmt.Errorf("-n %d: give between 1 and 7000000 contacts", o.n)
	}
	if o.smtpSink != "go-smtp" && o.smtpSink != "lean" {
		return o, fmt.Errorf("-smtp-sink %q: give go-smtp or lean", o.smtpSink)
	}
	if o.twilioSink != "net-http" && o.twilioSink != "lean" {
		return o, fmt.Errorf("-twilio-sink %q: give net-http or lean", o.twilioSink)
	}
	if o.timeout <= 0 {
		return o, fmt.Errorf("-timeout %v: give a positive duration such as 10m", o.timeout)
	}
	var err error
	if o.channels, err = parseChannels(*chans); err != nil {
		return o, err
	}
	if o.concurrency, err = parseConcurrency(*conc); err != nil {
		return o, err
	}
	if o.db == "" {
		// A password in a flag is in ps's output and the shell's history.
		o.db = os.Getenv("CRIER_DATABASE_URL")
	}
	if o.child != "" && !slices.Contains(o.channels, notices.Channel(o.child)) {
		return o, fmt.Errorf("-%s %q is not among -channels", childFlag, o.child)
	}
	return o, nil
}

func parseChannels(s string) ([]notices.Channel, error) {
	var chs []notices.Channel
	for f := range strings.SplitSeq(s, ",") {
		ch := notices.Channel(strings.TrimSpace(f))
		switch {
		case ch != notices.Email && ch != notices.SMS:
			return nil, fmt.Errorf("-channels: %q is not a channel crierbench measures (use email, sms or email,sms)", ch)
		case slices.Contains(chs, ch):
			return nil, fmt.Errorf("-channels: %s is named twice", ch)
		}
		chs = append(chs, ch)
	}
	return chs, nil
}

// parseConcurrency reads "8" (every channel) or "email=8,sms=16" (the
// channels not named keep their default).
func parseConcurrency(s string) (map[notices.Channel]int, error) {
	out := map[notices.Channel]int{}
	for ch, n := range defaultConcurrency {
		out[ch] = n
	}
	bad := func(v string) error {
		return fmt.Errorf("-concurrency %q: give a number of at least 1, or pairs such as email=8,sms=16", v)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		if n < 1 {
			return nil, bad(s)
		}
		for ch := range out {
			out[ch] = n
		}
		return out, nil
	}
	for f := range strings.SplitSeq(s, ",") {
		name, num, ok := strings.Cut(strings.TrimSpace(f), "=")
		ch := notices.Channel(strings.TrimSpace(name))
		n, err := strconv.Atoi(strings.TrimSpace(num))
		if _, known := out[ch]; !ok || !known || err != nil || n < 1 {
			return nil, bad(s)
		}
		out[ch] = n
	}
	return out, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "crierbench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if o.serveSink != "" {
		return serveSink(o.serveSink, os.Stdin, stdout, stderr)
	}
	if o.cli == "" {
		gcpace.Set() // the dispatcher here runs as in crier (which sets it itself)
	}
	if o.child != "" {
		res, err := benchChannel(ctx, o, notices.Channel(o.child), stderr)
		if err != nil {
			fmt.Fprintf(stderr, "crierbench: %s: %v\n", o.child, err)
			return 1
		}
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			fmt.Fprintln(stderr, "crierbench:", err)
			return 1
		}
		return 0
	}

	var results []result
	failed := false
	for _, ch := range o.channels {
		var res result
		switch {
		case o.cli != "":
			res, err = benchCLI(ctx, o, ch, stderr)
		case o.sameProcess:
			res, err = benchChannel(ctx, o, ch, stderr)
		default:
			res, err = runChild(ctx, args, ch, stderr)
		}
		if err != nil {
			fmt.Fprintf(stderr, "crierbench: %s: %v\n", ch, err)
			failed = true
			if ctx.Err() != nil {
				break
			}
			continue
		}
		results = append(results, res)
	}
	printTable(stdout, o, results)
	if o.ceiling && slices.Contains(o.channels, notices.Email) {
		if err := emailCeiling(ctx, o.template, o.n, o.concurrency[notices.Email], o.smtpSink, stdout); err != nil {
			fmt.Fprintln(stderr, "crierbench:", err)
			failed = true
		}
	}
	for _, r := range results {
		if err := verify(r); err != nil {
			fmt.Fprintf(stderr, "crierbench: %s: FAILED: %v\n", r.Channel, err)
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}

// runChild runs the benchmark of channel ch in a new process of this
// program, with the same flags, and returns the result it prints.
func runChild(ctx context.Context, args []string, ch notices.Channel, stderr io.Writer) (result, error) {
	exe, err := os.Executable()
	if err != nil {
		return result{}, fmt.Errorf("cannot find this program to run it again: %w", err)
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, exe, append(slices.Clone(args), "-"+childFlag, string(ch))...)
	cmd.Stdout, cmd.Stderr = &out, stderr
	// An interrupt reaches the child from the terminal too; give it time
	// to remove its temporary folder.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("child process: %w", err)
	}
	var res result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return result{}, fmt.Errorf("child process's result %q: %w", out.String(), err)
	}
	return res, nil
}

// result is one channel's run.
type result struct {
	Channel     notices.Channel `json:"channel"`
	N           int             `json:"n"`
	Concurrency int             `json:"concurrency"`
	Import      time.Duration   `json:"import"`  // generating and importing the contacts: not counted
	Publish     time.Duration   `json:"publish"` // Publish alone
	Send        time.Duration   `json:"send"`    // from just before Publish to the sink's last acceptance
	// FirstAccepted is from the end of Publish (the notice committed and
	// the dispatcher woken) to the sink's first acceptance.
	FirstAccepted time.Duration `json:"first_accepted"`
	CPU           time.Duration `json:"cpu"`      // user+system, Publish to the end of the drain
	SinkCPU       time.Duration `json:"sink_cpu"` // the sink process's user+system
	PeakKB        int64         `json:"peak_kb"`  // the process's peak RSS
	// SendPeakKB is the peak RSS from the end of the import on, when the
	// system lets the peak be reset; 0 otherwise.
	SendPeakKB int64  `json:"send_peak_kb"`
	Message    string `json:"message"` // what one message is: its size

	Queued   int                   `json:"queued"`   // deliveries Publish wrote
	Accepted int64                 `json:"accepted"` // messages the sink accepted
	Report   notices.ChannelReport `json:"report"`   // the store's counts for the channel
	Status   notices.NoticeStatus  `json:"status"`
	Dir      string                `json:"dir,omitempty"` // the folder kept with -keep
}

// verify says what is wrong with r: every contact must have been queued,
// accepted by the sink exactly once and recorded as sent.
func verify(r result) error {
	var probs []string
	n := int64(r.N)
	if r.Queued != r.N {
		probs = append(probs, fmt.Sprintf("publishing queued %d deliveries; want %d", r.Queued, r.N))
	}
	if r.Accepted != n {
		probs = append(probs, fmt.Sprintf("the sink accepted %d messages; want %d", r.Accepted, n))
	}
	c := r.Report
	if c.Sent != r.N || c.Total != r.N {
		probs = append(probs, fmt.Sprintf("the store reports %d sent of %d deliveries (%d failed, %d queued, %d sending); want %d sent of %d",
			c.Sent, c.Total, c.Failed, c.Queued, c.Sending, r.N, r.N))
	}
	if r.Status != notices.Done {
		probs = append(probs, fmt.Sprintf("the notice is %s; want done", r.Status))
	}
	if len(probs) > 0 {
		return errors.New(strings.Join(probs, "; "))
	}
	return nil
}

// benchChannel imports N contacts into a store, publishes the notice on
// channel ch and drains it to the channel's sink.
func benchChannel(ctx context.Context, o options, ch notices.Channel, log io.Writer) (res result, err error) {
	res = result{Channel: ch, N: o.n, Concurrency: o.concurrency[ch]}
	lib, fam, err := builtinFamily(o.template)
	if err != nil {
		return res, err
	}
	u := utility()

	dbPath := o.db
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "crierbench-"+string(ch)+"-")
		if err != nil {
			return res, err
		}
		if o.keep {
			res.Dir = dir
		} else {
			defer os.RemoveAll(dir)
		}
		dbPath = filepath.Join(dir, "crier.db")
	}
	store, err := notices.Open(ctx, dbPath)
	if err != nil {
		return res, err
	}
	defer store.Close()

	snk, sender, err := startSink(ctx, ch, res.Concurrency, o.sinkKind(ch))
	if err != nil {
		return res, err
	}
	defer snk.Close()
	defer sender.Close()

	fmt.Fprintf(log, "%s: importing %d contacts\n", ch, o.n)
	start := time.Now()
	if err := importContacts(ctx, store, o.n); err != nil {
		return res, err
	}
	res.Import = time.Since(start)

	id, err := store.CreateNotice(ctx, notices.Notice{
		Template: o.template,
		Values:   fam.Examples(),
		Audience: notices.Audience{Lists: []string{listName}},
		Channels: []notices.Channel{ch},
		Urgency:  notices.Emergency,
	})
	if err != nil {
		return res, err
	}
	// The dispatcher runs as crier serve's does: started before the
	// notice exists, idle, its poll an hour, announced in the store with
	// its admin address, so that only the wake crier send gives there
	// (web.WakeServers, POST /wake) starts the send.
	d, err := scheduler.New(store, scheduler.Config{
		Channels:  map[notices.Channel]scheduler.Channel{ch: {Sender: sender, Concurrency: res.Concurrency}},
		Library:   lib,
		Utility:   u,
		PublicURL: publicURL,
		Poll:      time.Hour,
		// What goes wrong says so, as crier serve's log would, addresses
		// shortened.
		Log: logs.New(log, "text", slog.LevelWarn),
	})
	if err != nil {
		return res, err
	}
	svc := &scheduler.Service{Dispatcher: d, Campaigner: &scheduler.Campaigner{Store: store, Library: lib, DefaultLanguage: "en"}}
	stopAdmin, err := startAdmin(ctx, store, svc, d.Worker())
	if err != nil {
		return res, err
	}
	defer stopAdmin()
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	ran := make(chan error, 1)
	go func() { ran <- svc.Run(runCtx) }()

	multi := len(o.channels) > 1
	fmt.Fprintf(log, "%s: imported in %.2fs; publishing and sending with %d in flight\n", ch, res.Import.Seconds(), res.Concurrency)
	// Give back what the import freed, so that the send's peak is its own.
	debug.FreeOSMemory()
	// Let the dispatcher finish its first look and settle into its wait.
	time.Sleep(200 * time.Millisecond)
	importPeak, resetPeak := resetPeakRSS()
	cpu0 := cpuTime()
	stopProfile, err := startCPUProfile(profilePath(o.cpuprofile, ch, multi))
	if err != nil {
		return res, err
	}
	t0 := time.Now()
	pub, err := store.Publish(ctx, id, fam, "en")
	published := time.Now()
	res.Publish = published.Sub(t0)
	if err != nil {
		stopProfile()
		return res, fmt.Errorf("publish: %w", err)
	}
	if woken := web.WakeServers(ctx, store); len(woken) != 1 {
		stopProfile()
		return res, fmt.Errorf("the wake reached %d servers; want the benchmark's one", len(woken))
	}
	res.Queued = pub.Channel(ch).Queued
	dctx, cancel := context.WithTimeout(ctx, o.timeout)
	err = waitSent(dctx, store, d, ch, res.Queued, ran)
	timedOut := dctx.Err() != nil
	cancel()
	stopRun()
	if rerr := <-ran; err == nil {
		err = rerr
	}
	stopProfile()
	res.CPU = cpuTime() - cpu0
	if err != nil {
		return res, fmt.Errorf("dispatch: %w", err)
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if timedOut {
		return res, fmt.Errorf("the send did not finish within -timeout %v", o.timeout)
	}
	if _, err := store.FinishDone(ctx); err != nil {
		return res, err
	}
	// Closing the sink waits for its connections, so its counters are final.
	sender.Close()
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
	res.PeakKB = peakRSS()
	if resetPeak {
		res.SendPeakKB = res.PeakKB
		res.PeakKB = max(res.PeakKB, importPeak)
	}

	rep, err := store.Report(ctx, id)
	if err != nil {
		return res, err
	}
	res.Report, res.Status = rep.Channel(ch), rep.Notice.Status
	if res.Message, err = describeMessage(ctx, store, rep.Notice, fam, u, ch); err != nil {
		return res, err
	}
	if err := writeHeapProfile(profilePath(o.memprofile, ch, multi)); err != nil {
		return res, err
	}
	fmt.Fprintf(log, "%s: done\n", ch)
	return res, nil
}

// sink is what the benchmark reads of a loopback server.
type sink interface {
	Accepted() int64
	FirstAccepted() time.Time
	LastAccepted() time.Time
	Close() error
}

// sender is a channel adapter that holds connections.
type sender interface {
	channels.Channel
	Close() error
}

// sinkKind names the sink process's server for channel ch, as -serve-sink
// takes it: -smtp-sink's for email; twilio or twilio-lean for SMS.
func (o options) sinkKind(ch notices.Channel) string {
	switch {
	case ch == notices.Email:
		return o.smtpSink
	case o.twilioSink == "lean":
		return "twilio-lean"
	}
	return "twilio"
}

// smtpSink is a discard SMTP server.
type smtpSink interface {
	sink
	Host() string
	Port() int
}

// startSink starts channel ch's sink and an adapter that sends to it with
// at most conc messages in flight, configured as crier configures it from
// crier.toml.
func startSink(ctx context.Context, ch notices.Channel, conc int, kind string) (*remoteSink, sender, error) {
	switch ch {
	case notices.Email:
		s, err := startRemoteSink(ctx, kind)
		if err != nil {
			return nil, nil, err
		}
		// No username: go-mail logs in only over TLS, and the sink has none.
		es, err := email.New(email.Config{Host: s.Host(), Port: s.Port(), TLS: "none", Connections: conc})
		if err != nil {
			s.Close()
			return nil, nil, err
		}
		return s, es, nil
	case notices.SMS:
		t, err := startRemoteSink(ctx, kind)
		if err != nil {
			return nil, nil, err
		}
		ss, err := sms.New(sms.Config{AccountSID: accountSID, AuthToken: authToken, From: fromNumber, BaseURL: t.URL()})
		if err != nil {
			t.Close()
			return nil, nil, err
		}
		return t, ss, nil
	}
	return nil, nil, fmt.Errorf("no sink for channel %s", ch)
}

// importContacts generates n contacts, each with an email address and a
// mobile number of its own, as a CSV file streamed into the store's import,
// every one joining the benchmark's list.
func importContacts(ctx context.Context, store *notices.Store, n int) error {
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	wg.Go(func() {
		bw := bufio.NewWriterSize(pw, 64<<10)
		if err := writeContacts(bw, n); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(bw.Flush())
	})
	var rejects bytes.Buffer
	sum, err := importer.Import(ctx, store, pr, importer.Options{
		Source:     "generated.csv",
		List:       listName,
		Rejects:    &limitedWriter{w: &rejects, n: 2000},
		Normalizer: notices.Normalizer{Region: "US"},
	})
	pr.CloseWithError(io.ErrClosedPipe) // the writer stops if the import stopped early
	wg.Wait()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if sum.Read != n || sum.Rejected > 0 {
		return fmt.Errorf("import: %v; the first rejects:\n%s", sum, rejects.String())
	}
	return nil
}

// writeContacts writes the CSV of n generated contacts, each with an
// email address and a mobile number of its own.
func writeContacts(w io.Writer, n int) error {
	if _, err := io.WriteString(w, "account,name,email,mobile,language\n"); err != nil {
		return err
	}
	var line []byte
	for i := 1; i <= n; i++ {
		line = fmt.Appendf(line[:0], "B%07d,Customer %d,customer%07d@example.org,+1315%07d,en\n", i, i, i, 2000000+i)
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// limitedWriter keeps the first n bytes written to it and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if k := min(len(p), l.n); k > 0 {
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// describeMessage says how big one message of the notice is: for email,
// the size of the first delivery's message built as the dispatcher builds
// it; for SMS, its length and segments.
func describeMessage(ctx context.Context, store *notices.Store, n notices.Notice, fam *templates.Family, u templates.Utility, ch notices.Channel) (string, error) {
	t := fam.ByLang["en"]
	if t == nil {
		t = fam.Original
	}
	r, err := templates.Render(t, templates.Values(n.Values), u, templates.Options{Date: n.PublishedAt})
	if err != nil {
		return "", fmt.Errorf("render: %w", err)
	}
	if ch == notices.SMS {
		return fmt.Sprintf("%d characters, %s, %d segment(s)", len([]rune(r.SMS.Text)), r.SMS.Encoding, r.SMS.Segments), nil
	}
	var first notices.Delivery
	errFound := errors.New("found")
	err = store.EachDelivery(ctx, n.ID, func(d notices.Delivery) error {
		first = d
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return "", err
	}
	m, err := r.Email(templates.EmailHeader{
		To:          (&mail.Address{Name: first.Name, Address: first.Address}).String(),
		MessageID:   fmt.Sprintf("crier-%d-%d@water.example", n.ID, first.ID),
		Unsubscribe: notices.PreferencesURL(publicURL, n, first.ID),
		Preferences: notices.PreferencesURL(publicURL, n, first.ID),
	})
	if err != nil {
		return "", err
	}
	var c countingWriter
	m.WriteTo(&c) // a countingWriter takes every byte
	return fmt.Sprintf("%d bytes", c), nil
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// profilePath is where channel ch's profile goes: name itself for one
// channel, name with the channel before its extension for several.
func profilePath(name string, ch notices.Channel, multi bool) string {
	if name == "" || !multi {
		return name
	}
	ext := filepath.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + string(ch) + ext
}

func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS resets the process's peak RSS (Linux: writing 5 to
// /proc/self/clear_refs) and returns the peak until then, in KB, and
// whether it could reset it.
func resetPeakRSS() (before int64, ok bool) {
	before = peakRSS()
	f, err := os.OpenFile("/proc/self/clear_refs", os.O_WRONLY, 0)
	if err != nil {
		return before, false
	}
	defer f.Close()
	_, err = f.WriteString("5")
	return before, err == nil
}

// peakRSS is the process's peak resident memory in KB: VmHWM on Linux,
// else getrusage's ru_maxrss.
func peakRSS() int64 {
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(data)) {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64); err == nil {
					return kb
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) >> 10 // bytes there
	}
	return int64(ru.Maxrss)
}

// printTable writes one row per channel and what the columns mean.
func printTable(w io.Writer, o options, rs []result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "channel\tN\tin flight\timport s\tpublish s\tfirst ms\tsend s\tmsg/s\tpeak MiB\tsend peak MiB\tCPU s\tCPU µs/msg\tsink CPU s\t")
	for _, r := range rs {
		rate := 0.0
		if r.Send > 0 {
			rate = float64(r.Accepted) / r.Send.Seconds()
		}
		sendPeak := "-"
		if r.SendPeakKB > 0 {
			sendPeak = mib(r.SendPeakKB)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t%.1f\t%.2f\t%.0f\t%s\t%s\t%.2f\t%.0f\t%.2f\t\n",
			r.Channel, r.N, r.Concurrency, r.Import.Seconds(), r.Publish.Seconds(), float64(r.FirstAccepted.Microseconds())/1000, r.Send.Seconds(), rate,
			mib(r.PeakKB), sendPeak, r.CPU.Seconds(), float64(r.CPU.Microseconds())/float64(max(r.N, 1)), r.SinkCPU.Seconds())
	}
	tw.Flush()
	fmt.Fprintf(w, "\ntemplate %s with its example values; %s, %d cores\n", o.template, runtime.Version(), runtime.NumCPU())
	for _, r := range rs {
		fmt.Fprintf(w, "one %s message: %s\n", r.Channel, r.Message)
	}
	if o.cli != "" {
		printCLINotes(w, o)
		return
	}
	fmt.Fprintln(w, "first ms: from the notice published (committed, and the idle dispatcher woken over HTTP as crier send wakes crier serve) to the first message the sink accepted")
	fmt.Fprintln(w, "send s: from just before Publish to the last message the sink accepted (publishing included); msg/s: N / send s")
	fmt.Fprintln(w, "import s: generating and importing the contacts, not counted in send s")
	if o.sameProcess {
		fmt.Fprintln(w, "peak MiB: this process's peak RSS so far (every channel ran in it); send peak: since that channel's import ended")
	} else {
		fmt.Fprintln(w, "peak MiB: the peak RSS of the channel's own process; send peak: since its import ended")
	}
	fmt.Fprintln(w, "CPU s: user+system, from Publish to the end of the send; CPU µs/msg: CPU s / N")
	fmt.Fprintln(w, "the sinks run in a process of their own: peak memory and CPU s are Crier's alone; sink CPU s is the sink process's")
	for _, r := range rs {
		if r.Dir != "" {
			fmt.Fprintf(w, "kept %s's store in %s\n", r.Channel, r.Dir)
		}
	}
}

func mib(kb int64) string { return strconv.FormatFloat(float64(kb)/1024, 'f', 1, 64) }

// startAdmin serves svc's admin address on a loopback port and announces
// it in the store, as crier serve does.
func startAdmin(ctx context.Context, store *notices.Store, svc *scheduler.Service, worker string) (stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: web.AdminHandler(svc, store), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	if err := store.RegisterServer(ctx, worker, "http://"+ln.Addr().String()); err != nil {
		srv.Close()
		return nil, err
	}
	return func() { srv.Close() }, nil
}

// waitSent waits until nothing is left queued or sending on channel ch,
// or the dispatcher stops.
func waitSent(ctx context.Context, store *notices.Store, d *scheduler.Dispatcher, ch notices.Channel, queued int, ran chan error) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	asked := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-ran:
			ran <- err // for the caller's wait
			if err == nil {
				err = errors.New("the dispatcher stopped before the send ended")
			}
			return err
		case <-t.C:
		}
		// The dispatcher's counts, in memory, until they say every
		// delivery ended: the store is asked then (or every 2 s: what is
		// suppressed at its claim is not counted there), so that the
		// benchmark's looking does not take the store from the send.
		if settled(d, ch) < int64(queued) && time.Since(asked) < 2*time.Second {
			continue
		}
		asked = time.Now()
		pending, err := store.Pending(ctx, ch)
		if err != nil && ctx.Err() == nil {
			return err
		}
		if !pending {
			return nil
		}
	}
}

// settled is how many of channel ch's deliveries d has ended.
func settled(d *scheduler.Dispatcher, ch notices.Channel) int64 {
	for _, p := range d.Progress() {
		if p.Channel == ch {
			return p.Sent + p.Failed + p.Cancelled
		}
	}
	return 0
}

// builtinFamily is the built-in template called name, which both ways of
// measuring send, and the library it is in.
func builtinFamily(name string) (*templates.Library, *templates.Family, error) {
	lib, probs := templates.Builtin()
	if lib == nil {
		return nil, nil, fmt.Errorf("built-in templates: %v", probs)
	}
	fam, err := lib.Family(name)
	return lib, fam, err
}
