package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
)

// A CSV of (identity, item) pairs, for grant and revoke --from-csv: a header naming the
// columns identity, type and item (and, optionally, comment), then one pair per line. Header
// names and types are compared without case, spaces, dashes or underscores, so "Identity ID",
// "item_type" and "ACCESS_PROFILE" are taken; the delimiter, a BOM, CRLF line ends, quoted
// cells and blank lines are handled as for the ids of close and cancel. Other columns (the
// outcome column of a --remaining file) are ignored.
var (
	identityColumns = []string{"identity", "identityid", "requestedfor", "requestedforid", "for"}
	typeColumns     = []string{"type", "itemtype"}
	itemColumns     = []string{"item", "itemid", "requesteditem", "requesteditemid"}
	commentColumns  = []string{"comment"}
)

// itemTypes are the item types a CSV names, by normName, and how --remaining writes them.
var itemTypes = []struct {
	name string
	typ  facade.ItemType
}{{"role", facade.ItemTypeRole}, {"accessProfile", facade.ItemTypeAccessProfile}, {"entitlement", facade.ItemTypeEntitlement}}

// pairRow is one pair of a CSV and its line.
type pairRow struct {
	facade.BatchPair
	line int
}

// readPairsFrom reads the CSV of pairs named by --from-csv: a file, or stdin for "-".
func (a *app) readPairsFrom(path string) ([]pairRow, string, error) {
	if path == "-" {
		rows, err := readPairs(a.io.in, "<stdin>")
		return rows, "<stdin>", err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, path, usagef("--from-csv: %v", err)
	}
	defer func() { _ = f.Close() }()
	rows, err := readPairs(f, path)
	return rows, path, err
}

// readPairs reads a CSV of pairs, refusing at the first line that breaks a rule: the file, the
// line and the rule.
func readPairs(in io.Reader, name string) ([]pairRow, error) {
	r, header, hline, err := readCSVHeader(in, name)
	if err != nil {
		return nil, err
	}
	cols := [4]int{findColumn(header, identityColumns), findColumn(header, typeColumns), findColumn(header, itemColumns), findColumn(header, commentColumns)}
	if cols[0] < 0 || cols[1] < 0 || cols[2] < 0 {
		return nil, &inputError{name, hline, fmt.Sprintf("the header must name the columns identity, type and item (and optionally comment), got %q",
			strings.Join(header, string(r.Comma)))}
	}
	var rows []pairRow
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a line of spaces
		}
		p, rule := pairOf(rec, cols)
		if rule == "" {
			key := p.Identity + "\x00" + string(p.Type) + "\x00" + p.ItemID
			if first, dup := seen[key]; dup {
				rule = fmt.Sprintf("the pair repeats line %d", first)
			}
			seen[key] = line
		}
		if rule != "" {
			return nil, &inputError{name, line, rule}
		}
		rows = append(rows, pairRow{p, line})
	}
	if len(rows) == 0 {
		return nil, &inputError{name, hline, "no pairs after the header"}
	}
	return rows, nil
}

// pairOf reads one record, its columns at cols (identity, type, item, comment or -1), and
// returns the pair or the rule it breaks.
func pairOf(rec []string, cols [4]int) (facade.BatchPair, string) {
	cell := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return unquote(strings.TrimSpace(rec[i]))
	}
	if need := max(cols[0], cols[1], cols[2]) + 1; len(rec) < need {
		return facade.BatchPair{}, fmt.Sprintf("the row has %d column(s); the header names %d", len(rec), need)
	}
	p := facade.BatchPair{Identity: cell(cols[0]), ItemID: cell(cols[2]), Comment: cell(cols[3])}
	if rule := checkIDOf("identity", "identity id", p.Identity); rule != "" {
		return p, rule
	}
	typ := cell(cols[1])
	for _, t := range itemTypes {
		if normName(typ) == normName(t.name) {
			p.Type = t.typ
		}
	}
	if p.Type == "" {
		return p, fmt.Sprintf("type %q is not role, accessProfile or entitlement", typ)
	}
	return p, checkIDOf("item", "item id", p.ItemID)
}

// typeName is how a CSV of pairs names an item type.
func typeName(t facade.ItemType) string {
	for _, it := range itemTypes {
		if it.typ == t {
			return it.name
		}
	}
	return string(t)
}

// batchFlags are the flags of grant and revoke --from-csv beside --from-csv itself.
type batchFlags struct {
	journal string
}

// bindBatch adds --from-csv, --journal and --remaining to grant or revoke.
func (f *itemFlags) bindBatch(c *cobra.Command, verb string) {
	fl := c.Flags()
	fl.StringVar(&f.bulk.csvPath, "from-csv", "", `CSV of pairs to `+verb+`: a header "identity,type,item[,comment]", type role, accessProfile or entitlement; "-" for stdin`)
	fl.StringVar(&f.batch.journal, "journal", "", "with --from-csv: the batch's journal, which makes a stopped run safe to run again (default FILE.journal beside the CSV; required with stdin)")
	fl.StringVar(&f.bulk.remaining, "remaining", "", "with --from-csv: write the pairs not sent or skipped (to check, or to send again) to this CSV file, mode 0600, replaced whole (not a symbolic link)")
}

