package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// noticesCmd is `crier notices`: the notices sent and being sent.
type noticesCmd struct {
	List       noticesListCmd       `cmd:"" help:"List the notices, newest first, with what became of them."`
	Show       noticesShowCmd       `cmd:"" help:"Show a notice: its template, values, audience and each channel's progress, pauses included."`
	Cancel     noticesCancelCmd     `cmd:"" help:"Cancel a notice: every delivery not yet sent is cancelled."`
	Resume     noticesResumeCmd     `cmd:"" help:"Resume a notice's paused channels once their cause is fixed."`
	Reschedule noticesRescheduleCmd `cmd:"" help:"Move a scheduled notice (crier send --at) to another send time."`
	Schedule   noticesScheduleCmd   `cmd:"" help:"What goes out in the next days: the scheduled notices and the campaigns' firings, in time order."`
	Approve    noticesApproveCmd    `cmd:"" help:"Approve a notice awaiting a second coordinator ([console] approval_over): it goes out as it would have. Only another user than who sent it may."`
}

type noticesListCmd struct{}

func (noticesListCmd) Run(e *env) error {
	_, loc, s, err := e.timesStore(false)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	ns, err := s.Notices(ctx)
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		fmt.Fprintln(e.stdout, "no notices yet (crier send makes one)")
		return nil
	}
	awaiting, err := s.AwaitingApproval(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tURGENCY\tTEMPLATE\tCREATED\tSEND AT\tPROGRESS")
	for _, n := range ns {
		if awaiting[n.ID] && n.Status == notices.Draft {
			n.Status = "awaiting approval"
		}
		r, err := s.Report(ctx, n.ID)
		if err != nil {
			return err
		}
		var parts []string
		for _, c := range r.Channels {
			p := fmt.Sprintf("%s %d/%d", c.Channel, c.Sent+c.Delivered, c.Total)
			if c.Failed > 0 {
				p += fmt.Sprintf(" (%d failed)", c.Failed)
			}
			if c.Paused != nil {
				p += " PAUSED"
			}
			parts = append(parts, p)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.Status, n.Urgency, n.Template, showTime(n.CreatedAt, loc), showTime(n.SendAt, loc), strings.Join(parts, ", "))
	}
	return tw.Flush()
}

type noticesShowCmd struct {
	ID int64 `arg:"" help:"The notice's number (crier notices list shows them)."`
}

func (c noticesShowCmd) Run(e *env) error {
	cfg, loc, s, err := e.timesStore(false)
	if err != nil {
		return err
	}
	defer s.Close()
	r, err := s.Report(context.Background(), c.ID)
	if err != nil {
		return err
	}
	n := r.Notice
	fmt.Fprintf(e.stdout, "notice %d: %s\n", n.ID, n.Status)
	if err := writeApproval(e.stdout, s, n, loc); err != nil {
		return err
	}
	writeProofNote(e.stdout, n)
	fmt.Fprintf(e.stdout, "template:  %s\n", n.Template)
	langs := "every language of the template"
	if len(n.Languages) > 0 {
		langs = strings.Join(n.Languages, ", ")
	}
	audience := n.Audience.String()
	if n.Proof {
		audience = "the --proof addresses only, no customer"
	}
	fmt.Fprintf(e.stdout, "languages: %s\nurgency:   %s\naudience:  %s\n", langs, n.Urgency, audience)
	fmt.Fprintf(e.stdout, "created:   %s\n", showTime(n.CreatedAt, loc))
	name, zone, at, fromCampaign, err := s.NoticeRun(context.Background(), n.ID)
	if err != nil {
		return err
	}
	if fromCampaign {
		campLoc := loc
		if l, err := time.LoadLocation(zone); err == nil {
			campLoc = l
		}
		fmt.Fprintf(e.stdout, "campaign:  %s, the firing of %s\n", name, showTime(at, campLoc))
	}
	if !n.SendAt.IsZero() {
		fmt.Fprintf(e.stdout, "send at:   %s\n", showTime(n.SendAt, loc))
	}
	if !n.PublishedAt.IsZero() {
		fmt.Fprintf(e.stdout, "published: %s\n", showTime(n.PublishedAt, loc))
	}
	if err := writePageLine(e.stdout, s, cfg.PublicURL, n); err != nil {
		return err
	}
	if len(n.Values) > 0 {
		fmt.Fprintln(e.stdout, "values:")
		for _, k := range sortedKeys(n.Values) {
			fmt.Fprintf(e.stdout, "  %s: %s\n", k, n.Values[k])
		}
	}
	fmt.Fprintln(e.stdout)
	writeReport(e.stdout, r, loc)
	return nil
}

