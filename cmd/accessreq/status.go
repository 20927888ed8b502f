package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"

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
	csvRaw bool
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
for the other formats, so their output stays machine-readable).

--admin lists through the administrators' listing, which sees every identity's requests
(successor only, --api v1; the vendor calls it experimental, and the header it requires is sent).

--filter takes the vendor's filter syntax on accessRequestId, accountActivityItemId and created
(dates such as 2026-01-01T00:00:00Z), and with --admin on status too. The operators differ by
listing: the beta's takes eq, in, ge, gt, le, lt, ne and sw on each, and isnull on the last two;
the successor's has no in on accessRequestId, no lt or isnull on accountActivityItemId, and
only eq, ge, gt, le, lt and ne on created; the administrators' takes what the beta's does, and
eq, in and ne on status. Another field or operator is refused before anything is sent, naming
what the listing supports. --sort takes created, modified, accountActivityItemId and name, and
with --admin accessRequestId.

Text from the server is shown with control characters escaped (\x1b, \n, \u202e) in the table
and in CSV; json and ndjson are exact JSON. In CSV a cell that a spreadsheet would run as a
formula (one starting with =, +, -, @, a tab or a carriage return) gets a ' in front, as
OWASP advises against CSV injection; --csv-raw writes cells exactly as received, for programs
(escaped still when stdout is a terminal).`,
		Example: `  accessreq status                                   the first page, as a table
  accessreq status --for me --all --count
  accessreq status --all -o ndjson | jq -r .accessRequestId
  accessreq status --all -o csv > requests.csv       formulas neutralised for spreadsheets
  accessreq status --filter 'created gt 2026-01-01T00:00:00Z' --sort -created
  accessreq status --admin --all --filter 'status in ("PENDING","EXECUTING")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runStatus(cmd.Context(), f) },
	}
	fl := c.Flags()
	fl.BoolVar(&f.q.Admin, "admin", false, "list every identity's requests through the administrators' listing (--api v1 only)")
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
	fl.BoolVar(&f.csvRaw, "csv-raw", false, "CSV cells exactly as received: no formula guard, no escaping (for programs, not spreadsheets)")
	return c
}

// check refuses flag values before anything is sent; filters and sorters are checked against
// listing l.
func (f *statusFlags) check(l facade.Listing) error {
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
	if !slices.Contains(formats, f.output) {
		return usagef("--output must be table, json, ndjson or csv, got %q", f.output)
	}
	if err := l.CheckFilters(f.q.RawFilters); err != nil {
		return usagef("--filter: %s", strings.TrimPrefix(err.Error(), "accessrequests: "))
	}
	if f.sort != "" {
		keys, err := l.ParseSorters(f.sort)
		if err != nil {
			return usagef("--sort: %s", strings.TrimPrefix(err.Error(), "accessrequests: "))
		}
		f.q.Sorters = keys
	}
	return nil
}

func (a *app) runStatus(ctx context.Context, f statusFlags) error {
	if f.q.Admin {
		if err := a.onV1("--admin (the administrators' listing)"); err != nil {
			return err
		}
	}
	if err := f.check(a.listing(f.q.Admin)); err != nil {
		return err
	}
	s, err := a.session(false)
	if err != nil {
		return err
	}
	w := a.rowWriter(f)
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

// formats are the --output values.
var formats = []string{"table", "json", "ndjson", "csv"}

// rowWriter makes the writer for --output.
func (a *app) rowWriter(f statusFlags) rowWriter {
	w := a.io.out
	switch f.output {
	case "json":
		return &jsonWriter{w: &jsonSafe{w: w}}
	case "ndjson":
		return &ndjsonWriter{enc: json.NewEncoder(&jsonSafe{w: w})}
	case "csv":
		return &csvWriter{w: csv.NewWriter(w), raw: f.csvRaw, terminal: a.outTerminal}
	}
	t := &tableWriter{w: w, block: f.q.PageSize}
	if a.outTerminal {
		t.maxWidth = terminalWidth(w)
	}
	return t
}

// terminalWidth is the width of the terminal w writes to, or of $COLUMNS; 0 when unknown.
func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if _, cols, err := pty.Getsize(f); err == nil && cols > 0 {
			return cols
		}
	}
	n, _ := strconv.Atoi(os.Getenv("COLUMNS"))
	return max(n, 0)
}

