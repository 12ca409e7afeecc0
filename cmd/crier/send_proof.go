package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/crier-notices/crier/app"
	"github.com/crier-notices/crier/internal/logs"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// sendProofs sends the composed notice to the --proof addresses only, in
// each language it goes in (app.SendProof), and says what became of it:
// queued for a running crier serve, or sent from here, each message with
// where it went.
func (c sendCmd) sendProofs(e *env, d *sendDraft) error {
	ctx := cliContext()
	s, err := d.cfg.Store(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	useStore(d.core, s)
	d.core.Senders = func() (scheduler.Config, func() error, error) {
		dc, closeSenders, err := d.cfg.DispatchConfig(d.core.Library, d.u)
		dc.Log = logs.New(e.stderr, "text", slog.LevelWarn)
		return dc, closeSenders, err
	}
	ps, err := d.core.SendProof(ctx, d.Draft, c.Proof)
	if err != nil && len(ps.To) == 0 && len(ps.Suppressed) == 0 {
		return appError(err, proofFlag)
	}
	if slices.Contains(d.Notice.Channels, notices.Print) {
		fmt.Fprintln(e.stdout, "print: no proof (a proof goes by email and sms); crier render NAME … --out DIR writes the flyer to look at")
	}
	for _, sup := range ps.Suppressed {
		fmt.Fprintf(e.stdout, "proof to %s not sent: the address is suppressed (%s, %s); crier contacts resubscribe %s --reason ... lifts it\n",
			sup.Address, sup.Reason, sup.At.Format("2006-01-02"), sup.Address)
	}
	for _, p := range ps.Proofs {
		fmt.Fprintf(e.stdout, "proof %d (%s) of %s queued: %s\n", p.ID, p.Lang, d.Family.Name, proofTargets(ps.To))
	}
	if len(ps.Woken) > 0 {
		sayWoken(e.stdout, ps.Woken, "")
	}
	if err != nil {
		return proofError(err)
	}
	return writeProofOutcomes(e.stdout, d.core.ChannelNames, ps.Outcomes)
}

// proofFlag says a problem with --proof in the command line's words.
func proofFlag(p app.Problem) error {
	if p.Field != "proof" {
		return nil
	}
	switch {
	case p.Message == app.ProofNoChannel:
		return usageError("send", errors.New("--proof goes by email or sms, and print is not a proof channel: add email or sms to --channels (crier render shows the flyer)"))
	case p.Message == app.ProofAllSuppressed:
		return &exitError{code: 1, err: errors.New("no proof sent: every --proof address is suppressed")}
	}
	msg := strings.NewReplacer("which the channels ", "which --channels ", " leave out:", " leaves out:").Replace(p.Message)
	return usageError("send", errors.New("--proof "+msg))
}

// proofError is err of the proofs queued: sent from here, or not.
func proofError(err error) error {
	if app.ErrorCode(err) == notices.Invalid {
		return appError(err, proofFlag)
	}
	if msg, ok := strings.CutPrefix(err.Error(), "the proofs are queued, and no dispatcher runs"); ok {
		return &exitError{code: 1, err: errors.New("the proofs are queued, and no crier serve runs" + msg)}
	}
	return err
}

// writeProofOutcomes says what became of each proof message sent from
// here and where it went; an error when one was not sent.
func writeProofOutcomes(w io.Writer, names map[notices.Channel]string, outcomes []notices.Delivery) error {
	failed := 0
	for _, dl := range outcomes {
		id := dl.NoticeID
		switch dl.Status {
		case notices.DeliverySent, notices.DeliveryDelivered:
			fmt.Fprintf(w, "proof %d: %s to %s sent -> %s\n", id, dl.Channel, dl.Address, names[dl.Channel])
		case notices.DeliveryQueued:
			failed++
			fmt.Fprintf(w, "proof %d: %s to %s not sent: the channel is paused (crier notices show %d says why)\n", id, dl.Channel, dl.Address, id)
		default:
			failed++
			fmt.Fprintf(w, "proof %d: %s to %s %s: %s\n", id, dl.Channel, dl.Address, dl.Status, dl.Error)
		}
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d proof message(s) not sent (crier report N says why)", failed)}
	}
	return nil
}

// proofTargets says where a proof goes: "email to a@b, sms to +1315…".
func proofTargets(to []notices.ProofAddress) string {
	var parts []string
	for _, a := range to {
		parts = append(parts, fmt.Sprintf("%s to %s", a.Channel, a.Address))
	}
	return strings.Join(parts, ", ")
}

// writeProofNote says, of a proof, that it is one.
func writeProofNote(w io.Writer, n notices.Notice) {
	if n.Proof {
		fmt.Fprintln(w, "PROOF: sent by crier send --proof to the coordinator's addresses, not to customers; left out of crier notices list, notices schedule and the other notices' reports")
	}
}
