package main

import (
	"context"
	"encoding/json"
	"errors"
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
	settle                                    time.Duration // --settle: how long a lost answer is looked for
	bulk                                      bulkFlags
	batch                                     batchFlags // with --from-csv
}

// dateHelp says what a date flag takes.
const dateHelp = "a date (2027-01-01, meaning midnight UTC) or an RFC 3339 date-time (2027-01-01T17:00:00+01:00)"

func (f *itemFlags) bind(c *cobra.Command) {
	fl := c.Flags()
	fl.StringSliceVar(&f.roles, "role", nil, "role id (repeat or comma-separate)")
	fl.StringSliceVar(&f.profiles, "access-profile", nil, "access profile id (repeat or comma-separate)")
	fl.StringSliceVar(&f.entitlements, "entitlement", nil, "entitlement id (repeat or comma-separate)")
	fl.StringVar(&f.comment, "comment", "", "justification for every item")
	fl.StringVar(&f.removeDate, "remove-date", "", "when the access ends: "+dateHelp)
	fl.BoolVar(&f.asJSON, "json", false, "print the server's answer as JSON")
	fl.DurationVar(&f.settle, "settle", facade.DefaultSettlePeriod,
		"when the answer is lost, how long to look for the request in the status listing before calling the outcome unknown (0: do not look)")
	f.bulk.bind(c, false, "")
}

// settleOption is the library's setting for --settle: a positive period, or none at all.
func settleOption(d time.Duration) (facade.Option, error) {
	switch {
	case d < 0:
		return nil, usagef("--settle must be 0 (do not look) or a positive duration such as 2m, got %v", d)
	case d == 0:
		return facade.WithoutSettling(), nil
	}
	return facade.WithSettlePeriod(d), nil
}

// parseDate reads a date flag: an RFC 3339 date-time, or a date alone, which means midnight
// UTC at its start.
func parseDate(flag, value string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, value); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, value); err == nil {
		return t, nil // time.Parse gives a date alone in UTC
	}
	return time.Time{}, usagef("%s must be %s, got %q", flag, dateHelp, value)
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
		t, err := parseDate(d.flag, d.value)
		if err != nil {
			return facade.AccessRequest{}, err
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
		Use:   "grant --for ID[,ID] [--role ID] [--access-profile ID] [--entitlement ID] | grant --from-csv FILE",
		Short: "Submit a GRANT_ACCESS request, or many from a CSV",
		Long: `Grant submits a GRANT_ACCESS request: the identities (--for, up to 10), the items, and
optionally a comment and the dates the access starts and ends. A date alone (2027-01-01)
means midnight UTC at its start.
` + batchHelp("grant"),
		Example: `  accessreq grant --for 2c9180835d191a86015d28455b4b00a1 --role 2c9180835d2e5168015d32f890ca1581 --comment "Joining payments"
  accessreq grant --for ID1,ID2 --entitlement ENT --remove-date 2027-01-01
  accessreq grant --dry-run --for ID --access-profile AP      print the call, send nothing
  accessreq grant --from-csv joiners.csv --comment "Q3 joiners" --remaining left.csv --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkBatchFlags(cmd, &f); err != nil {
				return err
			}
			if f.bulk.csvPath != "" {
				return a.runBatch(cmd.Context(), &f, facade.RequestTypeGrant, "grant")
			}
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
	c.Flags().StringSliceVar(&f.identities, "for", nil, "identity id (repeat or comma-separate)")
	f.bind(c)
	f.bindBatch(c, "grant")
	c.Flags().StringVar(&f.startDate, "start-date", "", "when the access starts: "+dateHelp)
	return c
}

func (a *app) revokeCommand() *cobra.Command {
	var (
		f         itemFlags
		revokeFor string
	)
	c := &cobra.Command{
		Use:   "revoke --for ID --comment TEXT [--role ID] [--access-profile ID] [--entitlement ID] | revoke --from-csv FILE",
		Short: "Submit a REVOKE_ACCESS request for one identity, or many from a CSV",
		Long: `Revoke submits a REVOKE_ACCESS request: one identity, a comment, and the items to take away.
More than ` + fmt.Sprint(handful) + ` items need a confirmation on a terminal, or --yes.
` + batchHelp("revoke"),
		Example: `  accessreq revoke --for 2c9180835d191a86015d28455b4b00b2 --role 2c9180835d2e5168015d32f890ca1581 --comment "Left the team"
  accessreq revoke --dry-run --for ID --entitlement ENT --comment "Access review"
  accessreq revoke --from-csv leavers.csv --comment "Access review Q3" --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkBatchFlags(cmd, &f); err != nil {
				return err
			}
			if f.bulk.csvPath != "" {
				return a.runBatch(cmd.Context(), &f, facade.RequestTypeRevoke, "revoke")
			}
			identity := strings.TrimSpace(revokeFor)
			switch {
			case identity == "":
				return usagef("--for is required: the one identity to revoke from")
			case strings.ContainsAny(identity, ", "):
				return usagef("--for must name exactly one identity for a revoke, got %q", revokeFor)
			case f.comment == "":
				return usagef("--comment is required for a revoke")
			}
			f.identities = []string{identity}
			req, err := f.build(facade.NewRevoke(identity))
			if err != nil {
				return err
			}
			return a.submit(cmd.Context(), req, &f, "revoke")
		},
	}
	c.Flags().Var(&onceValue{s: &revokeFor, flag: "--for", what: "one identity for a revoke"}, "for", "the identity to revoke from (one)")
	f.bind(c)
	f.bindBatch(c, "revoke")
	return c
}