// batchHelp is the part of grant's and revoke's help about --from-csv.
func batchHelp(verb string) string {
	limits, comment := "up to 10 identities and 25 items each", ""
	if verb == "revoke" {
		limits, comment = "one identity and at most one entitlement each", "; every revoke needs one"
	}
	return `
With --from-csv FILE ("-" for stdin) the command ` + verb + `s many (identity, item) pairs, as few
requests as the vendor's limits allow (` + limits + `),
skipping pairs a pending request already asks for. The CSV has a header naming the
columns identity, type (role, accessProfile or entitlement) and item, and optionally comment
(--comment fills the empty ones` + comment + `); comma, semicolon or tab separated.
Every line is checked before anything is sent. --from-csv cannot be combined with --for or the
item and date flags. More than ` + fmt.Sprint(handful) + ` pairs need a confirmation on a terminal, or --yes.

Each request is written to the journal (--journal, by default FILE.journal beside the CSV, so
that running the same command again finds it; required with stdin) and synced before it is
sent. Run again with the same journal after a failure, a signal or a crash, the command sends
only what the journal does not show as sent, and looks up by its key a request whose answer
was never seen: nothing is sent twice, nothing left out. A journal is for one batch: to send
the same pairs again later, once this batch is done, remove it or name another.

It prints a line per outcome (sent, skipped as already pending, unknown: check these, refused,
not sent) and exits 0 only when every pair was sent or skipped; --remaining FILE saves the
others as a CSV that --from-csv reads back (with the same --journal).`
}

// conflictsWithCSV are the flags --from-csv cannot be combined with: the CSV names the
// identities and items, and a batch has no dates or JSON output.
var conflictsWithCSV = []string{"for", "role", "access-profile", "entitlement", "remove-date", "start-date", "json"}

// checkBatchFlags refuses --from-csv with the flags it excludes, and the batch flags without it.
func checkBatchFlags(cmd *cobra.Command, f *itemFlags) error {
	if f.bulk.csvPath == "" {
		for _, name := range []string{"journal", "remaining"} {
			if cmd.Flags().Changed(name) {
				return usagef("--%s needs --from-csv", name)
			}
		}
		return nil
	}
	var given []string
	for _, name := range conflictsWithCSV {
		if fl := cmd.Flags().Lookup(name); fl != nil && fl.Changed {
			given = append(given, "--"+name)
		}
	}
	if len(given) > 0 {
		return usagef("--from-csv cannot be combined with %s: the CSV names the identities and items", strings.Join(given, ", "))
	}
	return nil
}

// journalPath is the batch's journal: --journal, or FILE.journal beside the CSV. It refuses
// stdin without --journal, a journal that is the CSV itself (the journal is appended to, and a
// last line without its newline is cut off), a symbolic link, and what is not a regular file,
// and makes sure the journal can be opened, all before anything is sent.
func journalPath(csvPath, journal string) (string, error) {
	if journal == "" {
		if csvPath == "-" {
			return "", usagef("--journal FILE is required when the CSV comes from stdin: a stopped run is resumed from it")
		}
		journal = csvPath + ".journal"
	}
	if csvPath != "-" && sameFile(csvPath, journal) {
		return "", usagef("--journal %s is the CSV itself: name another file", journal)
	}
	switch fi, err := os.Lstat(journal); {
	case err == nil && fi.Mode()&os.ModeSymlink != 0:
		return "", usagef("--journal: %s is a symbolic link: name the file itself", journal)
	case err == nil && !fi.Mode().IsRegular():
		return "", usagef("--journal: %s is not a regular file", journal)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", usagef("--journal: %v", err)
	}
	f, err := os.OpenFile(journal, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return "", usagef("--journal: %v", err)
	}
	return journal, f.Close()
}

