// Command accessreq works with SailPoint Identity Security Cloud access requests from the
// command line, through the facade package.
//
//	accessreq demo                         the whole lifecycle against an in-memory fake tenant
//	accessreq fake [--tls]                 serve a fake tenant until interrupted; prints SAIL_* to export
//	accessreq status [--all] [--output F]  list request statuses (table, json, ndjson, csv)
//	accessreq grant  --for ID --role ID    submit a grant (also --access-profile, --entitlement)
//	accessreq revoke --for ID --role ID --comment TEXT
//	accessreq cancel --comment TEXT ID...  cancel requests (ids, --from-csv FILE or stdin)
//	accessreq close  [--from-csv FILE] [ID...]
//	accessreq wait   [--timeout D] [ID...]  wait until requests reach a final state; print each
//	accessreq config get | config set [--file FILE] [KEY=VALUE...]
//	accessreq env list | env show          the profiles of the vendor's CLI configuration file
//
// Settings come from the vendor's CLI configuration file (~/.sailpoint/config.yaml, the
// environment chosen with --env or its active one), then the system keyring (sail 2.x keeps
// the client id and secret there), then SAIL_BASE_URL, SAIL_CLIENT_ID and SAIL_CLIENT_SECRET,
// then --base-url and --client-id. Exit codes: 0 done; 1 the API, the network or the token
// endpoint failed; 2 nothing was sent (bad flags or input, or a declined confirmation).
//
// SIGINT (Ctrl-C), SIGTERM and SIGHUP stop the running command: it reports what was done and
// writes its --remaining file, then exits 1 (2 at a confirmation: nothing was sent). A second
// such signal exits at once with 128 plus the signal's number (130, 143, 129).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sailkit/accessrequests/facade"
)

// Exit codes.
const (
	exitOK    = 0
	exitAPI   = 1 // the API, the network or the token endpoint failed
	exitUsage = 2 // bad flags or input, or a declined confirmation; nothing was sent
)

func main() {
	ctx, release := stopOnSignals(context.Background(), os.Stderr, os.Exit)
	code := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	release()
	os.Exit(code)
}

// stdio is where an invocation reads and writes, and whether its ends are terminals.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// usageError is input refused before anything was sent: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, io stdio) int {
	a := newApp(io)
	a.stop = ctx.Done()
	root := a.rootCommand()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	a.setAside.note(a.io.err, a.api.get() == facade.APIBeta)
	if err == nil {
		return exitOK
	}
	name := strings.TrimPrefix(cmd.CommandPath(), "accessreq")
	if sig := stoppedBy(ctx); sig != nil {
		err = fmt.Errorf("%w (%s)", err, (&signalError{sig}).Error())
	}
	return a.report("accessreq"+name, err)
}

// report prints err on one line (for API errors the library's summary: status, detail code,
// message and tracking id) and picks the exit code. An error before a command started running
// (an unknown command or flag, a wrong number of arguments) is a usage error.
func (a *app) report(cmd string, err error) int {
	var (
		ue *usageError
		ie *inputError
		ce *codedError
	)
	code := exitAPI
	switch {
	case errors.As(err, &ue) || errors.As(err, &ie) || !a.started || errors.Is(err, facade.ErrInvalidInput):
		code = exitUsage
	case errors.As(err, &ce):
		code = ce.code
	}
	msg := strings.TrimPrefix(err.Error(), "accessrequests: ")
	if errors.Is(err, context.DeadlineExceeded) { // the command line's own context has no deadline
		msg += fmt.Sprintf(" (no answer within --timeout %v)", a.timeout)
	}
	fmt.Fprintf(a.io.err, "%s: %s\n", cmd, clean(msg))
	return code
}
