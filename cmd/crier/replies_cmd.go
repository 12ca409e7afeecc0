package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/crier-notices/crier/notices"
)

// repliesCmd is `crier replies`: the texts customers sent to the utility's
// number (crier serve records them from Twilio's inbound webhook).
type repliesCmd struct {
	List    repliesListCmd    `cmd:"" help:"The replies that read as an opt-out and wait for a person's decision, with their due dates; --feedback for the other replies."`
	Resolve repliesResolveCmd `cmd:"" help:"Resolve a reply waiting for review: --suppress its number (an opt-out) or --dismiss it."`
}

type repliesListCmd struct {
	Due      bool `help:"Only the reviews due today or overdue (dates in the utility's zone)." xor:"which"`
	Feedback bool `help:"The customers' other replies, newest first, each with the notice it answers." xor:"which"`
}

func (c repliesListCmd) Run(e *env) error {
	_, loc, s, err := e.timesStore(false)
	if err != nil {
		return err
	}
	defer s.Close()
	if c.Feedback {
		return listFeedback(e, s, loc)
	}
	return listReviews(e, s, loc, c.Due)
}

// listReviews prints the open review queue, soonest due first. The full
// number is shown: the coordinator may need to call the customer.
func listReviews(e *env, s *notices.Store, loc *time.Location, dueOnly bool) error {
	today := time.Now().In(loc).Format(time.DateOnly)
	q := notices.ReplyQuery{Kind: notices.ReplyReview, Open: true}
	if dueOnly {
		q.DueBy = today
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tFROM\tDUE\tMESSAGE")
	n, overdue := 0, 0
	err := s.EachReply(context.Background(), q, func(r notices.Reply) error {
		n++
		due := r.DueOn
		if due < today {
			overdue++
			due += " OVERDUE"
		}
		_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.ReceivedAt.In(loc).Format("2006-01-02 15:04"), r.From, due, printable(r.Body, 60))
		return err
	})
	tw.Flush()
	if err != nil {
		return err
	}
	switch {
	case n == 0 && dueOnly:
		fmt.Fprintln(e.stdout, "no reply waiting for review is due today")
	case n == 0:
		fmt.Fprintln(e.stdout, "no reply waits for review")
	default:
		fmt.Fprintf(e.stdout, "%d repl(ies) waiting for review, %d overdue: resolve each with crier replies resolve ID --suppress|--dismiss\n", n, overdue)
	}
	return nil
}

func listFeedback(e *env, s *notices.Store, loc *time.Location) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tFROM\tNOTICE\tMESSAGE")
	n := 0
	err := s.EachReply(context.Background(), notices.ReplyQuery{Kind: notices.ReplyFeedback}, func(r notices.Reply) error {
		n++
		notice := "-"
		if r.NoticeID != 0 {
			notice = strconv.FormatInt(r.NoticeID, 10)
		}
		if _, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.ReceivedAt.In(loc).Format("2006-01-02 15:04"), r.From, notice, printable(r.Body, 60)); err != nil {
			return err
		}
		if n%1000 == 0 {
			return tw.Flush()
		}
		return nil
	})
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d repl(ies) of feedback\n", n)
	return err
}

// printable makes a customer's text safe to show on one line of a
// terminal: control and format characters (escape sequences, line breaks,
// direction overrides) become spaces, runs of space one, and it is cut to
// n characters.
func printable(s string, n int) string {
	s = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

type repliesResolveCmd struct {
	ID       int64  `arg:"" help:"The reply's ID, as crier replies list shows it."`
	Suppress bool   `help:"It is an opt-out: suppress the number (reason stop-reply)." xor:"how"`
	Dismiss  bool   `help:"It is no opt-out: close it and change nothing." xor:"how"`
	By       string `help:"Who resolves it (default: $USER)." placeholder:"NAME"`
}

func (c repliesResolveCmd) Run(e *env) error {
	if !c.Suppress && !c.Dismiss {
		return usageError("replies resolve", fmt.Errorf("say what reply %d is: --suppress (an opt-out: suppress the number) or --dismiss (no opt-out)", c.ID))
	}
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	by := byDefault(c.By)
	if by == "" {
		return usageError("replies resolve", fmt.Errorf("say who is resolving reply %d with --by NAME", c.ID))
	}
	how := notices.ReplyDismissed
	if c.Suppress {
		how = notices.ReplySuppressed
	}
	r, err := s.ResolveReply(context.Background(), c.ID, how, by)
	if err != nil {
		return err
	}
	if how == notices.ReplySuppressed {
		fmt.Fprintf(e.stdout, "reply %d resolved by %s: %s is suppressed (stop-reply); no text message will go to it until `crier contacts resubscribe %s --reason ...`\n", r.ID, by, r.From, r.From)
		return nil
	}
	fmt.Fprintf(e.stdout, "reply %d dismissed by %s: nothing changed for %s\n", r.ID, by, r.From)
	return nil
}
