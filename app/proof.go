package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/scheduler"
)

// ProofSent is what SendProof did: the proofs queued, one per language,
// the addresses left out for being suppressed, and how the proofs went.
type ProofSent struct {
	Proofs     []Proof
	To         []notices.ProofAddress // the addresses the proofs go to
	Suppressed []notices.Suppression  // the addresses left out: a proof goes nowhere customers' messages may not
	Woken      []string               // the running dispatchers that send the proofs; none: sent by SendProof itself
	// Outcomes are the proofs' deliveries as SendProof left them after
	// sending them itself (no dispatcher answered); none when woken.
	Outcomes []notices.Delivery
}

// Proof is one proof queued: a notice of its own, in one language.
type Proof struct {
	ID   int64
	Lang string
}

// Problem messages of SendProof on "proof" that say no address is given
// for a channel the proof can use.
const (
	ProofNoChannel     = "a proof goes by email or sms, and print is not a proof channel: add email or sms to the channels"
	ProofAllSuppressed = "no proof sent: every proof address is suppressed"
	proofWrongChannel  = "%q goes by %s, which the channels %s leave out: add %s, or give an address for %s"
	proofNotAnAddress  = "%q: %v: give an email address or a mobile number"
)

// SendProof sends the composed notice to the addresses to only (email
// addresses by email, mobile numbers by sms, each on a channel of the
// notice), at once, in each language it goes in: one proof per language,
// queued as any notice and sent with the customers' rendering, kept apart
// from real notices. A suppressed address is left out. The running
// dispatchers are woken to send it; when none answers and App.Senders is
// set, SendProof sends the proofs itself, each dispatcher limited to its
// proof. The audit log records "proof".
//
// Errors: an *InvalidError on "proof" for an address that is neither, for
// one whose channel the notice leaves out, for a notice on print only, and
// when every address is suppressed; the senders' error when the proofs
// cannot be sent from here (they stay queued).
func (a *App) SendProof(ctx context.Context, d *Draft, to []string) (ProofSent, error) {
	var ps ProofSent
	addrs, chs, err := a.proofAddresses(to, d.Notice.Channels)
	if err != nil {
		return ps, err
	}
	if ps.To, ps.Suppressed, err = a.dropSuppressed(ctx, addrs); err != nil {
		return ps, err
	}
	if len(ps.To) == 0 {
		return ps, Invalid("no proof sent", Problem{"proof", ProofAllSuppressed})
	}
	for _, r := range d.Renderings {
		n := d.Notice
		n.Languages, n.Channels, n.Audience = []string{r.Lang}, chs, notices.Audience{}
		n.Code = "" // each proof, one a language, has a page of its own
		id, err := a.Store.CreateProof(ctx, n, d.Family, ps.To)
		if err != nil {
			return ps, err
		}
		ps.Proofs = append(ps.Proofs, Proof{ID: id, Lang: r.Lang})
		if err := a.audit(ctx, "proof", noticeSubject(id), fmt.Sprintf("%s (%s) to %s", d.Family.Name, r.Lang, proofTargets(ps.To))); err != nil {
			return ps, err
		}
	}
	if ps.Woken = a.wake(ctx); len(ps.Woken) > 0 || a.Senders == nil {
		return ps, nil
	}
	ps.Outcomes, err = a.dispatchProofs(ctx, ps.Proofs)
	return ps, err
}

// proofAddresses reads the proof addresses: an email address goes by
// email, a phone number (in App.PhoneRegion) by sms, each on a channel of
// the notice. It returns them and the channels they use.
func (a *App) proofAddresses(to []string, chs []notices.Channel) ([]notices.ProofAddress, []notices.Channel, error) {
	if !slices.Contains(chs, notices.Email) && !slices.Contains(chs, notices.SMS) {
		return nil, nil, Invalid("no proof sent", Problem{"proof", ProofNoChannel})
	}
	norm := notices.Normalizer{Region: a.PhoneRegion}
	var out []notices.ProofAddress
	var used []notices.Channel
	for _, p := range to {
		addr, ch, err := norm.Address(p)
		if err != nil {
			return nil, nil, Invalid("no proof sent", Problem{"proof", fmt.Sprintf(proofNotAnAddress, p, err)})
		}
		if !slices.Contains(chs, ch) {
			names := joinChannels(chs)
			return nil, nil, Invalid("no proof sent", Problem{"proof", fmt.Sprintf(proofWrongChannel, p, ch, names, ch, names)})
		}
		out = append(out, notices.ProofAddress{Channel: ch, Address: addr})
		if !slices.Contains(used, ch) {
			used = append(used, ch)
		}
	}
	slices.SortFunc(used, func(a, b notices.Channel) int {
		return slices.Index(notices.NoticeChannels, a) - slices.Index(notices.NoticeChannels, b)
	})
	return out, used, nil
}

func joinChannels(chs []notices.Channel) string {
	ss := make([]string, len(chs))
	for i, ch := range chs {
		ss[i] = string(ch)
	}
	return strings.Join(ss, ",")
}

// dropSuppressed splits the addresses into those kept and the suppressed.
func (a *App) dropSuppressed(ctx context.Context, to []notices.ProofAddress) (kept []notices.ProofAddress, dropped []notices.Suppression, err error) {
	for _, addr := range to {
		sup, ok, err := a.Store.Suppressed(ctx, addr.Address)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			dropped = append(dropped, sup)
			continue
		}
		kept = append(kept, addr)
	}
	return kept, dropped, nil
}

// proofTargets says where a proof goes: "email to a@b, sms to +1315…".
func proofTargets(to []notices.ProofAddress) string {
	var parts []string
	for _, a := range to {
		parts = append(parts, fmt.Sprintf("%s to %s", a.Channel, a.Address))
	}
	return strings.Join(parts, ", ")
}

// dispatchProofs sends the proofs at once, as a dispatcher would, each
// dispatcher limited to its proof (nothing else queued goes), and returns
// their deliveries as they ended.
func (a *App) dispatchProofs(ctx context.Context, proofs []Proof) ([]notices.Delivery, error) {
	// One set of senders (SMTP sessions, the Twilio client) for every proof.
	dc, closeSenders, err := a.Senders()
	if err != nil {
		return nil, fmt.Errorf("the proofs are queued, and no dispatcher runs to send them; they cannot be sent from here: %w", err)
	}
	defer closeSenders()
	var out []notices.Delivery
	for _, p := range proofs {
		dc.Notice = p.ID
		disp, err := scheduler.New(a.Store, dc)
		if err == nil {
			err = disp.Drain(ctx)
		}
		if err != nil {
			return out, err
		}
		err = a.Store.EachDelivery(ctx, p.ID, func(dl notices.Delivery) error {
			out = append(out, dl)
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
