package scheduler

import (
	"log/slog"
	"time"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/notices"
	"github.com/crier-notices/crier/templates"
)

// Channel is how the dispatcher uses one channel.
type Channel struct {
	Sender channels.Channel
	// Concurrency is the most messages in flight at once (default 4): a
	// crash can repeat at most this many.
	Concurrency int
	// Rate is the most messages per second, 0 for no limit; Burst the most
	// sent at once after a quiet spell (default 1).
	Rate  float64
	Burst int
}

// Config is what the dispatcher needs besides the store. Zero durations
// and counts take the defaults given.
type Config struct {
	// Channels maps each channel a notice may use to its sender. A notice
	// on a channel missing here waits for it.
	Channels map[notices.Channel]Channel

	Library *templates.Library // the templates notices name
	Utility templates.Utility
	// DefaultLanguage is the utility's, for publishing scheduled notices
	// when their time comes (see notices.Store.Publish).
	DefaultLanguage string
	// From and ReplyTo head every email; empty: the utility's name and email.
	From, ReplyTo string
	// PublicURL is the web address Crier answers at (https://…), for the
	// unsubscribe links and the notices' pages (their flyers' QR codes,
	// {{.notice.url}}); empty: emails go without List-Unsubscribe, and
	// flyers and messages without a page.
	PublicURL string

	// Worker names this dispatcher in the claims it takes; default
	// host/pid/random, which lets a dispatcher on the same host see that
	// the process holding claims is gone.
	Worker string
	Lease  time.Duration // how long a claim holds; default 2m

	MaxAttempts int           // attempts before a transient failure is final; default 8
	MaxAge      time.Duration // after the first attempt, retries stop after this; default 24h
	Backoff     time.Duration // wait before the first retry, doubling each time, with jitter; default 5s
	MaxBackoff  time.Duration // the longest wait between retries; default 10m
	// PauseAfter consecutive permanent failures on a channel pause it for
	// the notice: a server refusing every recipient is broken, not the
	// recipients; default 25.
	PauseAfter int
	// OutagePause: a channel failing (unreachable, timing out) this long
	// pauses the notices it is sending, so that the coordinator hears of
	// it and a long outage fails nobody; default 15m.
	OutagePause time.Duration
	// Poll is how often an idle dispatcher looks for due deliveries it
	// was not told of; default 1s. It needs no poll for what it knows:
	// Wake makes it look at once, and it sleeps until the next retry or
	// scheduled notice falls due. While it holds deliveries it looks for
	// cancellations and pauses at least every second.
	Poll time.Duration

	// Grace is how late a scheduled notice may still be published when
	// its time is found (the process was down then); an older one pauses
	// for the coordinator, as a campaign's firing that late is missed.
	// Default 1h.
	Grace time.Duration

	// Notice, when not 0, limits the dispatcher to that notice: it claims
	// only its deliveries, publishes no scheduled notice, prints nothing,
	// and Drain ends when that notice has nothing left (crier send sending
	// a proof itself when no crier serve runs).
	Notice int64

	// QuietHours hold the text messages of normal notices; emergencies
	// and emails go at once. Zero: none.
	QuietHours QuietHours
	// StopTimeout is how long a stop lets the sends in flight finish;
	// those still going then are abandoned and put back, to go again
	// (they may have gone: a repeat, as after a crash). 0: no limit.
	StopTimeout time.Duration

	Log *slog.Logger // default: discard
	Now func() time.Time
}
