package notices

import (
	"context"
	"strings"
	"testing"
)

func TestLists(t *testing.T) {
	ctx := context.Background()
	s := testStore(t)
	for _, a := range []string{"1", "2", "3"} {
		if _, err := s.SaveContact(ctx, Contact{Account: a}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := s.CreateList(ctx, "hospitals")
	if err != nil || l.Name != "hospitals" || l.ID == 0 {
		t.Fatalf("CreateList: %+v %v", l, err)
	}
	if _, err := s.CreateList(ctx, "north"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
		code Code
	}{
		{"duplicate name", func() error { _, err := s.CreateList(ctx, "hospitals"); return err }, Conflict},
		{"empty name", func() error { _, err := s.CreateList(ctx, "  "); return err }, Invalid},
		{"add to a missing list", func() error { _, err := s.AddToList(ctx, "nowhere", "1"); return err }, NotFound},
		{"add a missing account", func() error { _, err := s.AddToList(ctx, "hospitals", "1", "99"); return err }, NotFound},
		{"delete a missing list", func() error { _, err := s.DeleteList(ctx, "nowhere"); return err }, NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); ErrorCode(err) != tc.code {
				t.Errorf("err %v; want code %s", err, tc.code)
			}
		})
	}
	// The failed add with a missing account added nobody.
	if l, _ := s.List(ctx, "hospitals"); l.Members != 0 {
		t.Errorf("a failed add changed the list: %d members", l.Members)
	}
	if n, err := s.AddToList(ctx, "hospitals", "1", "2", "2"); err != nil || n != 2 {
		t.Errorf("AddToList: %d %v", n, err)
	}
	if n, err := s.AddToList(ctx, "hospitals", "2", "3"); err != nil || n != 1 {
		t.Errorf("AddToList again: %d %v", n, err)
	}
	if n, err := s.RemoveFromList(ctx, "hospitals", "3"); err != nil || n != 1 {
		t.Errorf("RemoveFromList: %d %v", n, err)
	}
	ls, err := s.Lists(ctx)
	var got []string
	for _, l := range ls {
		got = append(got, l.Name+":"+string(rune('0'+l.Members)))
	}
	if err != nil || strings.Join(got, ",") != "hospitals:2,north:0" {
		t.Errorf("Lists: %v %v", got, err)
	}
	if r, _ := s.Resolve(ctx, Audience{Lists: []string{"hospitals"}}); r.Contacts != 2 {
		t.Errorf("audience of the list: %d", r.Contacts)
	}
	if l, err := s.DeleteList(ctx, "hospitals"); err != nil || l.Members != 2 {
		t.Errorf("DeleteList: %+v %v", l, err)
	}
	if _, err := s.List(ctx, "hospitals"); ErrorCode(err) != NotFound {
		t.Errorf("after delete: %v", err)
	}
	if r, _ := s.Resolve(ctx, Audience{}); r.Contacts != 3 {
		t.Errorf("deleting a list must keep its contacts: %d left", r.Contacts)
	}
	var members int
	s.db.QueryRowContext(ctx, `SELECT count(*) FROM list_members`).Scan(&members)
	if members != 0 {
		t.Errorf("%d memberships left", members)
	}
}
