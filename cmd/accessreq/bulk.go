package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
)

// handful is the most ids a destructive command changes without asking on a terminal (or
// without --yes elsewhere).
const handful = 5

// bulkFlags are the flags every destructive command shares.
type bulkFlags struct {
	csvPath   string
	remaining string
	dryRun    bool
	yes       bool
	keepGoing bool          // --keep-going: on past a failed call
	skipFinal bool          // --skip-final: read the states first, send only what is not final
	settle    time.Duration // --settle: how long a lost answer is read back
}

// bind adds the flags; with verb (the command's past tense, "closed"), those of a command that
// takes ids.
func (f *bulkFlags) bind(c *cobra.Command, ids bool, verb string) {
	fl := c.Flags()
	if ids {
		fl.StringVar(&f.csvPath, "from-csv", "", `CSV with an access request id column (as exported from the admin UI); "-" for stdin`)
		fl.StringVar(&f.remaining, "remaining", "", "write the ids not "+verb+" (to check, or to send again with --from-csv) to this CSV file, mode 0600, replaced whole (not a symbolic link)")
		fl.BoolVar(&f.skipFinal, "skip-final", false, "read the requests' states first and send only those not final (safe to run again after a stop)")
		fl.BoolVar(&f.keepGoing, "keep-going", false, "go on past a failed call to the next ids (by default the first failure stops, and the rest are not sent)")
		fl.DurationVar(&f.settle, "settle", facade.DefaultSettlePeriod,
			"when a call's answer is lost, how long to read its requests' states back before calling the outcome unknown (0: do not look)")
	}
	fl.BoolVar(&f.dryRun, "dry-run", false, "print every call that would be sent (method, URL, body) and send nothing")
	fl.BoolVarP(&f.yes, "yes", "y", false, fmt.Sprintf("do not ask before changing more than %d items (required when stdin is not a terminal)", handful))
}

// confirm asks on a terminal before more than a handful of things (what) are changed; without a
// terminal it requires --yes.
func (a *app) confirm(verb string, n int, what, tenant string, yes bool) error {
	if n <= handful {
		return nil
	}
	return a.ask(fmt.Sprintf("%s %d %s on %s", verb, n, what, tenant), yes)
}

