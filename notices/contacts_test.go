package notices

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestSaveAndReadContacts(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	c := Contact{Account: "1001", Name: "Ana Díaz", Email: "ana@example.org", Mobile: "+13155550142", Zone: "4",
		Tags: []string{"senior", "elm"}, Language: "es", Attributes: map[string]string{"meter": "M-77"}}
	if _, err := s.SaveContact(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.Contact(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != c.Name || got.Email != c.Email || got.EmailState != Subscribed || got.SMSState != Subscribed ||
		!slices.Equal(got.Tags, []string{"elm", "senior"}) || got.Attributes["meter"] != "M-77" {
		t.Errorf("got %+v", got)
	}

	// An update keeps subscription states it does not set.
	unsubscribed := c
	unsubscribed.SMSState = Unsubscribed
	if _, err := s.SaveContact(ctx, unsubscribed); err != nil {
		t.Fatal(err)
	}
	c.Name, c.Tags = "Ana Díaz Peña", []string{"elm"}
	if _, err := s.SaveContact(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Contact(ctx, "1001")
	if got.Name != "Ana Díaz Peña" || got.SMSState != Unsubscribed || !slices.Equal(got.Tags, []string{"elm"}) {
		t.Errorf("after update: %+v", got)
	}

	// Saving a contact as subscribed does not re-subscribe it.
	c.SMSState = Subscribed
	if _, err := s.SaveContact(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Contact(ctx, "1001"); got.SMSState != Unsubscribed {
		t.Errorf("SaveContact re-subscribed the contact: %s", got.SMSState)
	}
	if _, err := s.SaveContact(ctx, Contact{Account: "1002", Mobile: "(315) 555-0142"}); ErrorCode(err) != Invalid {
		t.Errorf("a phone not in E.164 must be refused: %v", err)
	}

	if _, err := s.SaveContact(ctx, Contact{Account: "1000", Name: "Bo"}); err != nil {
		t.Fatal(err)
	}
	var accounts []string
	if err := s.EachContact(ctx, func(c Contact) error {
		accounts = append(accounts, c.Account+":"+strings.Join(c.Tags, ","))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(accounts, []string{"1000:", "1001:elm"}) {
		t.Errorf("EachContact: %v", accounts)
	}

	if err := s.DeleteContact(ctx, "1001"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Contact(ctx, "1001"); ErrorCode(err) != NotFound {
		t.Errorf("after delete: %v", err)
	}
	if err := s.DeleteContact(ctx, "nobody"); ErrorCode(err) != NotFound {
		t.Errorf("delete of a missing contact: %v", err)
	}
}