type noticesCancelCmd struct {
	ID int64 `arg:"" help:"The notice's number."`
}

func (c noticesCancelCmd) Run(e *env) error {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := cliContext()
	before, err := s.Notice(ctx, c.ID)
	if err != nil {
		return err
	}
	a, _ := storeApp(s, time.UTC)
	n, err := a.Cancel(ctx, c.ID)
	if err != nil {
		return err
	}
	if before.Status == notices.Done {
		fmt.Fprintf(e.stdout, "notice %d withdrawn: every message had gone already; its page, feeds and CAP document now say it was withdrawn\n", c.ID)
		return nil
	}
	// n counts the queued deliveries only: those a dispatcher holds are
	// cancelled when it hands them back, unless already being sent.
	fmt.Fprintf(e.stdout, "notice %d cancelled: %d queued deliveries cancelled; any a dispatcher holds now end cancelled, except those being sent at this moment\n", c.ID, n)
	return nil
}

type noticesResumeCmd struct {
	ID      int64    `arg:"" help:"The notice's number."`
	Channel []string `sep:"," help:"Resume only these channels (default: every paused channel)." enum:"email,sms,print" placeholder:"CHANNEL"`
}

func (c noticesResumeCmd) Run(e *env) error {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	var chs []notices.Channel
	for _, ch := range c.Channel {
		chs = append(chs, notices.Channel(ch))
	}
	a, _ := storeApp(s, time.UTC)
	r, err := a.ResumeChannels(cliContext(), c.ID, chs...)
	if err != nil && r.Lifted == nil {
		return err
	}
	for _, p := range r.Lifted {
		fmt.Fprintf(e.stdout, "notice %d: %s resumed (it was paused: %s)\n", c.ID, p.Channel, p.Reason)
	}
	sayWoken(e.stdout, r.Woken, "run crier dispatch to send the rest (or start crier serve)")
	return err
}

type noticesRescheduleCmd struct {
	ID int64  `arg:"" help:"The notice's number (crier notices list shows them)."`
	At string `required:"" help:"The new send time, YYYY-MM-DD HH:MM in the utility's time zone." placeholder:"TIME"`
}

func (c noticesRescheduleCmd) Run(e *env) error {
	const cmd = "notices reschedule"
	_, loc, s, err := e.timesStore(true)
	if err != nil {
		return err
	}
	defer s.Close()
	at, err := parseLocalTime("--at", c.At, loc, "the utility's time zone", false)
	if err != nil {
		return usageError(cmd, err)
	}
	ctx := cliContext()
	a, woken := storeApp(s, loc)
	before, _ := s.Notice(ctx, c.ID) // for the message: Reschedule says what is wrong
	if err := a.Reschedule(ctx, c.ID, at); err != nil {
		return appError(err, func(p app.Problem) error {
			return usageError(cmd, fmt.Errorf("--at %q is past (it is %s now); give a time to come", c.At, time.Now().In(loc).Format("2006-01-02 15:04")))
		})
	}
	fmt.Fprintf(e.stdout, "notice %d now goes out at %s (it was %s)\n", c.ID, showTime(at, loc), showTime(before.SendAt, loc))
	sayWoken(e.stdout, *woken, "it goes out then while crier serve runs (or crier dispatch is run then)")
	return nil
}

type noticesApproveCmd struct {
	ID int64 `arg:"" help:"The notice's number (crier notices list shows those awaiting approval)."`
}

