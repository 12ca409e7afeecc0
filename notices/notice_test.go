package notices

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestCreateNotice(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	if _, err := s.CreateList(ctx, "north"); err != nil {
		t.Fatal(err)
	}
	sendAt := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		n    Notice
		code Code // "" when it must be stored
	}{
		{"minimal", Notice{Template: "main-break", Channels: []Channel{SMS}}, ""},
		{"everything", Notice{Template: "hydrant-flushing", Values: map[string]string{"area": "Zone 3", "area.es": "Zona 3"},
			Languages: []string{"en", "es"}, Audience: Audience{Lists: []string{"north"}, Zones: []string{"3"}, Has: []Channel{Email}},
			Channels: []Channel{Email, SMS, Print}, Urgency: Emergency, SendAt: sendAt}, ""},
		{"no template", Notice{Channels: []Channel{Email}}, Invalid},
		{"no channel", Notice{Template: "main-break"}, Invalid},
		{"unknown channel", Notice{Template: "main-break", Channels: []Channel{"fax"}}, Invalid},
		{"channel twice", Notice{Template: "main-break", Channels: []Channel{Email, Email}}, Invalid},
		{"bad urgency", Notice{Template: "main-break", Channels: []Channel{Email}, Urgency: "urgent"}, Invalid},
		{"bad language", Notice{Template: "main-break", Channels: []Channel{Email}, Languages: []string{"en,es"}}, Invalid},
		{"unknown list", Notice{Template: "main-break", Channels: []Channel{Email}, Audience: Audience{Lists: []string{"nowhere"}}}, NotFound},
		{"bad filter", Notice{Template: "main-break", Channels: []Channel{Email}, Audience: Audience{Streets: []string{" "}}}, Invalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := s.CreateNotice(ctx, tc.n)
			if tc.code != "" {
				if ErrorCode(err) != tc.code {
					t.Fatalf("CreateNotice: %v; want code %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Notice(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.n
			want.ID, want.Status, want.CreatedAt, want.UpdatedAt = id, Draft, s.Now(), s.Now()
			if want.Urgency == "" {
				want.Urgency = Normal
			}
			if !sameNotice(got, want) {
				t.Errorf("stored\n %+v\nread back\n %+v", want, got)
			}
		})
	}
	if _, err := s.Notice(ctx, 999); ErrorCode(err) != NotFound {
		t.Errorf("Notice(999): %v; want not found", err)
	}
	ns, err := s.Notices(ctx)
	if err != nil || len(ns) != 2 || ns[0].Template != "hydrant-flushing" || ns[1].Template != "main-break" {
		t.Errorf("Notices: %v, %v; want the two stored, newest first", ns, err)
	}
}

func sameNotice(a, b Notice) bool {
	return a.ID == b.ID && a.Template == b.Template && len(a.Values) == len(b.Values) && func() bool {
		for k, v := range a.Values {
			if b.Values[k] != v {
				return false
			}
		}
		return true
	}() && slices.Equal(a.Languages, b.Languages) && a.Audience.String() == b.Audience.String() &&
		slices.Equal(a.Channels, b.Channels) && a.Urgency == b.Urgency && a.SendAt.Equal(b.SendAt) && a.Status == b.Status &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && a.PublishedAt.Equal(b.PublishedAt)
}

// TestUnsubscribeTokensStayTheSame: the links in emails already sent keep
// working after an upgrade: a delivery's token is what Crier always made
// of it (HMAC-SHA256 of "unsubscribe:" and the id, under the notice's
// secret, 16 bytes in base64url).
func TestUnsubscribeTokensStayTheSame(t *testing.T) {
	n := Notice{secret: "0123456789abcdef0123456789abcdef"}
	for id, want := range map[int64]string{
		1:                   "ZEz3uDmRlUX1sJI56xI0Bw",
		7:                   "3D93dJn0tlp5LtK4MofqaQ",
		123456789:           "JxET-L9eT4NnEzAPhSGEZA",
		9223372036854775807: "NefujOg_Tw6zmRTW_ORgcw",
	} {
		if got := n.UnsubscribeToken(id); got != want {
			t.Errorf("token of delivery %d: %s; want %s", id, got, want)
		}
	}
}