// tableWriter prints aligned columns, a page (block) of rows at a time: each block's columns
// are as wide as its widest cell, and never narrower than the block before, so rows of one
// listing line up. Cells are cleaned; dates are shown to the second in UTC; on a terminal the
// last column (the item) is cut to the terminal's width.
type tableWriter struct {
	w        io.Writer
	block    int // rows per block; 0 holds every row until end
	maxWidth int // the terminal's width; 0 when not known
	rows     [][]string
	widths   []int
	header   bool
}

var tableHeader = []string{"ACCESS REQUEST ID", "STATE", "TYPE", "FOR", "CREATED (UTC)", "ITEM"}

func (t *tableWriter) row(st facade.Status) error {
	r, err := rowOf(st)
	if err != nil {
		return err
	}
	item := r.Name
	if item == "" {
		item = r.ID
	}
	cells := []string{r.AccessRequestID, r.State, strings.TrimSuffix(r.RequestType, "_ACCESS"), r.RequestedFor.ID, tableTime(r.Created), item}
	for i := range cells {
		cells[i] = clean(cells[i])
	}
	t.rows = append(t.rows, cells)
	if t.block > 0 && len(t.rows) >= t.block {
		return t.flush()
	}
	return nil
}

// tableTime shows an RFC 3339 date-time to the second, in UTC; anything else as it came.
func tableTime(s string) string {
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return ts.UTC().Format(time.DateTime)
}

func (t *tableWriter) flush() error {
	if !t.header {
		t.rows = append([][]string{tableHeader}, t.rows...)
		t.header = true
	}
	if t.widths == nil {
		t.widths = make([]int, len(tableHeader))
	}
	for _, r := range t.rows {
		for i, c := range r {
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(c))
		}
	}
	last := len(tableHeader) - 1
	room := 0
	if t.maxWidth > 0 {
		used := 0
		for _, w := range t.widths[:last] {
			used += w + 2
		}
		room = t.maxWidth - used
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r[:last] {
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", t.widths[i]-utf8.RuneCountInString(c)+2))
		}
		b.WriteString(cut(r[last], room))
		b.WriteByte('\n')
	}
	t.rows = t.rows[:0]
	_, err := io.WriteString(t.w, b.String())
	return err
}

// cut shortens s to room runes, the last one an ellipsis; room below 8 leaves s whole (the
// terminal wraps it rather than show almost nothing).
func cut(s string, room int) string {
	if room < 8 || utf8.RuneCountInString(s) <= room {
		return s
	}
	return string([]rune(s)[:room-1]) + "…"
}

func (t *tableWriter) end() error { return t.flush() }

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

// csvWriter prints a header and one line per status, flushed per row, each cell through
// csvCell; with raw, exactly as received (escaped still when stdout is a terminal).
type csvWriter struct {
	w        *csv.Writer
	raw      bool
	terminal bool
	header   bool
}

func (c *csvWriter) row(st facade.Status) error {
	if err := c.head(); err != nil {
		return err
	}
	r, err := rowOf(st)
	if err != nil {
		return err
	}
	cells := []string{r.AccessRequestID, r.State, r.RequestType, r.ID, r.Name, r.Type,
		r.RequestedFor.ID, r.RequestedFor.Name, r.Created}
	for i := range cells {
		cells[i] = csvCell(cells[i], c.raw)
		if c.raw && c.terminal {
			cells[i] = clean(cells[i])
		}
	}
	_ = c.w.Write(cells)
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