func (c noticesApproveCmd) Run(e *env) error {
	cfg, lib, err := e.library()
	if err != nil {
		return err
	}
	u, err := cfg.LoadUtility()
	if err != nil {
		return err
	}
	a, err := newApp(cfg, lib)
	if err != nil {
		return err
	}
	s, err := cfg.ExistingStore(context.Background())
	if err != nil {
		return err
	}
	defer s.Close()
	useStore(a, s)
	sent, err := a.Approve(cliContext(), c.ID)
	if sent.Status == "" {
		return err
	}
	fmt.Fprintf(e.stdout, "notice %d approved\n", c.ID)
	n, nerr := s.Notice(context.Background(), c.ID)
	if nerr != nil {
		return nerr
	}
	when := "at once"
	if !n.SendAt.IsZero() {
		when = n.SendAt.In(u.Location).Format("Monday 2 January 2006 15:04 MST")
	}
	writeSent(e.stdout, sent, when)
	return err
}

// writeApproval says, of a notice that needed a second coordinator's
// approval, who asked and whether it has it.
func writeApproval(w io.Writer, s *notices.Store, n notices.Notice, loc *time.Location) error {
	ap, err := s.ApprovalOf(context.Background(), n.ID)
	switch {
	case notices.ErrorCode(err) == notices.NotFound:
		return nil
	case err != nil:
		return err
	case ap.Awaiting && n.Status == notices.Draft:
		fmt.Fprintf(w, "awaiting approval: sent by %s at %s to %d contacts; another user approves it with crier notices approve %d\n",
			ap.RequestedBy, showTime(ap.RequestedAt, loc), ap.Recipients, n.ID)
	case !ap.Awaiting:
		fmt.Fprintf(w, "approved:  by %s at %s (sent by %s)\n", ap.ApprovedBy, showTime(ap.ApprovedAt, loc), ap.RequestedBy)
	}
	return nil
}

type noticesScheduleCmd struct {
	Days int `default:"14" help:"How many days ahead to look." placeholder:"N"`
}

// agendaEntry is one thing that goes out: a scheduled notice or a
// campaign's firing.
type agendaEntry struct {
	at       time.Time
	what     string
	template string
	channels []notices.Channel
	audience notices.Audience
}

// firingsPerCampaign bounds the firings the agenda lists of one
// campaign, so that an @every 5m campaign does not bury the rest.
const firingsPerCampaign = 50