// ask asks on a terminal whether to do action (a phrase such as "close 6 access requests on
// acme"); without a terminal it requires --yes. Only y or yes agrees.
func (a *app) ask(action string, yes bool) error {
	if yes {
		return nil
	}
	if !a.inTerminal {
		return usagef("refusing to %s without confirmation: standard input is not a terminal, so add --yes", action)
	}
	fmt.Fprintf(a.io.err, "%s? [y/N] ", strings.ToUpper(action[:1])+action[1:])
	answered := make(chan string, 1)
	go func() {
		answer, _ := bufio.NewReader(a.io.in).ReadString('\n')
		answered <- answer
	}()
	var answer string
	select {
	case answer = <-answered:
	case <-a.stop: // a signal: the read cannot be stopped, but nothing waits for it
		fmt.Fprintln(a.io.err)
		return usagef("not confirmed (stopped): nothing was sent")
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return usagef("not confirmed: nothing was sent")
}

// noStatesInDryRun returns the SkipFinal a dry run sends with: false, as a dry run reads no
// states (its transport answers every call as a write, and it has no credentials); with
// --skip-final it says so first, as every id is then shown.
func (a *app) noStatesInDryRun(f bulkFlags) bool {
	if f.skipFinal {
		fmt.Fprintln(a.io.out, "dry run: --skip-final: the requests' states are not read; a run sends only the ids not final")
	}
	return false
}

// dryRunDone closes a dry run with its count of calls.
func (a *app) dryRunDone(s *session, items int, err error) error {
	if err != nil {
		return err
	}
	fmt.Fprintf(a.io.out, "dry run: %d call(s) for %d item(s) to %s; nothing was sent\n", s.dryRun.calls, items, s.settings.tenant())
	return nil
}

// outcome accounts for every id of a bulk change in exactly one list.
type outcome struct {
	accepted []string // the server accepted them
	settled  []string // in a call whose answer was lost; their states, read back, show it took effect
	skipped  []string // final already (--skip-final): not sent
	unknown  []string // in a call that failed after it was sent: the server may have acted
	refused  []string // in a call the server refused: not changed
	notSent  []string // never sent
}

// mayHaveActed reports whether the server may have acted on a call that failed with err: the
// library's own verdict (ErrOutcomeUnknown) first, then any 5xx as well.
func mayHaveActed(err error) bool {
	if errors.Is(err, facade.ErrOutcomeUnknown) {
		return true
	}
	var api *facade.APIError
	return errors.As(err, &api) && api.StatusCode >= 500
}

// print reports the outcome: counts, then every id that is not accepted, by list.
func (o outcome) print(w io.Writer, verb string, calls int) {
	total := len(o.accepted) + len(o.settled) + len(o.skipped) + len(o.unknown) + len(o.refused) + len(o.notSent)
	fmt.Fprintf(w, "%s %d of %d in %d call(s)\n", verb, len(o.accepted)+len(o.settled), total, calls)
	if len(o.skipped) > 0 {
		fmt.Fprintf(w, "%d already final, not sent (--skip-final)\n", len(o.skipped))
	}
	if len(o.settled) > 0 {
		fmt.Fprintf(w, "%d of them in a call whose answer was lost: their states, read back, show it took effect (sent once)\n", len(o.settled))
	}
	list := func(title string, ids []string) {
		if len(ids) == 0 {
			return
		}
		fmt.Fprintf(w, "%s (%d):\n", title, len(ids))
		for _, id := range ids {
			fmt.Fprintf(w, "  %s\n", clean(id))
		}
	}
	list("outcome unknown: the call failed after it was sent and the server may have acted; check these before sending them again", o.unknown)
	list("refused by the server, not changed", o.refused)
	list("not sent", o.notSent)
}

// writeRemaining writes the ids to check or send again as a CSV that --from-csv reads back:
// a header, then one id per line with why it is there. See writePrivate for how.
func (o outcome) writeRemaining(path string) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"accessRequestId", "outcome"})
	for _, g := range []struct {
		label string
		ids   []string
	}{{"unknown", o.unknown}, {"refused", o.refused}, {"not-sent", o.notSent}} {
		for _, id := range g.ids {
			_ = w.Write([]string{id, g.label})
		}
	}
	w.Flush()
	if err := errors.Join(w.Error(), writePrivate(path, []byte(b.String()))); err != nil {
		return fmt.Errorf("--remaining: %w", err)
	}
	return nil
}

// writePrivate replaces the file at path with data, readable by its owner only (0600): it
// writes a temporary file in the same directory, syncs it and renames it over path, so the
// file is never seen half-written, a run killed while writing leaves the old file whole, and
// a symbolic link at path is replaced, never followed (checkRemaining refuses one before
// anything is sent; one that appears later is still not written through).
func writePrivate(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	err = errors.Join(err, f.Sync(), f.Close()) // CreateTemp made it 0600
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if dir, derr := os.Open(filepath.Dir(path)); derr == nil { // the rename itself, made durable
		_ = dir.Sync()
		_ = dir.Close()
	}
	return nil
}

