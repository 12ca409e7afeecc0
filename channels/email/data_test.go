package email_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/wneessen/go-mail"

	"github.com/crier-notices/crier/channels"
	"github.com/crier-notices/crier/internal/testenv"
)

// TestMailpitReceivesTheMessageAsGoMailSendsIt: the sender writes the
// data itself, dot-stuffing lines in bulk or taking them stuffed once
// before (as templates gives every email); the server receives each
// message byte for byte as plain go-mail's SMTP client delivers it, lines
// that begin with a dot, bare line feeds and a last line without its
// break included.
func TestMailpitReceivesTheMessageAsGoMailSendsIt(t *testing.T) {
	mp := testenv.Mailpit(t)
	cfg := plainConfig(mp)
	s := newSender(t, cfg)
	plain, err := mail.NewClient(cfg.Host, mail.WithPort(cfg.Port), mail.WithTLSPolicy(mail.NoTLS))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range awkwardBodies {
		t.Run(tt.name, func(t *testing.T) {
			gm := noticeMsg(t, "Ann Lee", "ann@water.example")
			gm.SetBodyWriter(mail.TypeTextPlain, func(w io.Writer) (int64, error) {
				n, err := io.WriteString(w, tt.body)
				return int64(n), err
			}, mail.WithPartEncoding(mail.NoEncoding))
			mp.DeleteAll(t)
			if err := plain.DialAndSend(gm); err != nil {
				t.Fatalf("go-mail: %v", err)
			}
			want := received(t, mp)
			m := asMessage(t, gm)
			for _, form := range []struct {
				name string
				m    channels.Message
			}{{"stuffed by the sender", m}, {"stuffed once before", stuffedOnce(m)}} {
				if _, err := s.Send(context.Background(), form.m); err != nil {
					t.Fatalf("Send, %s: %v", form.name, err)
				}
				if got := received(t, mp); !bytes.Equal(got, want) {
					t.Errorf("Mailpit received, %s,\n%q\nwant, as go-mail sends it,\n%q", form.name, got, want)
				}
			}
		})
	}
}

// received returns the one message Mailpit holds, without the trace
// headers it puts in front (Return-Path, Received), and deletes it.
func received(t *testing.T, mp *testenv.MailpitServer) []byte {
	t.Helper()
	msgs := mp.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("Mailpit holds %d messages; want 1", len(msgs))
	}
	raw := mp.Raw(t, msgs[0].ID)
	mp.DeleteAll(t)
	for bytes.HasPrefix(raw, []byte("Return-Path:")) || bytes.HasPrefix(raw, []byte("Received:")) || bytes.HasPrefix(raw, []byte(" ")) {
		i := bytes.Index(raw, []byte("\r\n"))
		if i < 0 {
			break
		}
		raw = raw[i+2:]
	}
	return raw
}

// awkwardBodies are bodies whose bytes SMTP's DATA must change and change
// back: dots at line starts, bare line feeds, a last line without its
// break.
var awkwardBodies = []struct {
	name string
	body string
}{
	{name: "dots at line starts", body: ".\r\n..\r\n.hidden line\r\nend.\r\n. \r\n"},
	{name: "a dot first and last", body: ".first\r\nmiddle\r\n."},
	{name: "bare line feeds", body: "one\ntwo\n.three\n"},
	{name: "line feeds bare and not", body: "one\r\n.two\n..three\r\nfour\n"},
	{name: "no dot", body: "Boil your water before drinking it.\r\n"},
	{name: "empty", body: ""},
}
