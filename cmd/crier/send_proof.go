package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/crier-notices/crier/internal/logs"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
	"github.com/crier-notices/crier/web"
)

// sendProofs sends the composed notice to the --proof addresses only, in
// each language it goes in: one proof per language, queued as any notice
// and sent by the dispatcher with the customers' rendering. A running
// crier serve is woken to send it; when none answers, this command sends
// it itself, limited to the proof, and says what became of each message.
func (c sendCmd) sendProofs(e *env, d *sendDraft) error {
	to, chs, err := proofAddresses(d.cfg, c.Proof, d.Notice.Channels)
	if err != nil {
		return err
	}
	if slices.Contains(d.Notice.Channels, notices.Print) {
		fmt.Fprintln(e.stdout, "print: no proof (a proof goes by email and sms); crier render NAME … --out DIR writes the flyer to look at")
	}
	ctx := context.Background()
	s, err := d.cfg.store(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if to, err = dropSuppressed(ctx, e, s, to); err != nil {
		return err
	}
	if len(to) == 0 {
		return &exitError{code: 1, err: errors.New("no proof sent: every --proof address is suppressed")}
	}
	var ids []int64
	for _, r := range d.Renderings {
		n := d.Notice
		n.Languages, n.Channels = []string{r.Lang}, chs
		n.Code = "" // each proof, one a language, has a page of its own
		id, err := s.CreateProof(ctx, n, d.Family, to)
		if err != nil {
			return err
		}
		ids = append(ids, id)
		fmt.Fprintf(e.stdout, "proof %d (%s) of %s queued: %s\n", id, r.Lang, d.Family.Name, proofTargets(to))
	}
	if woken := web.WakeServers(ctx, s); len(woken) > 0 {
		sayWoken(e.stdout, woken, "")
		return nil
	}
	return dispatchProofs(e, s, d, ids)
}

// proofAddresses reads the --proof addresses: an email address goes by
// email, a phone number (in the configured region) by sms, each on a
// channel of the notice. It returns them and the channels they use.
func proofAddresses(cfg Config, proofs []string, chs []notices.Channel) ([]notices.ProofAddress, []notices.Channel, error) {
	if !slices.Contains(chs, notices.Email) && !slices.Contains(chs, notices.SMS) {
		return nil, nil, usageError("send", errors.New("--proof goes by email or sms, and print is not a proof channel: add email or sms to --channels (crier render shows the flyer)"))
	}
	norm, err := cfg.normalizer()
	if err != nil {
		return nil, nil, err
	}
	var to []notices.ProofAddress
	var used []notices.Channel
	for _, p := range proofs {
		addr, ch, err := norm.Address(p)
		if err != nil {
			return nil, nil, usageError("send", fmt.Errorf("--proof %q: %w: give an email address or a mobile number", p, err))
		}
		if !slices.Contains(chs, ch) {
			return nil, nil, usageError("send", fmt.Errorf("--proof %q goes by %s, which --channels %s leaves out: add %s, or give an address for %s", p, ch, joinChannelNames(chs), ch, joinChannelNames(chs)))
		}
		to = append(to, notices.ProofAddress{Channel: ch, Address: addr})
		if !slices.Contains(used, ch) {
			used = append(used, ch)
		}
	}
	slices.SortFunc(used, func(a, b notices.Channel) int {
		return slices.Index(notices.NoticeChannels, a) - slices.Index(notices.NoticeChannels, b)
	})
	return to, used, nil
}

// dropSuppressed leaves out the addresses on the suppression list, saying
// so for each: a proof must not go where customers' messages may not.
func dropSuppressed(ctx context.Context, e *env, s *notices.Store, to []notices.ProofAddress) ([]notices.ProofAddress, error) {
	var kept []notices.ProofAddress
	for _, a := range to {
		sup, ok, err := s.Suppressed(ctx, a.Address)
		if err != nil {
			return nil, err
		}
		if ok {
			fmt.Fprintf(e.stdout, "proof to %s not sent: the address is suppressed (%s, %s); crier contacts resubscribe %s --reason ... lifts it\n",
				a.Address, sup.Reason, sup.At.Format("2006-01-02"), a.Address)
			continue
		}
		kept = append(kept, a)
	}
	return kept, nil
}

// proofTargets says where a proof goes: "email to a@b, sms to +1315…".
func proofTargets(to []notices.ProofAddress) string {
	var parts []string
	for _, a := range to {
		parts = append(parts, fmt.Sprintf("%s to %s", a.Channel, a.Address))
	}
	return strings.Join(parts, ", ")
}

// dispatchProofs sends the proofs ids at once, as crier dispatch would,
// each dispatcher limited to its proof, and says what became of each
// message and where it went.
func dispatchProofs(e *env, s *notices.Store, d *sendDraft, ids []int64) error {
	ctx := context.Background()
	names := d.cfg.channelNames()
	failed := 0
	// One set of senders (SMTP sessions, the Twilio client) for every proof.
	dc, closeSenders, err := d.cfg.dispatchConfig(d.core.Library, d.u)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("the proofs are queued, and no crier serve runs to send them; they cannot be sent from here: %w", err)}
	}
	defer closeSenders()
	dc.Log = logs.New(e.stderr, "text", slog.LevelWarn)
	for _, id := range ids {
		dc.Notice = id
		disp, err := scheduler.New(s, dc)
		if err == nil {
			err = disp.Drain(ctx)
		}
		if err != nil {
			return err
		}
		err = s.EachDelivery(ctx, id, func(dl notices.Delivery) error {
			switch dl.Status {
			case notices.DeliverySent, notices.DeliveryDelivered:
				fmt.Fprintf(e.stdout, "proof %d: %s to %s sent -> %s\n", id, dl.Channel, dl.Address, names[dl.Channel])
			case notices.DeliveryQueued:
				failed++
				fmt.Fprintf(e.stdout, "proof %d: %s to %s not sent: the channel is paused (crier notices show %d says why)\n", id, dl.Channel, dl.Address, id)
			default:
				failed++
				fmt.Fprintf(e.stdout, "proof %d: %s to %s %s: %s\n", id, dl.Channel, dl.Address, dl.Status, dl.Error)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d proof message(s) not sent (crier report N says why)", failed)}
	}
	return nil
}

// writeProofNote says, of a proof, that it is one.
func writeProofNote(w io.Writer, n notices.Notice) {
	if n.Proof {
		fmt.Fprintln(w, "PROOF: sent by crier send --proof to the coordinator's addresses, not to customers; left out of crier notices list, notices schedule and the other notices' reports")
	}
}