// sameFile reports whether two paths name the same file (by path, or, when both exist, by
// the file itself).
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// runBatch grants or revokes the pairs of a CSV with SubmitBatch.
func (a *app) runBatch(ctx context.Context, f *itemFlags, kind facade.RequestType, verb string) error {
	settle, err := settleOption(f.settle)
	if err != nil {
		return err
	}
	rows, name, err := a.readPairsFrom(f.bulk.csvPath)
	if err != nil {
		return err
	}
	pairs := make([]facade.BatchPair, len(rows))
	for i, r := range rows {
		if r.Comment == "" {
			r.Comment = strings.TrimSpace(f.comment)
		}
		if kind == facade.RequestTypeRevoke && r.Comment == "" {
			return &inputError{name, r.line, "a revoke needs a comment: give --comment, or fill the comment column"}
		}
		pairs[i] = r.BatchPair
	}
	p := facade.BatchParams{RequestType: kind, Pairs: pairs}
	s, err := a.session(f.bulk.dryRun, settle)
	if err != nil {
		return err
	}
	if f.bulk.dryRun {
		return a.dryRunBatch(ctx, s, p)
	}
	if p.Journal, err = journalPath(f.bulk.csvPath, f.batch.journal); err != nil {
		return err
	}
	if err := checkRemaining(f.bulk.remaining); err != nil {
		return err
	}
	if err := a.confirm(verb, len(pairs), "identity-item pairs", s.settings.tenant(), f.bulk.yes); err != nil {
		return err
	}
	bar := a.progress(strings.TrimSuffix(verb, "e") + "ing")
	p.Progress = func(bp facade.BatchProgress) {
		bar.bar(bp.Sent+bp.Skipped+bp.Unknown+bp.Refused+bp.NotSent, bp.Pairs)
	}
	res, err := s.c.SubmitBatch(ctx, p)
	bar.end()
	if res == nil {
		return err
	}
	a.printBatch(res)
	left := slices.Concat(res.Unknown, res.Refused, res.NotSent)
	if len(left) > 0 {
		fmt.Fprintf(a.io.out, "journal: %s; run the same command again to resume: it sends nothing twice\n", clean(p.Journal))
	}
	if f.bulk.remaining != "" {
		if werr := writeRemainingPairs(f.bulk.remaining, res); werr != nil {
			return errors.Join(err, werr)
		}
		fmt.Fprintf(a.io.out, "wrote %d pair(s) to check or send again to %s (resume with --from-csv %s --journal %s)\n",
			len(left), clean(f.bulk.remaining), clean(f.bulk.remaining), clean(p.Journal))
	}
	if err == nil && len(left) > 0 {
		err = fmt.Errorf("%s: %d pair(s) neither sent nor skipped", verb, len(left))
	}
	return err
}

// dryRunBatch prints the creates a batch would send, through the dry-run transport.
func (a *app) dryRunBatch(ctx context.Context, s *session, p facade.BatchParams) error {
	plan, err := s.c.PlanBatch(p)
	if err != nil {
		return err
	}
	for _, req := range plan {
		if _, err := s.c.Create(ctx, req); err != nil {
			return err
		}
	}
	fmt.Fprintln(a.io.out, "dry run: pending requests and the journal are not read; a run skips the pairs they show, and each request gets a key of its own")
	return a.dryRunDone(s, len(p.Pairs), nil)
}

// printBatch prints one line per outcome with its count, then the identities to check.
func (a *app) printBatch(res *facade.BatchResult) {
	pairs, earlier, earlierPairs, settled := 0, 0, 0, 0
	for _, c := range res.Sent {
		pairs += len(c.Pairs)
		switch c.How {
		case "earlier run":
			earlier++
			earlierPairs += len(c.Pairs)
		case "settled":
			settled++
		}
	}
	fmt.Fprintf(a.io.out, "sent: %d pair(s) in %d create(s)", pairs, len(res.Sent))
	if earlier > 0 {
		fmt.Fprintf(a.io.out, " (%d pair(s) in %d create(s) by an earlier run, from the journal)", earlierPairs, earlier)
	}
	fmt.Fprintln(a.io.out)
	fmt.Fprintf(a.io.out, "skipped, already pending: %d pair(s)\n", len(res.Skipped))
	fmt.Fprintf(a.io.out, "unknown, check these: %d pair(s)\n", len(res.Unknown))
	fmt.Fprintf(a.io.out, "refused: %d pair(s)\n", len(res.Refused))
	fmt.Fprintf(a.io.out, "not sent: %d pair(s)\n", len(res.NotSent))
	if settled > 0 {
		fmt.Fprintf(a.io.err, "%d create(s) whose answer was lost were found in the status listing: sent once\n", settled)
	}
	var identities []string
	for _, p := range res.Unknown {
		if !slices.Contains(identities, p.Identity) {
			identities = append(identities, p.Identity)
		}
	}
	if len(identities) > 0 {
		a.checkThese("batch", identities)
	}
}

// writeRemainingPairs writes the pairs not settled (unknown, refused, not sent) as a CSV that
// --from-csv reads back: the header identity,type,item,comment,outcome, then a pair per line.
// See writePrivate for how.
func writeRemainingPairs(path string, res *facade.BatchResult) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"identity", "type", "item", "comment", "outcome"})
	for _, g := range []struct {
		label string
		pairs []facade.BatchPair
	}{{"unknown", res.Unknown}, {"refused", res.Refused}, {"not-sent", res.NotSent}} {
		for _, p := range g.pairs {
			_ = w.Write([]string{p.Identity, typeName(p.Type), p.ItemID, p.Comment, g.label})
		}
	}
	w.Flush()
	if err := errors.Join(w.Error(), writePrivate(path, []byte(b.String()))); err != nil {
		return fmt.Errorf("--remaining: %w", err)
	}
	return nil
}
