package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/crier-notices/crier/notices"
)

// listsCmd is `crier lists`: named static lists of contacts.
type listsCmd struct {
	Create listsCreateCmd `cmd:"" help:"Create an empty list."`
	List   listsListCmd   `cmd:"" help:"List the lists with their member counts."`
	Delete listsDeleteCmd `cmd:"" help:"Delete a list (its contacts stay)."`
	Add    listsAddCmd    `cmd:"" help:"Add contacts to a list by account number."`
	Remove listsRemoveCmd `cmd:"" help:"Take contacts off a list by account number."`
}

type listsCreateCmd struct {
	Name string `arg:"" help:"The list's name."`
}

func (c listsCreateCmd) Run(e *env) error {
	_, s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	l, err := s.CreateList(context.Background(), c.Name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created list %s\n", l.Name)
	return nil
}

type listsListCmd struct{}

func (listsListCmd) Run(e *env) error {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	ls, err := s.Lists(context.Background())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tMEMBERS\tCREATED")
	for _, l := range ls {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", l.Name, l.Members, l.CreatedAt.Format("2006-01-02"))
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d list(s)\n", len(ls))
	return nil
}

type listsDeleteCmd struct {
	Name  string `arg:"" help:"The list's name."`
	Force bool   `help:"Delete it even though scheduled notices or campaigns send to it (they pause, or miss their firings, until it is made again)."`
}

func (c listsDeleteCmd) Run(e *env) error {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	if users, err := listUsers(ctx, s, c.Name); err != nil {
		return err
	} else if len(users) > 0 && !c.Force {
		return &exitError{code: 1, err: fmt.Errorf("list %s is the audience of %s, still to send: cancel or edit them first, or add --force (they would pause, or miss their firings, until the list is made again)",
			c.Name, strings.Join(users, " and "))}
	}
	l, err := s.DeleteList(ctx, c.Name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deleted list %s (its %d contact(s) stay)\n", l.Name, l.Members)
	return nil
}

type listsAddCmd struct {
	Name     string   `arg:"" help:"The list's name."`
	Accounts []string `arg:"" help:"Account numbers of the contacts."`
}

func (c listsAddCmd) Run(e *env) error {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.AddToList(context.Background(), c.Name, c.Accounts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %d contact(s) to %s (the others named were on it already)\n", n, c.Name)
	return nil
}

type listsRemoveCmd struct {
	Name     string   `arg:"" help:"The list's name."`
	Accounts []string `arg:"" help:"Account numbers of the contacts."`
}

func (c listsRemoveCmd) Run(e *env) error {
	_, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.RemoveFromList(context.Background(), c.Name, c.Accounts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed %d contact(s) from %s\n", n, c.Name)
	return nil
}

// listUsers names the scheduled notices not yet published and the enabled
// campaigns whose audience names list: they read it when they go.
func listUsers(ctx context.Context, s *notices.Store, list string) ([]string, error) {
	var users []string
	ns, err := s.Notices(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		if n.Status == notices.Scheduled && n.PublishedAt.IsZero() && slices.Contains(n.Audience.Lists, list) {
			users = append(users, fmt.Sprintf("notice %d", n.ID))
		}
	}
	cs, err := s.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Enabled && slices.Contains(c.Notice.Audience.Lists, list) {
			users = append(users, "campaign "+c.Name)
		}
	}
	return users, nil
}
