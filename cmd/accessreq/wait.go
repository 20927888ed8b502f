package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
)

// Exit codes of wait beside exitOK, exitAPI and exitUsage.
const (
	exitNotCompleted = 3 // every request ended, and some not REQUEST_COMPLETED
	exitStillPending = 4 // --timeout passed (or a stop signal came) before every request ended
)

// codedError is a failure with its own exit code.
type codedError struct {
	code int
	msg  string
}

func (e *codedError) Error() string { return e.msg }

// waitFlags are the wait command's flags.
type waitFlags struct {
	csvPath  string
	output   string
	interval time.Duration
	timeout  time.Duration
	admin    bool
}

func (a *app) waitCommand() *cobra.Command {
	var f waitFlags
	c := &cobra.Command{
		Use:   "wait [ID...|-]",
		Short: "Wait until access requests reach a final state, and print each",
		Long: `Wait polls access requests until each reaches a final state (REQUEST_COMPLETED, REJECTED,
CANCELLED, TERMINATED, PROVISIONING_FAILED, NOT_ALL_ITEMS_PROVISIONED or ERROR) and prints
each as it does, as status prints them (--output table, json, ndjson or csv).

Ids come as for close: arguments ("-" reads stdin one per line), --from-csv FILE, or stdin one
per line. Each poll asks only for the requests not ended yet, many ids per call where the
listing allows it (the beta's, and with --admin the administrators' on v1; the successor's user
listing takes one id per call). A request ends when every item's row is final; its rows are
printed then. Polls start --interval apart and grow by half each time, up to 30 s (or
--interval, if longer).

Here --timeout bounds the whole wait (0: no bound); each call within it is bounded by ` + defaultTimeout.String() + `.

Exit codes: 0 every request ended REQUEST_COMPLETED; 3 every request ended, some in another
final state (rejected, cancelled, terminated, failed); 4 --timeout passed or a stop signal came
before every request ended: those are listed on stderr; 1 the API, the network or the token
endpoint failed (an id the server does not list included); 2 bad flags or input.`,
		Example: `  accessreq wait 2c9180835d191a86015d28455b4b00a1
  accessreq wait --timeout 30m --interval 10s -o ndjson ID1 ID2 || echo "not all completed: $?"
  accessreq status --for me --executing -o ndjson --all | jq -r .accessRequestId | accessreq wait -o csv`,
		RunE: func(cmd *cobra.Command, args []string) error { return a.runWait(cmd.Context(), f, args) },
	}
	fl := c.Flags()
	fl.StringVar(&f.csvPath, "from-csv", "", `CSV with an access request id column (as exported from the admin UI); "-" for stdin`)
	fl.StringVarP(&f.output, "output", "o", "table", "output format: table, json, ndjson or csv")
	fl.DurationVar(&f.interval, "interval", 2*time.Second, "the first wait between polls (e.g. 5s); later waits grow by half, up to 30s")
	fl.BoolVar(&f.admin, "admin", false, "poll through the administrators' listing (v1 only), which asks for many ids per call")
	fl.DurationVar(&f.timeout, "timeout", 0, "the most the whole wait may take (e.g. 30m); 0 waits until every request ends")
	return c
}

func (a *app) runWait(ctx context.Context, f waitFlags, args []string) error {
	switch {
	case f.interval <= 0:
		return usagef("--interval must be positive, got %v", f.interval)
	case f.timeout < 0:
		return usagef("--timeout must not be negative, got %v", f.timeout)
	case !slices.Contains(formats, f.output):
		return usagef("--output must be table, json, ndjson or csv, got %q", f.output)
	}
	ids, err := a.readIDs(args, f.csvPath)
	if err != nil {
		return err
	}
	s, err := a.session(false)
	if err != nil {
		return err
	}
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	w := a.rowWriter(statusFlags{output: f.output})
	ended := map[string]bool{}
	notCompleted := 0
	p := facade.WaitParams{Interval: f.interval, MaxInterval: max(30*time.Second, f.interval), Admin: f.admin,
		OnFinal: func(id string, rows []facade.Status) error {
			ended[id] = true
			completed := true
			for _, st := range rows {
				completed = completed && st.State == facade.StateRequestCompleted
				if err := w.row(st); err != nil {
					return err
				}
			}
			if !completed {
				notCompleted++
			}
			return nil
		}}
	_, err = s.c.WaitAll(ctx, ids, p)
	if werr := w.end(); err == nil {
		err = werr
	}
	if cutShort(ctx, err, a.timeout) && len(ended) < len(ids) {
		return a.stillPending(ids, ended, f.timeout, stoppedBy(ctx) != nil)
	}
	if err != nil {
		return err
	}
	if notCompleted > 0 {
		return &codedError{exitNotCompleted, fmt.Sprintf("%d of %d request(s) ended in a state other than %s", notCompleted, len(ids), facade.StateRequestCompleted)}
	}
	return nil
}

// cutShort reports whether the wait's own context ended: a stop signal, or its deadline,
// which the library may also refuse to wait past (a rate limit's wait longer than the time
// left) before it comes; a deadline error with more time left than one call's bound (perCall)
// is that call's own.
func cutShort(ctx context.Context, err error, perCall time.Duration) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && errors.Is(err, context.DeadlineExceeded) && time.Until(dl) < perCall
}

// stillPending lists on stderr the ids not known to have ended when the wait was cut short.
// The error says why: the timeout, or a stop signal (which run names).
func (a *app) stillPending(ids []string, ended map[string]bool, timeout time.Duration, signalled bool) error {
	why := fmt.Sprintf("--timeout %v passed", timeout)
	if signalled {
		why = "stopped"
	}
	var left []string
	for _, id := range ids {
		if !ended[id] {
			left = append(left, id)
		}
	}
	fmt.Fprintf(a.io.err, "not known to have ended (%d):\n", len(left))
	for _, id := range left {
		fmt.Fprintf(a.io.err, "  %s\n", clean(id))
	}
	return &codedError{exitStillPending, fmt.Sprintf("%s before %d of %d request(s) ended", why, len(left), len(ids))}
}
