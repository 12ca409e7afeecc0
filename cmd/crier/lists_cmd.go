package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/crier-notices/crier/app"
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
	cfg, s, err := e.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	a := commandApp(cfg, nil, s)
	l, err := a.CreateList(actingContext(context.Background(), ""), c.Name)
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
	cfg, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	a := commandApp(cfg, nil, s)
	l, err := a.DeleteList(actingContext(context.Background(), ""), c.Name, c.Force)
	var inUse *app.ListInUseError
	if errors.As(err, &inUse) {
		return &exitError{code: 1, err: fmt.Errorf("%w: cancel or edit them first, or add --force (they would pause, or miss their firings, until the list is made again)", inUse)}
	}
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
	cfg, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	a := commandApp(cfg, nil, s)
	n, err := a.AddToList(actingContext(context.Background(), ""), c.Name, c.Accounts...)
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
	cfg, s, err := e.existingStore()
	if err != nil {
		return err
	}
	defer s.Close()
	a := commandApp(cfg, nil, s)
	n, err := a.RemoveFromList(actingContext(context.Background(), ""), c.Name, c.Accounts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed %d contact(s) from %s\n", n, c.Name)
	return nil
}
