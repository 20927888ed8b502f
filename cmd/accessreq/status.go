package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
)

// statusFlags are the status command's flags.
type statusFlags struct {
	q      facade.ListStatusParams
	sort   string
	offset int
	all    bool
	output string
}

func (a *app) statusCommand() *cobra.Command {
	var f statusFlags
	c := &cobra.Command{
		Use:   "status",
		Short: "List access request statuses",
		Long: `Status lists access request statuses, one page (--limit, --offset) or every match (--all).

With --all, rows are printed as each page arrives, nothing is held beyond a page, and whatever
was received is printed before an error is reported. Progress is drawn on stderr when it is a
terminal and the rows go elsewhere. --count adds the total (on stdout after a table, on stderr
for the other formats, so their output stays machine-readable).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runStatus(cmd.Context(), f) },
	}
	fl := c.Flags()
	fl.StringVar(&f.q.RequestedFor, "for", "", `identity the requests are for ("me" for you)`)
	fl.StringVar(&f.q.RequestedBy, "by", "", "identity that made the requests")
	fl.StringVar(&f.q.RegardingIdentity, "regarding", "", "requester or target; not with --for or --by")
	fl.StringVar(&f.q.AssignedTo, "assigned-to", "", "owner of the request's work item")
	fl.BoolVar(&f.q.OnlyExecuting, "executing", false, "only requests in state EXECUTING")
	fl.StringVar(&f.q.RawFilters, "filter", "", `filter expression, e.g. 'accessRequestId eq "2c91..."'`)
	fl.StringVar(&f.sort, "sort", "", "sort keys, e.g. -created,name")
	fl.IntVar(&f.q.PageSize, "limit", facade.MaxPageSize, "page size, 1 to 250")
	fl.IntVar(&f.offset, "offset", 0, "offset of the page (without --all)")
	fl.BoolVar(&f.q.Count, "count", false, "show the total number of matches")
	fl.BoolVar(&f.all, "all", false, "list every match, streaming page by page")
	fl.StringVarP(&f.output, "output", "o", "table", "output format: table, json, ndjson or csv")
	return c
}

// check refuses flag values before anything is sent.
func (f *statusFlags) check() error {
	q := f.q
	switch {
	case q.PageSize < 1 || q.PageSize > facade.MaxPageSize:
		return usagef("--limit must be between 1 and %d, got %d", facade.MaxPageSize, q.PageSize)
	case f.offset < 0:
		return usagef("--offset must not be negative, got %d", f.offset)
	case f.all && f.offset != 0:
		return usagef("--offset cannot be combined with --all")
	case q.RegardingIdentity != "" && (q.RequestedFor != "" || q.RequestedBy != ""):
		return usagef("--regarding cannot be combined with --for or --by")
	}
	if _, ok := formats[f.output]; !ok {
		return usagef("--output must be table, json, ndjson or csv, got %q", f.output)
	}
	if f.sort != "" {
		keys, err := facade.ParseSorters(f.sort)
		if err != nil {
			return usagef("--sort: %s", strings.TrimPrefix(err.Error(), "accessrequests: "))
		}
		f.q.Sorters = keys
	}
	return nil
}

func (a *app) runStatus(ctx context.Context, f statusFlags) error {
	if err := f.check(); err != nil {
		return err
	}
	s, err := a.session(false)
	if err != nil {
		return err
	}
	w := formats[f.output](a.io.out)
	if !f.all {
		return a.statusPage(ctx, s, f, w)
	}
	var bar *progress
	if !a.outTerminal {
		bar = a.progress("listing")
	} else {
		bar = &progress{}
	}
	n := 0
	for st, lerr := range s.c.ListStatus(ctx, f.q) {
		if lerr != nil {
			err = lerr
			break
		}
		if err = w.row(st); err != nil {
			break
		}
		n++
		total, known := s.totals.last()
		if !known {
			total = -1
		}
		bar.bar(n, total)
	}
	bar.end()
	if err == nil || n > 0 { // a listing that failed before any row prints nothing on stdout
		if ferr := w.end(); err == nil {
			err = ferr
		}
	}
	a.showTotal(f, s, w)
	return err
}

// statusPage prints one page, and says so when more exist.
func (a *app) statusPage(ctx context.Context, s *session, f statusFlags, w rowWriter) error {
	page, err := s.c.ListStatusPage(ctx, f.q, f.offset)
	if err != nil {
		return err // nothing on stdout: no empty array, no header
	}
	for _, st := range page.Items {
		if err := w.row(st); err != nil {
			return err
		}
	}
	if err := w.end(); err != nil {
		return err
	}
	a.showTotal(f, s, w)
	if !page.Last {
		more := "more may exist"
		if page.HasTotal && page.Total > page.NextOffset { // a total below what was seen is stale or false
			more = fmt.Sprintf("%d more exist", page.Total-page.NextOffset)
		}
		fmt.Fprintf(a.io.err, "showing %d from offset %d; %s: use --all for every match, or --offset %d for the next page\n",
			len(page.Items), page.Offset, more, page.NextOffset)
	}
	return nil
}

// showTotal prints the total when --count asked for it and the server sent it.
func (a *app) showTotal(f statusFlags, s *session, w rowWriter) {
	total, known := s.totals.last()
	if !f.q.Count || !known {
		return
	}
	dst := a.io.err
	if _, table := w.(*tableWriter); table {
		dst = a.io.out
	}
	fmt.Fprintf(dst, "total: %d\n", total)
}

// statusRow is what the table and CSV show of a status, read from its JSON so that it does not
// depend on how the library's model spells optional fields.
type statusRow struct {
	AccessRequestID string `json:"accessRequestId"`
	State           string `json:"state"`
	RequestType     string `json:"requestType"`
	ID              string `json:"id"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	Created         string `json:"created"`
	RequestedFor    struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"requestedFor"`
}

func rowOf(st facade.Status) (statusRow, error) {
	var r statusRow
	data, err := json.Marshal(st)
	if err == nil {
		err = json.Unmarshal(data, &r)
	}
	return r, err
}

// rowWriter prints statuses as they come; end finishes the output (a JSON array is closed even
// after an error, so what was printed stays valid).
type rowWriter interface {
	row(facade.Status) error
	end() error
}

var formats = map[string]func(io.Writer) rowWriter{
	"table":  func(w io.Writer) rowWriter { return &tableWriter{w: w} },
	"json":   func(w io.Writer) rowWriter { return &jsonWriter{w: w} },
	"ndjson": func(w io.Writer) rowWriter { return &ndjsonWriter{enc: json.NewEncoder(w)} },
	"csv":    func(w io.Writer) rowWriter { return &csvWriter{w: csv.NewWriter(w)} },
}

// tableWriter prints fixed-width columns, so each row can be printed as it arrives.
type tableWriter struct {
	w      io.Writer
	header bool
}

const tableFormat = "%-32s  %-20s  %-13s  %-32s  %-20s  %s\n"

func (t *tableWriter) row(st facade.Status) error {
	if err := t.head(); err != nil {
		return err
	}
	r, err := rowOf(st)
	if err != nil {
		return err
	}
	item := r.Name
	if item == "" {
		item = r.ID
	}
	_, err = fmt.Fprintf(t.w, tableFormat, r.AccessRequestID, r.State, r.RequestType, r.RequestedFor.ID, r.Created, item)
	return err
}

func (t *tableWriter) head() error {
	if t.header {
		return nil
	}
	t.header = true
	_, err := fmt.Fprintf(t.w, tableFormat, "ACCESS REQUEST ID", "STATE", "TYPE", "FOR", "CREATED", "ITEM")
	return err
}

func (t *tableWriter) end() error { return t.head() }

// jsonWriter prints one JSON array, element by element.
type jsonWriter struct {
	w io.Writer
	n int
}

func (j *jsonWriter) row(st facade.Status) error {
	data, err := json.MarshalIndent(st, "  ", "  ")
	if err != nil {
		return err
	}
	sep := ",\n  "
	if j.n == 0 {
		sep = "[\n  "
	}
	j.n++
	_, err = fmt.Fprintf(j.w, "%s%s", sep, data)
	return err
}

func (j *jsonWriter) end() error {
	var err error
	if j.n == 0 {
		_, err = io.WriteString(j.w, "[]\n")
	} else {
		_, err = io.WriteString(j.w, "\n]\n")
	}
	return err
}

// ndjsonWriter prints one JSON object per line.
type ndjsonWriter struct{ enc *json.Encoder }

func (n *ndjsonWriter) row(st facade.Status) error { return n.enc.Encode(st) }
func (n *ndjsonWriter) end() error                 { return nil }

// csvWriter prints a header and one line per status, flushed per row.
type csvWriter struct {
	w      *csv.Writer
	header bool
}

func (c *csvWriter) row(st facade.Status) error {
	if err := c.head(); err != nil {
		return err
	}
	r, err := rowOf(st)
	if err != nil {
		return err
	}
	_ = c.w.Write([]string{r.AccessRequestID, r.State, r.RequestType, r.ID, r.Name, r.Type,
		r.RequestedFor.ID, r.RequestedFor.Name, r.Created})
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) head() error {
	if c.header {
		return nil
	}
	c.header = true
	_ = c.w.Write([]string{"accessRequestId", "state", "requestType", "itemId", "itemName", "itemType",
		"requestedForId", "requestedForName", "created"})
	c.w.Flush()
	return c.w.Error()
}

func (c *csvWriter) end() error { return c.head() }
