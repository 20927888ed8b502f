package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
)

// itemFlags are the flags grant and revoke share.
type itemFlags struct {
	identities, roles, profiles, entitlements []string
	comment, removeDate, startDate            string
	asJSON                                    bool
	bulk                                      bulkFlags
}

func (f *itemFlags) bind(c *cobra.Command, forUsage string) {
	fl := c.Flags()
	fl.StringSliceVar(&f.identities, "for", nil, forUsage)
	fl.StringSliceVar(&f.roles, "role", nil, "role id (repeat or comma-separate)")
	fl.StringSliceVar(&f.profiles, "access-profile", nil, "access profile id (repeat or comma-separate)")
	fl.StringSliceVar(&f.entitlements, "entitlement", nil, "entitlement id (repeat or comma-separate)")
	fl.StringVar(&f.comment, "comment", "", "justification for every item")
	fl.StringVar(&f.removeDate, "remove-date", "", "RFC 3339 date-time when the access ends")
	fl.BoolVar(&f.asJSON, "json", false, "print the server's answer as JSON")
	f.bulk.bind(c, false)
}

// items counts the items named.
func (f *itemFlags) items() int { return len(f.roles) + len(f.profiles) + len(f.entitlements) }

// build turns the flags into a request with the builder.
func (f *itemFlags) build(b *facade.RequestBuilder) (facade.AccessRequest, error) {
	var opts []facade.ItemOption
	if f.comment != "" {
		opts = append(opts, facade.Comment(f.comment))
	}
	for _, d := range []struct {
		flag, value string
		opt         func(time.Time) facade.ItemOption
	}{{"--remove-date", f.removeDate, facade.RemoveOn}, {"--start-date", f.startDate, facade.StartOn}} {
		if d.value == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, d.value)
		if err != nil {
			return facade.AccessRequest{}, usagef("%s must be an RFC 3339 date-time such as 2026-12-31T17:00:00Z, got %q", d.flag, d.value)
		}
		opts = append(opts, d.opt(t))
	}
	if f.items() == 0 {
		return facade.AccessRequest{}, usagef("name at least one item with --role, --access-profile or --entitlement")
	}
	for _, id := range f.roles {
		b.Role(strings.TrimSpace(id), opts...)
	}
	for _, id := range f.profiles {
		b.AccessProfile(strings.TrimSpace(id), opts...)
	}
	for _, id := range f.entitlements {
		b.Entitlement(strings.TrimSpace(id), opts...)
	}
	return b.Build()
}

func (a *app) grantCommand() *cobra.Command {
	var f itemFlags
	c := &cobra.Command{
		Use:   "grant --for ID[,ID] [--role ID] [--access-profile ID] [--entitlement ID]",
		Short: "Submit a GRANT_ACCESS request",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(f.identities) == 0 {
				return usagef("--for is required")
			}
			req, err := f.build(facade.NewGrant().For(trimAll(f.identities)...))
			if err != nil {
				return err
			}
			return a.submit(cmd.Context(), req, &f, "grant")
		},
	}
	f.bind(c, "identity id (repeat or comma-separate)")
	c.Flags().StringVar(&f.startDate, "start-date", "", "RFC 3339 date-time when the access starts")
	return c
}

func (a *app) revokeCommand() *cobra.Command {
	var f itemFlags
	c := &cobra.Command{
		Use:   "revoke --for ID --comment TEXT [--role ID] [--access-profile ID] [--entitlement ID]",
		Short: "Submit a REVOKE_ACCESS request for one identity",
		Long: `Revoke submits a REVOKE_ACCESS request: one identity, a comment, and the items to take away.
More than ` + fmt.Sprint(handful) + ` items need a confirmation on a terminal, or --yes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case len(f.identities) != 1:
				return usagef("--for must name exactly one identity for a revoke, got %d", len(f.identities))
			case f.comment == "":
				return usagef("--comment is required for a revoke")
			}
			req, err := f.build(facade.NewRevoke(strings.TrimSpace(f.identities[0])))
			if err != nil {
				return err
			}
			return a.submit(cmd.Context(), req, &f, "revoke")
		},
	}
	f.bind(c, "the identity to revoke from (exactly one)")
	return c
}

func trimAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// submit sends a built request (or prints it, with --dry-run) and prints the answer.
func (a *app) submit(ctx context.Context, req facade.AccessRequest, f *itemFlags, verb string) error {
	s, err := a.session(f.bulk.dryRun)
	if err != nil {
		return err
	}
	if f.bulk.dryRun {
		_, err := s.c.Create(ctx, req)
		return a.dryRunDone(s, f.items()*max(1, len(f.identities)), err)
	}
	if verb == "revoke" {
		if err := a.confirm(verb, f.items(), "items", s.settings.tenant(), f.bulk.yes); err != nil {
			return err
		}
	}
	res, err := s.c.Create(ctx, req)
	if err != nil {
		return err
	}
	if f.asJSON {
		enc := json.NewEncoder(a.io.out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return a.printTracking(res)
}

// printTracking prints the request ids of a create answer, read from its JSON.
func (a *app) printTracking(res any) error {
	var r struct {
		New      []tracking `json:"newRequests"`
		Existing []tracking `json:"existingRequests"`
	}
	data, err := json.Marshal(res)
	if err == nil {
		err = json.Unmarshal(data, &r)
	}
	if err != nil {
		return err
	}
	for _, t := range r.New {
		fmt.Fprintf(a.io.out, "new\tfor %s\t%s\n", t.RequestedFor, strings.Join(t.AccessRequestIDs, ","))
	}
	for _, t := range r.Existing {
		fmt.Fprintf(a.io.out, "already pending\tfor %s\t%s\n", t.RequestedFor, strings.Join(t.AccessRequestIDs, ","))
	}
	return nil
}

type tracking struct {
	RequestedFor     string   `json:"requestedFor"`
	AccessRequestIDs []string `json:"accessRequestIds"`
}
