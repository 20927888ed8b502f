package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sailkit/accessrequests/facade"
)

func (a *app) status(ctx context.Context, args []string) error {
	fs := a.flags("status", "[flags]")
	var q facade.ListStatusParams
	var asJSON, all bool
	var offset int
	fs.StringVar(&q.RequestedFor, "for", "", "identity the requests are for (\"me\" for you)")
	fs.StringVar(&q.RequestedBy, "by", "", "identity that made the requests")
	fs.StringVar(&q.RegardingIdentity, "regarding", "", "requester or target; not with --for or --by")
	fs.StringVar(&q.AssignedTo, "assigned-to", "", "owner of the request's work item")
	fs.BoolVar(&q.OnlyExecuting, "executing", false, "only requests in state EXECUTING")
	fs.StringVar(&q.RawFilters, "filter", "", `filter expression, e.g. 'accessRequestId eq "2c91..."'`)
	sort := fs.String("sort", "", "sort keys, e.g. -created,name")
	fs.IntVar(&q.PageSize, "limit", facade.MaxPageSize, "page size, 1 to 250")
	fs.IntVar(&offset, "offset", 0, "offset of the page (without --all)")
	fs.BoolVar(&q.Count, "count", false, "print the total number of matches")
	fs.BoolVar(&all, "all", false, "page through every match")
	fs.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	if err := a.parseFlagsOnly(fs, args); err != nil {
		return err
	}
	switch {
	case q.PageSize < 1 || q.PageSize > facade.MaxPageSize:
		return usagef("--limit must be between 1 and %d, got %d", facade.MaxPageSize, q.PageSize)
	case offset < 0:
		return usagef("--offset must not be negative, got %d", offset)
	case all && offset != 0:
		return usagef("--offset cannot be combined with --all")
	case q.RegardingIdentity != "" && (q.RequestedFor != "" || q.RequestedBy != ""):
		return usagef("--regarding cannot be combined with --for or --by")
	}
	if *sort != "" {
		keys, err := facade.ParseSorters(*sort)
		if err != nil {
			return usagef("--sort: %s", strings.TrimPrefix(err.Error(), "accessrequests: "))
		}
		q.Sorters = keys
	}
	c, err := a.newClient()
	if err != nil {
		return err
	}
	var items []facade.Status
	total := -1
	if all {
		q.Dedupe = true
		items, err = c.CollectStatus(ctx, q, 0)
		if err != nil {
			return err
		}
	} else {
		page, err := c.ListStatusPage(ctx, q, offset)
		if err != nil {
			return err
		}
		items = page.Items
		if page.HasTotal {
			total = page.Total
		}
	}
	if asJSON {
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		return enc.Encode(items)
	}
	printStatuses(a.out, items)
	if q.Count && total >= 0 {
		fmt.Fprintf(a.out, "total: %d\n", total)
	}
	return nil
}

func printStatuses(w io.Writer, items []facade.Status) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCESS REQUEST ID\tSTATE\tTYPE\tITEM\tFOR\tCREATED")
	for _, s := range items {
		created := ""
		if !s.Created.IsZero() {
			created = s.Created.UTC().Format(time.RFC3339)
		}
		item := cmp.Or(s.Name, s.Id)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.AccessRequestId, s.State, s.RequestType, item, s.RequestedFor.Id, created)
	}
	_ = tw.Flush()
}

// itemFlags are the flags grant and revoke share.
type itemFlags struct {
	identities, roles, profiles, entitlements listFlag
	comment, removeDate, startDate            string
	asJSON                                    bool
}

// bind registers the flags on fs.
func (f *itemFlags) bind(fs *flag.FlagSet) {
	fs.Var(&f.identities, "for", "identity id (repeat or comma-separate)")
	fs.Var(&f.roles, "role", "role id (repeat or comma-separate)")
	fs.Var(&f.profiles, "access-profile", "access profile id (repeat or comma-separate)")
	fs.Var(&f.entitlements, "entitlement", "entitlement id (repeat or comma-separate)")
	fs.StringVar(&f.comment, "comment", "", "justification for every item")
	fs.StringVar(&f.removeDate, "remove-date", "", "RFC 3339 date-time when the access ends")
	fs.StringVar(&f.startDate, "start-date", "", "RFC 3339 date-time when the access starts (grants)")
	fs.BoolVar(&f.asJSON, "json", false, "print the server's answer as JSON")
}

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
	if len(f.roles)+len(f.profiles)+len(f.entitlements) == 0 {
		return facade.AccessRequest{}, usagef("name at least one item with --role, --access-profile or --entitlement")
	}
	for _, id := range f.roles {
		b.Role(id, opts...)
	}
	for _, id := range f.profiles {
		b.AccessProfile(id, opts...)
	}
	for _, id := range f.entitlements {
		b.Entitlement(id, opts...)
	}
	return b.Build()
}

func (a *app) grant(ctx context.Context, args []string) error {
	var f itemFlags
	fs := a.flags("grant", "--for ID[,ID] [--role ID] [--access-profile ID] [--entitlement ID] [flags]")
	f.bind(fs)
	if err := a.parseFlagsOnly(fs, args); err != nil {
		return err
	}
	if len(f.identities) == 0 {
		return usagef("--for is required")
	}
	req, err := f.build(facade.NewGrant().For(f.identities...))
	if err != nil {
		return err
	}
	return a.submit(ctx, req, f.asJSON)
}

