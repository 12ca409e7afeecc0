package sinks

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Twilio is an HTTP server shaped like Twilio's Messages API that accepts
// each message and discards it: POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json answers 201 with a
// message resource as Twilio does, or Twilio's error body. Start one with
// StartTwilio; its methods are safe for concurrent use.
type Twilio struct {
	srv    *http.Server
	ln     net.Listener
	served chan error
	token  string
	prefix string        // the random first half of every SID, in hex
	seq    atomic.Uint64 // the second half
	counts counters
	closed sync.Once
	err    error
	lean   *leanHTTP // the server when Lean was given; srv is nil then
}

// A TwilioOption changes how StartTwilio's server behaves.
type TwilioOption func(*Twilio)

// RequireToken makes the server refuse, with 401 and Twilio's error 20003,
// a request whose Basic auth password is not token. Without it any
// password is accepted, but Basic auth must still be present.
func RequireToken(token string) TwilioOption {
	return func(t *Twilio) { t.token = token }
}

// StartTwilio listens on addr ("127.0.0.1:0" picks a free port) and serves
// the Messages API there over plain HTTP until Close. Give URL as the base
// URL that replaces https://api.twilio.com.
func StartTwilio(addr string, opts ...TwilioOption) (*Twilio, error) {
	t := &Twilio{served: make(chan error, 1)}
	for _, o := range opts {
		o(t)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("twilio sink: %w", err)
	}
	t.prefix = hex.EncodeToString(b[:])
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("twilio sink: %w", err)
	}
	t.ln = l
	if t.lean != nil {
		go func() { t.served <- t.lean.serve(l, t) }()
		return t, nil
	}
	t.srv = t.httpServer()
	go func() { t.served <- t.srv.Serve(l) }()
	return t, nil
}

// httpServer is net/http's server answering the Messages create: the
// server of StartTwilio, and of what the lean server leaves to it.
func (t *Twilio) httpServer() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{AccountSid}/Messages.json", t.createMessage)
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// Clients that hang up are normal in a benchmark.
		ErrorLog: log.New(io.Discard, "", 0),
	}
}

// URL returns the server's base URL, http://127.0.0.1:PORT.
func (t *Twilio) URL() string { return "http://" + t.ln.Addr().String() }

// Addr returns the address the server listens on, as host:port.
func (t *Twilio) Addr() string { return t.ln.Addr().String() }

// Accepted returns the number of messages answered 201.
func (t *Twilio) Accepted() int64 { return t.counts.accepted.Load() }

// FirstAccepted returns when the first message was accepted, or the zero
// time if none was.
func (t *Twilio) FirstAccepted() time.Time { return t.counts.first() }

// LastAccepted returns when the latest message was accepted, or the zero
// time if none was.
func (t *Twilio) LastAccepted() time.Time { return t.counts.last() }

// Close stops the server: it lets requests under way finish for up to five
// seconds, then closes every connection. Calling it again returns the
// first call's result.
func (t *Twilio) Close() error {
	t.closed.Do(func() {
		if t.lean != nil {
			t.lean.close(t.ln, 5*time.Second)
			<-t.served
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := t.srv.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			// A connection a client opened and never used counts as busy
			// to Shutdown; past the wait it is simply closed.
			err = t.srv.Close()
		} else if err != nil {
			err = errors.Join(err, t.srv.Close())
		}
		if serr := <-t.served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		if err != nil {
			t.err = fmt.Errorf("twilio sink: close: %w", err)
		}
	})
	return t.err
}

// maxForm bounds a request body; Twilio's own limit on a message body is
// 1,600 characters.
const maxForm = 64 << 10

// message is Twilio's message resource as a create answers it.
type message struct {
	AccountSID          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateSent            *string           `json:"date_sent"`
	DateUpdated         string            `json:"date_updated"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                *string           `json:"from"`
	MessagingServiceSID *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           *string           `json:"price_unit"`
	SID                 string            `json:"sid"`
	Status              string            `json:"status"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
	To                  string            `json:"to"`
	URI                 string            `json:"uri"`
}

// twilioError is Twilio's error body.
type twilioError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func (t *Twilio) createMessage(w http.ResponseWriter, r *http.Request) {
	status, out := t.answer(r.PathValue("AccountSid"), w, r)
	h := w.Header()
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", wwwAuthenticate)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	w.Write(out)
}

const wwwAuthenticate = `Basic realm="Twilio API"`

