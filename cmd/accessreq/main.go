// Command accessreq works with SailPoint Identity Security Cloud access requests from the
// command line, through the facade package.
//
//	accessreq demo                       the whole lifecycle against an in-memory fake tenant
//	accessreq status [flags]             list request statuses (table or --json; --all pages)
//	accessreq grant  --for ID --role ID  submit a grant (also --access-profile, --entitlement)
//	accessreq revoke --for ID --role ID --comment TEXT
//	accessreq cancel --comment TEXT ID
//	accessreq close  [--from-csv FILE] [ID...]
//	accessreq config get | config set --file FILE
//
// It reads SAIL_BASE_URL, SAIL_CLIENT_ID and SAIL_CLIENT_SECRET. Bad input exits 2 with a
// one-line error naming the flag and the rule; API errors exit 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/sailkit/accessrequests/facade"
)

// Exit codes.
const (
	exitOK    = 0
	exitAPI   = 1 // the API, the network or the token endpoint failed
	exitUsage = 2 // bad flags or input; nothing was sent
)

const usage = `usage: accessreq <command> [flags]

commands:
  demo      run the whole lifecycle against an in-memory fake tenant
  status    list access request statuses
  grant     submit a GRANT_ACCESS request
  revoke    submit a REVOKE_ACCESS request
  cancel    cancel a pending request
  close     close requests (ids as arguments or --from-csv)
  config    get or set the access request configuration

environment: SAIL_BASE_URL, SAIL_CLIENT_ID, SAIL_CLIENT_SECRET
run "accessreq <command> -h" for a command's flags`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// app is one invocation: where output goes and how the client is made.
type app struct {
	out, errOut io.Writer
	newClient   func() (*facade.Client, error)
	synopsis    func() // prints the current command's usage
	terminal    bool   // stderr is a terminal: show progress bars
}

// usageError is bad input: exit 2, nothing sent.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	a := &app{out: out, errOut: errOut, newClient: func() (*facade.Client, error) {
		return facade.NewFromEnv(facade.WithUserAgent("accessreq"), facade.WithVendorRateLimit())
	}, terminal: isTerminal(errOut)}
	return a.run(ctx, args)
}

func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(a.errOut, usage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	commands := map[string]func(context.Context, []string) error{
		"demo": a.demo, "status": a.status, "grant": a.grant, "revoke": a.revoke,
		"cancel": a.cancel, "close": a.close, "config": a.config,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(a.errOut, "accessreq: unknown command %q\n%s\n", args[0], usage)
		return exitUsage
	}
	err := cmd(ctx, args[1:])
	return a.report(args[0], err)
}

// report prints err on one line (API errors with their detail code, message and tracking id)
// and picks the exit code.
func (a *app) report(cmd string, err error) int {
	var (
		ue  *usageError
		api *facade.APIError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(a.errOut, "accessreq %s: %s\n", cmd, ue.msg)
		return exitUsage
	case errors.As(err, &api):
		msg := ""
		if len(api.Messages) > 0 {
			msg = api.Messages[0].Text
		}
		fmt.Fprintf(a.errOut, "accessreq %s: HTTP %d %s: %s (tracking id %s)\n", cmd, api.StatusCode, api.DetailCode, msg, api.TrackingID)
		return exitAPI
	case errors.Is(err, facade.ErrInvalidInput):
		fmt.Fprintf(a.errOut, "accessreq %s: %s\n", cmd, strings.TrimPrefix(err.Error(), "accessrequests: "))
		return exitUsage
	default:
		fmt.Fprintf(a.errOut, "accessreq %s: %s\n", cmd, strings.TrimPrefix(err.Error(), "accessrequests: "))
		return exitAPI
	}
}

// flags makes a flag set whose errors come back as usage errors instead of printing; -h
// prints the synopsis and the flags.
func (a *app) flags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	a.synopsis = func() {
		fmt.Fprintf(a.errOut, "usage: accessreq %s %s\n", name, synopsis)
		fs.SetOutput(a.errOut)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse reads flags and positional arguments in any order.
func (a *app) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				a.synopsis()
				return nil, err
			}
			return nil, usagef("%s", err.Error())
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseFlagsOnly reads flags and refuses any positional argument.
func (a *app) parseFlagsOnly(fs *flag.FlagSet, args []string) error {
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %q", rest[0])
	}
	return nil
}

// listFlag collects a repeatable or comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