func (a *app) revoke(ctx context.Context, args []string) error {
	var f itemFlags
	fs := a.flags("revoke", "--for ID --comment TEXT [--role ID] [--access-profile ID] [--entitlement ID]")
	f.bind(fs)
	if err := a.parseFlagsOnly(fs, args); err != nil {
		return err
	}
	if len(f.identities) != 1 {
		return usagef("--for must name exactly one identity for a revoke, got %d", len(f.identities))
	}
	if f.comment == "" {
		return usagef("--comment is required for a revoke")
	}
	if f.startDate != "" {
		return usagef("--start-date is not allowed for a revoke")
	}
	req, err := f.build(facade.NewRevoke(f.identities[0]))
	if err != nil {
		return err
	}
	return a.submit(ctx, req, f.asJSON)
}

func (a *app) submit(ctx context.Context, req facade.AccessRequest, asJSON bool) error {
	c, err := a.newClient()
	if err != nil {
		return err
	}
	res, err := c.Create(ctx, req)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	for _, list := range []struct {
		label string
		items []facade.RequestTracking
	}{{"new", res.NewRequests}, {"already pending", res.ExistingRequests}} {
		for _, t := range list.items {
			fmt.Fprintf(a.out, "%s\tfor %s\t%s\n", list.label, t.RequestedFor, strings.Join(t.AccessRequestIds, ","))
		}
	}
	return nil
}

func (a *app) cancel(ctx context.Context, args []string) error {
	fs := a.flags("cancel", "--comment TEXT ACCESS_REQUEST_ID")
	comment := fs.String("comment", "", "why the request is cancelled (required)")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) != 1:
		return usagef("give exactly one access request id, got %d", len(rest))
	case strings.TrimSpace(*comment) == "":
		return usagef("--comment is required")
	}
	c, err := a.newClient()
	if err != nil {
		return err
	}
	if err := c.Cancel(ctx, rest[0], *comment); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "cancelled %s\n", rest[0])
	return nil
}

func (a *app) close(ctx context.Context, args []string) error {
	fs := a.flags("close", "[--from-csv FILE] [flags] [ACCESS_REQUEST_ID...]")
	csvPath := fs.String("from-csv", "", "CSV file with an access request id column (as exported from the admin UI)")
	execution := fs.String("execution", "Terminated", "execution status: Terminated or Completed")
	completion := fs.String("completion", "Failure", "completion status: Success, Incomplete or Failure")
	message := fs.String("message", "", "note recorded on each request")
	ids, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if *execution != "Terminated" && *execution != "Completed" {
		return usagef("--execution must be Terminated or Completed, got %q", *execution)
	}
	if *completion != "Success" && *completion != "Incomplete" && *completion != "Failure" {
		return usagef("--completion must be Success, Incomplete or Failure, got %q", *completion)
	}
	if *csvPath != "" {
		fromCSV, err := readIDsFromCSV(*csvPath)
		if err != nil {
			return usagef("--from-csv: %v", err)
		}
		ids = append(ids, fromCSV...)
	}
	if len(ids) == 0 {
		return usagef("give access request ids as arguments or with --from-csv")
	}
	c, err := a.newClient()
	if err != nil {
		return err
	}
	req := facade.CloseRequestsParams{
		IDs: ids, Message: *message,
		ExecutionStatus:  facade.ExecutionStatus(*execution),
		CompletionStatus: facade.CompletionStatus(*completion),
	}
	if a.terminal {
		req.Progress = func(done, total int) { progressBar(a.errOut, done, total) }
	}
	res, err := c.CloseRequests(ctx, req)
	if a.terminal {
		fmt.Fprintln(a.errOut)
	}
	if res != nil {
		fmt.Fprintf(a.out, "closed %d of %d in %d calls\n", len(res.Accepted), len(ids), res.Calls)
		if err != nil {
			fmt.Fprintf(a.out, "not closed (%d): %s\n", len(res.NotAccepted()), strings.Join(res.NotAccepted(), ","))
		}
	}
	return err
}

func progressBar(w io.Writer, done, total int) {
	const width = 30
	filled := width * done / max(total, 1)
	fmt.Fprintf(w, "\rclosing [%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total)
}

func (a *app) config(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "get" && args[0] != "set") {
		return usagef(`expected "config get" or "config set --file FILE"`)
	}
	fs := a.flags("config "+args[0], "[--file FILE]")
	file := fs.String("file", "", "JSON configuration to write (- for standard input)")
	if err := a.parseFlagsOnly(fs, args[1:]); err != nil {
		return err
	}
	var cfg facade.Config
	if args[0] == "set" {
		if *file == "" {
			return usagef("--file is required for config set")
		}
		data, err := readInput(*file)
		if err != nil {
			return usagef("--file: %v", err)
		}
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return usagef("--file: not an access request configuration: %v", err)
		}
	} else if *file != "" {
		return usagef("--file is only for config set")
	}
	c, err := a.newClient()
	if err != nil {
		return err
	}
	var got *facade.Config
	if args[0] == "set" {
		got, err = c.SetConfig(ctx, cfg)
	} else {
		got, err = c.GetConfig(ctx)
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(a.out)
	enc.SetIndent("", "  ")
	return enc.Encode(got)
}

func readInput(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	}
	return os.ReadFile(path)
}