// answer is the status and JSON body that answer r, a message create for
// account: the message resource, counted as accepted, or Twilio's error.
// w, which may be nil, is told of a body over maxForm.
func (t *Twilio) answer(account string, w http.ResponseWriter, r *http.Request) (int, []byte) {
	_, pass, ok := r.BasicAuth()
	if !ok || !t.passwordOK([]byte(pass)) {
		return twilioErrorBody(http.StatusUnauthorized, 20003, "Authenticate")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return twilioErrorBody(http.StatusBadRequest, 20001, "Unable to read the request: "+err.Error())
	}
	f := r.PostForm
	to, body := f.Get("To"), f.Get("Body")
	from, service := f.Get("From"), f.Get("MessagingServiceSid")
	media := len(f["MediaUrl"])
	if status, out, ok := refusal(to != "", from != "" || service != "", body != "" || media > 0 || f.Get("ContentSid") != ""); !ok {
		return status, out
	}

	sid := t.newSID()
	now := time.Now().UTC().Format(twilioTime)
	uri := "/2010-04-01/Accounts/" + account + "/Messages/" + sid
	m := message{
		AccountSID:      account,
		APIVersion:      "2010-04-01",
		Body:            body,
		DateCreated:     now,
		DateUpdated:     now,
		Direction:       "outbound-api",
		NumMedia:        strconv.Itoa(media),
		NumSegments:     strconv.Itoa(segments(body)),
		SID:             sid,
		Status:          "queued",
		SubresourceURIs: map[string]string{"media": uri + "/Media.json"},
		To:              to,
		URI:             uri + ".json",
	}
	if from != "" {
		m.From = &from
	}
	if service != "" {
		m.MessagingServiceSID = &service
	}
	out, err := json.Marshal(&m)
	if err != nil {
		return twilioErrorBody(http.StatusInternalServerError, 20500, "Internal Server Error")
	}
	t.counts.add(1)
	return http.StatusCreated, out
}

// passwordOK reports whether pass, a request's Basic auth password, is
// one the server accepts.
func (t *Twilio) passwordOK(pass []byte) bool {
	return t.token == "" || subtle.ConstantTimeCompare(pass, []byte(t.token)) == 1
}

// refusal is Twilio's error for a message create without a To, a sender
// (From or MessagingServiceSid) or content (a Body, a MediaUrl or a
// ContentSid), checked in that order; ok is true if it has them all.
func refusal(to, sender, content bool) (status int, out []byte, ok bool) {
	switch {
	case !to:
		status, out = twilioErrorBody(http.StatusBadRequest, 21604, "A 'To' phone number is required.")
	case !sender:
		status, out = twilioErrorBody(http.StatusBadRequest, 21603, "A 'From' phone number is required.")
	case !content:
		status, out = twilioErrorBody(http.StatusBadRequest, 21602, "Message body is required.")
	default:
		return 0, nil, true
	}
	return status, out, false
}

// twilioTime is the layout of Twilio's dates: "Thu, 24 Aug 2023 05:01:45 +0000".
const twilioTime = "Mon, 02 Jan 2006 15:04:05 -0700"

// twilioErrorBody is Twilio's error body for status and code.
func twilioErrorBody(status, code int, msg string) (int, []byte) {
	out, _ := json.Marshal(twilioError{
		Code:     code,
		Message:  msg,
		MoreInfo: "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
		Status:   status,
	})
	return status, out
}

// newSID returns "SM" and 32 hexadecimal digits: 16 random for the sink,
// then a counter, so no two messages of a sink share one.
func (t *Twilio) newSID() string {
	var b [2 + 32]byte
	return string(t.appendSID(b[:0]))
}

// appendSID appends a new SID, as newSID returns it, to dst.
func (t *Twilio) appendSID(dst []byte) []byte {
	dst = append(dst, "SM"...)
	dst = append(dst, t.prefix...)
	n := t.seq.Add(1)
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, digits[n>>shift&0xf])
	}
	return dst
}

// segments is how many SMS segments body takes, as carriers count them:
// in the GSM 7-bit alphabet 160 septets fit one message and 153 each part
// of a longer one (an extension character takes two); with any other
// character the message goes as UCS-2, 70 and 67 UTF-16 units.
func segments[S string | []byte](body S) int {
	septets, gsm := 0, true
	for i := 0; i < len(body); {
		r, size := decodeRune(body[i:])
		n := gsmSeptets(r)
		if n == 0 {
			gsm = false
			break
		}
		septets += n
		i += size
	}
	single, part, units := 160, 153, septets
	if !gsm {
		single, part, units = 70, 67, 0
		for i := 0; i < len(body); {
			r, size := decodeRune(body[i:])
			units += utf16.RuneLen(r)
			i += size
		}
	}
	if units <= single {
		return 1
	}
	return (units + part - 1) / part
}

// decodeRune is utf8.DecodeRuneInString for a string or bytes: only the
// few bytes a rune can take are made a string, which stays on the stack.
func decodeRune[S string | []byte](s S) (rune, int) {
	if s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	return utf8.DecodeRuneInString(string(s[:min(len(s), utf8.UTFMax)]))
}

// gsmSeptets is the number of septets r takes in the GSM 03.38 default
// alphabet, two for the extension table, or 0 if it has no place there.
func gsmSeptets(r rune) int {
	if r < 0x80 {
		return int(gsmASCII[r])
	}
	return gsmOther[r]
}

// gsmASCII and gsmOther are the GSM 03.38 default alphabet and its
// extension table (form feed, ^ { } \ [ ~ ] | and €).
var gsmASCII, gsmOther = func() ([0x80]byte, map[rune]int) {
	const basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	const ext = "\f^{}\\[~]|€"
	var ascii [0x80]byte
	other := make(map[rune]int)
	for _, set := range []struct {
		chars string
		n     int
	}{{basic, 1}, {ext, 2}} {
		for _, r := range set.chars {
			if r < 0x80 {
				ascii[r] = byte(set.n)
			} else {
				other[r] = set.n
			}
		}
	}
	return ascii, other
}()