// checkRemaining makes sure the --remaining file can be written before anything is sent, so a
// failure part-way never loses the ids to resume with: its directory takes a new file, and the
// path is not a symbolic link (which the file would replace rather than write through: say the
// file itself), a directory or a device.
func checkRemaining(path string) error {
	if path == "" {
		return nil
	}
	switch fi, err := os.Lstat(path); {
	case err == nil && fi.Mode()&os.ModeSymlink != 0:
		return usagef("--remaining: %s is a symbolic link, which is not written through: name the file itself", path)
	case err == nil && !fi.Mode().IsRegular():
		return usagef("--remaining: %s is not a regular file", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return usagef("--remaining: %v", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the temporary file's name says nothing to the user
		}
		return usagef("--remaining: cannot write in the directory of %s: %v", path, err)
	}
	return errors.Join(f.Close(), os.Remove(f.Name()))
}

// finish prints the outcome, writes the remaining file when asked, and returns the error of
// the change (or of writing the file).
func (a *app) finish(o outcome, verb string, calls int, remaining string, err error) error {
	o.print(a.io.out, verb, calls)
	if remaining != "" {
		if werr := o.writeRemaining(remaining); werr != nil {
			return errors.Join(err, werr)
		}
		n := len(o.unknown) + len(o.refused) + len(o.notSent)
		fmt.Fprintf(a.io.out, "wrote %d id(s) to check or send again to %s\n", n, remaining)
	}
	return err
}

func (a *app) closeCommand() *cobra.Command {
	var (
		f                              bulkFlags
		execution, completion, message string
	)
	c := &cobra.Command{
		Use:   "close [ID...|-]",
		Short: "Close access requests (ids as arguments, --from-csv, or stdin), 500 per call",
		Long: `Close forces pending access requests to a final state, in calls of 500 ids.

Ids come from the arguments ("-" reads stdin one per line), from --from-csv FILE (a CSV export
from the admin UI; "-" for stdin; comma, semicolon or tab separated), or from stdin one per line
when neither is given. More than ` + fmt.Sprint(handful) + ` ids need a confirmation on a terminal, or --yes.

The report lists the ids accepted, the ids whose call failed after it was sent (the server may
have closed them: check them), and the ids never sent; --remaining FILE saves the last two.`,
		Example: `  accessreq close --execution Completed --completion Success --message "Provisioned by hand" ID1 ID2
  accessreq close --from-csv export.csv --remaining left.csv --yes
  accessreq status --all -o ndjson --for ID | jq -r .accessRequestId | accessreq close --dry-run`,
		RunE: func(cmd *cobra.Command, args []string) error {
			req := facade.CloseRequestsParams{Message: message}
			if err := setCloseStatuses(&req, execution, completion); err != nil {
				return err
			}
			return a.runClose(cmd.Context(), f, req, args)
		},
	}
	f.bind(c, true, "closed")
	c.Flags().StringVar(&execution, "execution", "Terminated", "execution status: Terminated or Completed")
	c.Flags().StringVar(&completion, "completion", "Failure", "completion status: Success, Incomplete or Failure")
	c.Flags().StringVar(&message, "message", "", "note recorded on each request")
	return c
}

// setCloseStatuses checks the status flags and sets them on req.
func setCloseStatuses(req *facade.CloseRequestsParams, execution, completion string) error {
	switch e := facade.ExecutionStatus(execution); e {
	case facade.ExecutionStatusTerminated, facade.ExecutionStatusCompleted:
		req.ExecutionStatus = e
	default:
		return usagef("--execution must be Terminated or Completed, got %q", execution)
	}
	switch c := facade.CompletionStatus(completion); c {
	case facade.CompletionStatusSuccess, facade.CompletionStatusIncomplete, facade.CompletionStatusFailure:
		req.CompletionStatus = c
	default:
		return usagef("--completion must be Success, Incomplete or Failure, got %q", completion)
	}
	return nil
}

func (a *app) runClose(ctx context.Context, f bulkFlags, req facade.CloseRequestsParams, args []string) error {
	ids, err := a.readIDs(args, f.csvPath)
	if err != nil {
		return err
	}
	if err := checkRemaining(f.remaining); err != nil {
		return err
	}
	req.IDs, req.ContinueOnError, req.SkipFinal = ids, f.keepGoing, f.skipFinal
	settle, err := settleOption(f.settle)
	if err != nil {
		return err
	}
	s, err := a.session(f.dryRun, settle)
	if err != nil {
		return err
	}
	if f.dryRun {
		req.SkipFinal = a.noStatesInDryRun(f)
		_, err := s.c.CloseRequests(ctx, req)
		return a.dryRunDone(s, len(ids), err)
	}
	if err := a.confirm("close", len(ids), "access requests", s.settings.tenant(), f.yes); err != nil {
		return err
	}
	bar := a.progress("closing")
	req.Progress = bar.bar
	res, err := s.c.CloseRequests(ctx, req)
	bar.end()
	if res == nil {
		return err
	}
	return a.finish(bulkOutcome(res), "closed", res.Calls, f.remaining, err)
}

// bulkOutcome is the library's account of a bulk close or cancel.
func bulkOutcome(res *facade.BulkResult) outcome {
	return outcome{accepted: res.Accepted, settled: res.Settled, skipped: res.Skipped, unknown: res.Unknown, refused: res.Refused, notSent: res.NotSent}
}

func (a *app) cancelCommand() *cobra.Command {
	var (
		f       bulkFlags
		comment string
	)
	c := &cobra.Command{
		Use:   "cancel --comment TEXT [ID...|-]",
		Short: "Cancel pending access requests (50 per call on v1, one call each on the beta)",
		Long: `Cancel cancels pending access requests that have not passed their approval step, stopping at
the first failure: on the successor (--api v1, the default) with bulk cancel, in calls of 50
ids; on the beta, which has no bulk cancel, one call per id.

Ids come as for close: arguments, --from-csv FILE, or stdin one per line. More than ` + fmt.Sprint(handful) + ` ids
need a confirmation on a terminal, or --yes.

The report lists the ids cancelled, the ids whose call failed (refused, or sent with no answer:
check those) and the ids never sent; --remaining FILE saves the ids not cancelled, which
--from-csv reads back for a rerun.`,
		Example: `  accessreq cancel --comment "Requested by mistake" 2c9180835d191a86015d28455b4b00a1
  accessreq cancel --comment "Cleanup" --from-csv pending.csv --remaining left.csv --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(comment) == "" {
				return usagef("--comment is required")
			}
			return a.runCancel(cmd.Context(), f, comment, args)
		},
	}
	f.bind(c, true, "cancelled")
	c.Flags().StringVar(&comment, "comment", "", "why the requests are cancelled (required)")
	return c
}

func (a *app) runCancel(ctx context.Context, f bulkFlags, comment string, args []string) error {
	ids, err := a.readIDs(args, f.csvPath)
	if err != nil {
		return err
	}
	if err := checkRemaining(f.remaining); err != nil {
		return err
	}
	settle, err := settleOption(f.settle)
	if err != nil {
		return err
	}
	s, err := a.session(f.dryRun, settle)
	if err != nil {
		return err
	}
	if a.api.get() != facade.APIV1 && f.skipFinal {
		return usagef("--skip-final works with cancel on v1 only: the beta cancels one id per call, and refuses to cancel a final request anyway")
	}
	if a.api.get() == facade.APIV1 {
		return a.runBulkCancel(ctx, s, f, facade.CancelRequestsParams{IDs: ids, Comment: comment, ContinueOnError: f.keepGoing, SkipFinal: f.skipFinal})
	}
	if f.dryRun {
		for _, id := range ids {
			if err := s.c.Cancel(ctx, facade.CancelParams{ID: id, Comment: comment}); err != nil {
				return err
			}
		}
		return a.dryRunDone(s, len(ids), nil)
	}
	if err := a.confirm("cancel", len(ids), "access requests", s.settings.tenant(), f.yes); err != nil {
		return err
	}
	bar := a.progress("cancelling")
	var o outcome
	calls := 0
	for i, id := range ids {
		if ctx.Err() != nil { // stopped: what is left is not sent
			o.notSent, err = ids[i:], ctx.Err()
			break
		}
		calls++
		cerr := s.c.Cancel(ctx, facade.CancelParams{ID: id, Comment: comment})
		switch {
		case cerr == nil:
			o.accepted = append(o.accepted, id)
		case mayHaveActed(cerr):
			o.unknown = append(o.unknown, id)
		default:
			o.refused = append(o.refused, id)
		}
		if cerr != nil {
			err = cerr
			if !f.keepGoing {
				o.notSent = ids[i+1:]
				break
			}
		}
		bar.bar(len(o.accepted), len(ids))
	}
	bar.end()
	return a.finish(o, "cancelled", calls, f.remaining, err)
}

// runBulkCancel cancels with the successor's bulk cancel, in calls of 50 ids, with the same
// dry run, confirmation, progress, report and --remaining file as the beta's one call per id.
func (a *app) runBulkCancel(ctx context.Context, s *session, f bulkFlags, req facade.CancelRequestsParams) error {
	if f.dryRun {
		req.SkipFinal = a.noStatesInDryRun(f)
		_, err := s.c.CancelRequests(ctx, req)
		return a.dryRunDone(s, len(req.IDs), err)
	}
	if err := a.confirm("cancel", len(req.IDs), "access requests", s.settings.tenant(), f.yes); err != nil {
		return err
	}
	bar := a.progress("cancelling")
	req.Progress = bar.bar
	res, err := s.c.CancelRequests(ctx, req)
	bar.end()
	if res == nil {
		return err
	}
	return a.finish(bulkOutcome(res), "cancelled", res.Calls, f.remaining, err)
}