// onceValue is a string flag that may be given once: a second value is refused rather than
// silently replacing the first.
type onceValue struct {
	s          *string
	flag, what string
	set        bool
}

func (o *onceValue) String() string {
	if o.s == nil {
		return ""
	}
	return *o.s
}

func (o *onceValue) Set(v string) error {
	if o.set {
		return fmt.Errorf("%s takes %s, given twice", o.flag, o.what)
	}
	o.set, *o.s = true, v
	return nil
}

func (o *onceValue) Type() string { return "string" }

func trimAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// submit sends a built request (or prints it, with --dry-run) and prints the answer.
func (a *app) submit(ctx context.Context, req facade.AccessRequest, f *itemFlags, verb string) error {
	settle, err := settleOption(f.settle)
	if err != nil {
		return err
	}
	s, err := a.session(f.bulk.dryRun, settle)
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
	if errors.Is(err, facade.ErrOutcomeUnknown) {
		a.checkThese(verb, f.identities)
	}
	if err != nil {
		return err
	}
	if f.asJSON {
		err = a.printJSON(res)
	} else {
		err = a.printTracking(res)
	}
	if err != nil || res.Settled == nil {
		return err
	}
	return a.settled(verb, res.Settled)
}

// checkThese tells the user which identities to look at before sending a request again.
func (a *app) checkThese(verb string, identities []string) {
	fmt.Fprintf(a.io.out, "outcome unknown: the %s was sent and may have been acted on; check these before sending it again:\n", verb)
	for _, id := range identities {
		fmt.Fprintf(a.io.out, "  accessreq status --for %s\n", clean(id))
	}
}

// settled says on stderr that the answer was lost and the request was found by lookup; items
// no row showed are named as unknown, and the command fails for them.
func (a *app) settled(verb string, s *facade.Settlement) error {
	fmt.Fprintf(a.io.err, "the %s's answer was lost; its requests were found in the status listing (%d row(s), %d listing(s) over %s): it was sent once\n",
		verb, s.Matched, s.Lookup.Lookups, s.Lookup.Elapsed.Round(time.Second))
	if len(s.Unseen) == 0 {
		return nil
	}
	var identities []string
	items := 0
	for _, u := range s.Unseen {
		identities = append(identities, u.RequestedFor)
		ids := make([]string, len(u.RequestedItemsDetails))
		for i, d := range u.RequestedItemsDetails {
			ids[i] = d.ID
		}
		items += len(ids)
		fmt.Fprintf(a.io.out, "not seen\tfor %s\t%s\n", clean(u.RequestedFor), clean(strings.Join(ids, ",")))
	}
	a.checkThese(verb, identities)
	return fmt.Errorf("%s: %d item(s) not seen in the status listing within --settle (already pending, or not listed yet): outcome unknown", verb, items)
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
		fmt.Fprintf(a.io.out, "new\tfor %s\t%s\n", clean(t.RequestedFor), clean(strings.Join(t.AccessRequestIDs, ",")))
	}
	for _, t := range r.Existing {
		fmt.Fprintf(a.io.out, "already pending\tfor %s\t%s\n", clean(t.RequestedFor), clean(strings.Join(t.AccessRequestIDs, ",")))
	}
	return nil
}

type tracking struct {
	RequestedFor     string   `json:"requestedFor"`
	AccessRequestIDs []string `json:"accessRequestIds"`
}