func (c noticesScheduleCmd) Run(e *env) error {
	if c.Days < 1 {
		return usageError("notices schedule", fmt.Errorf("--days %d: give 1 or more", c.Days))
	}
	_, loc, s, err := e.timesStore(false)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now()
	until := now.AddDate(0, 0, c.Days)

	var agenda []agendaEntry
	ns, err := s.Notices(ctx)
	if err != nil {
		return err
	}
	later := 0
	for _, n := range ns {
		if n.Status != notices.Scheduled {
			continue
		}
		if n.SendAt.After(until) {
			later++
			continue
		}
		what := fmt.Sprintf("notice %d", n.ID)
		if pauses, err := s.Pauses(ctx, n.ID); err == nil && len(pauses) > 0 {
			what += " (paused: crier notices show " + strconv.FormatInt(n.ID, 10) + ")"
		}
		agenda = append(agenda, agendaEntry{n.SendAt, what, n.Template, n.Channels, n.Audience})
	}
	cs, err := s.Campaigns(ctx)
	if err != nil {
		return err
	}
	var paused, capped []string
	for _, camp := range cs {
		if !camp.Enabled {
			paused = append(paused, camp.Name)
			continue
		}
		sched, _, err := loadSchedule(camp)
		if err != nil {
			fmt.Fprintln(e.stderr, "warning:", err)
			continue
		}
		ts := scheduler.Upcoming(camp, sched, now, until, firingsPerCampaign)
		if len(ts) == firingsPerCampaign {
			capped = append(capped, camp.Name)
		}
		for _, t := range ts {
			agenda = append(agenda, agendaEntry{t, "campaign " + camp.Name, camp.Notice.Template, camp.Notice.Channels, camp.Notice.Audience})
		}
	}
	slices.SortStableFunc(agenda, func(a, b agendaEntry) int { return a.at.Compare(b.at) })

	if len(agenda) == 0 {
		fmt.Fprintf(e.stdout, "nothing goes out in the next %d days (to %s)\n", c.Days, showTime(until, loc))
	} else {
		fmt.Fprintf(e.stdout, "what goes out in the next %d days (to %s):\n", c.Days, showTime(until, loc))
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tWHAT\tTEMPLATE\tCHANNELS\tAUDIENCE")
		for _, a := range agenda {
			when := showTime(a.at, loc)
			if !a.at.After(now) {
				when += " (due)" // a scheduled notice no dispatcher has begun
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", when, a.what, a.template, joinChannelNames(a.channels), a.audience)
		}
		tw.Flush()
	}
	for _, name := range capped {
		fmt.Fprintf(e.stdout, "campaign %s: only its first %d firings listed (crier campaigns next %s -n N shows more)\n", name, firingsPerCampaign, name)
	}
	if later > 0 {
		fmt.Fprintf(e.stdout, "%d scheduled notice(s) later than that (crier notices list shows them)\n", later)
	}
	if len(paused) > 0 {
		fmt.Fprintf(e.stdout, "paused campaigns, not listed: %s (crier campaigns resume NAME)\n", strings.Join(paused, ", "))
	}
	return nil
}

// reportCmd is `crier report`: what became of a notice on each channel,
// and every failure with its reason.
type reportCmd struct {
	ID  int64  `arg:"" help:"The notice's number (crier notices list shows them)."`
	CSV string `name:"csv" help:"Also write every delivery (channel, address, name, language, status, attempts, provider id, error, sent at) to this CSV file." placeholder:"FILE"`
}

func (c reportCmd) Run(e *env) error {
	_, loc, s, err := e.timesStore(false)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	a, _ := storeApp(s, loc)
	r, err := a.Report(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "notice %d (%s, %s): %s\n", r.Notice.ID, r.Notice.Template, r.Notice.Urgency, r.Notice.Status)
	writeProofNote(e.stdout, r.Notice)
	fmt.Fprintln(e.stdout)
	writeReport(e.stdout, r, loc)

	failed := 0
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	err = s.EachFailure(ctx, c.ID, func(d notices.Delivery) error {
		if failed == 0 {
			fmt.Fprintln(e.stdout, "\nfailures:")
			fmt.Fprintln(tw, "CHANNEL\tADDRESS\tATTEMPTS\tREASON")
		}
		failed++
		_, err := fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", d.Channel, oneLine(d.Address), d.Attempts, d.Error)
		return err
	})
	if err != nil {
		return err
	}
	tw.Flush()
	if c.CSV != "" {
		if err := writeDeliveriesCSV(ctx, s, c.ID, c.CSV, loc); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\nevery delivery written to %s\n", c.CSV)
	}
	return nil
}

// writeReport writes the per-channel counts of a notice, and its paused
// channels with why and what to do.
func writeReport(w io.Writer, r notices.Report, loc *time.Location) {
	if n := r.Notice; n.Status == notices.Scheduled && n.PublishedAt.IsZero() {
		if n.SendAt.After(time.Now()) {
			fmt.Fprintf(w, "not published yet: its deliveries are written at its send time, %s, to the audience as it is then (crier audience counts it now)\n\n",
				showTime(n.SendAt, loc))
		} else {
			fmt.Fprintf(w, "not published yet: its send time %s has passed; it is published once a paused channel is resumed (crier notices resume %d), or at a new time (crier notices reschedule %d)\n\n",
				showTime(n.SendAt, loc), n.ID, n.ID)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tTOTAL\tQUEUED\tSENDING\tSENT\tDELIVERED\tUNDELIVERED\tFAILED\tSUPPRESSED\tCANCELLED\tRETRIED")
	for _, c := range r.Channels {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", c.Channel, c.Total, c.Queued, c.Sending, c.Sent, c.Delivered, c.Undelivered, c.Failed, c.Suppressed, c.Cancelled, c.Retried)
	}
	tw.Flush()
	writeOptedOut(w, r.Notice)
	for _, c := range r.Channels {
		if c.Paused != nil {
			fmt.Fprintf(w, "\n%s PAUSED since %s: %s\nfix the cause, then run: crier notices resume %d\n", c.Channel, showTime(c.Paused.At, loc), c.Paused.Reason, r.Notice.ID)
		}
	}
}

// writeDeliveriesCSV writes every delivery of the notice to path, cells
// that a spreadsheet would run as formulas neutralised.
func writeDeliveriesCSV(ctx context.Context, s *notices.Store, id int64, path string, loc *time.Location) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return s.WriteDeliveriesCSV(ctx, f, id, loc)
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", ", ") }

func showTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
