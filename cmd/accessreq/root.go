package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
)

// app is one invocation: its streams, whether they are terminals, and the global flags.
type app struct {
	io          stdio
	inTerminal  bool // stdin is a terminal: a confirmation may be asked
	outTerminal bool // stdout is a terminal
	errTerminal bool // stderr is a terminal: progress may be drawn
	started     bool // a command's own code began (errors before it are usage errors)

	configPath string        // --sail-config (or its old name --config): the sail CLI's configuration file
	envName    string        // --env: the environment of that file to use
	baseURL    string        // --base-url
	clientID   string        // --client-id
	caCert     string        // --ca-cert: PEM certificates to trust beside the system's
	timeout    time.Duration // --timeout: the most one call (token or API) may take
	debug      bool          // --debug: the library's log at debug level on stderr
	api        apiChoice     // --api, $ACCESSREQ_API: the API generation

	demoOptions []facade.Option // tests only: more options for the demo's client (a transport that fails a call)
	setAside    setAside

	stop <-chan struct{} // closed when the command line's context ends (a stop signal); nil blocks
}

// defaultTimeout bounds each call unless --timeout says otherwise: long enough for a page of
// 250 statuses from a slow tenant with its retries, short enough that a tenant which never
// answers does not hold a cron job for more than a few minutes.
const defaultTimeout = 2 * time.Minute

// envCACert names the variable --ca-cert defaults to (accessreq fake --tls prints it).
const envCACert = "ACCESSREQ_CA_CERT"

func newApp(io stdio) *app {
	return &app{io: io, inTerminal: isTerminal(io.in), outTerminal: isTerminal(io.out), errTerminal: isTerminal(io.err), api: newAPIChoice()}
}

// rootCommand builds the command tree. Help goes to stdout and exits 0; errors are printed by
// run, once.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "accessreq",
		Short: "Work with SailPoint ISC access requests",
		Long: `accessreq submits, lists, cancels and closes SailPoint Identity Security Cloud access
requests, and reads and writes the access request configuration.

--api chooses the API generation (or $` + envAPI + `): v1, the successor, by default; beta for
the vendor's beta, which it supports until Q1 2027 and whose configuration operations it has
deprecated since 2026-02-26. Commands and their flags are the same on both; the successor adds
bulk cancel (used by cancel), the administrators' listing (status --admin) and its own
configuration shape (config get and set).

Settings come from the sail CLI's configuration file (--sail-config, by default
~/.sailpoint/config.yaml: the environment chosen with --env, or its active one), then the
system keyring where sail 2.x keeps the client id and secret, then SAIL_BASE_URL,
SAIL_CLIENT_ID and SAIL_CLIENT_SECRET, then --base-url and --client-id; "accessreq env show"
says where each value came from. The client secret is never printed.

Every call, the token request included, must finish within --timeout. Text from the server
or from a file is shown with control characters escaped (\x1b, \n, \u202e); json and ndjson
output is exact JSON.

Exit codes: 0 done; 1 the API, the network or the token endpoint failed; 2 nothing was sent
(bad flags or input, or a declined confirmation).

SIGINT (Ctrl-C), SIGTERM and SIGHUP stop the running command: it reports what was done and
writes its --remaining file, then exits 1 (2 at a confirmation: nothing was sent). A second
such signal exits at once with 128 plus the signal's number (130, 143, 129), reporting nothing.`,
		Example: `  accessreq env show                      where each setting comes from
  accessreq status --for me --all -o csv  every request for you, as CSV
  accessreq fake --tls                    a fake tenant to try commands against`,
		Version:           version(),
		SilenceErrors:     true,
		SilenceUsage:      true,
		Args:              cobra.NoArgs,
		RunE:              helpOrUnknown,
		PersistentPreRunE: func(*cobra.Command, []string) error { a.started = true; return a.api.check() },
	}
	root.SetIn(a.io.in)
	root.SetOut(a.io.out)
	root.SetErr(a.io.err)
	root.SetVersionTemplate("accessreq {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usagef("%v", err) })
	pf := root.PersistentFlags()
	pf.StringVar(&a.envName, "env", "", "environment of the sail CLI configuration file to use (default: its active one)")
	pf.StringVar(&a.configPath, "sail-config", "", "the sail CLI's configuration file, where the tenant's URL is found (default ~/.sailpoint/config.yaml)")
	pf.StringVar(&a.configPath, "config", "", "old name of --sail-config")
	_ = pf.MarkHidden("config")
	pf.StringVar(&a.baseURL, "base-url", "", "tenant API URL, e.g. https://acme.api.identitynow.com (overrides SAIL_BASE_URL)")
	pf.StringVar(&a.clientID, "client-id", "", "OAuth client id (overrides SAIL_CLIENT_ID; the secret only comes from SAIL_CLIENT_SECRET or the file)")
	pf.DurationVar(&a.timeout, "timeout", defaultTimeout, "the most one call may take, token request and retries included (e.g. 30s, 5m)")
	pf.StringVar(&a.caCert, "ca-cert", os.Getenv(envCACert), "PEM file of certificates to trust beside the system's (default $"+envCACert+")")
	pf.BoolVar(&a.debug, "debug", false, "log each HTTP attempt (method, path, status, attempt, duration) to stderr")
	a.bindAPI(root)
	root.AddCommand(a.demoCommand(), a.fakeCommand(), a.statusCommand(), a.grantCommand(), a.revokeCommand(),
		a.cancelCommand(), a.closeCommand(), a.waitCommand(), a.configCommand(), a.envCommand())
	a.completeFlags(root)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	exampleBuiltins(root)
	return root
}

// group makes a command that only holds subcommands: alone it prints its help; with an
// argument that names no subcommand it is a usage error.
func group(use, short, example string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Example: example, Args: cobra.NoArgs, RunE: helpOrUnknown}
	c.AddCommand(subs...)
	return c
}

func helpOrUnknown(cmd *cobra.Command, _ []string) error { return cmd.Help() }

// exampleBuiltins gives cobra's own commands (help, completion and its shells) an example
// each, as every other command has.
func exampleBuiltins(root *cobra.Command) {
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Example = "  accessreq help status"
		case "completion":
			c.Example = "  source <(accessreq completion bash)\n  accessreq completion zsh > \"${fpath[1]}/_accessreq\""
			for _, sh := range c.Commands() {
				sh.Example = "  accessreq completion " + sh.Name() + " > accessreq-completion." + sh.Name()
			}
		}
	}
}

// version describes this build from the information the Go toolchain records in the binary:
// the module version when it was built from a tagged version (go install …@v1.2.3), else
// the library's own version, then the VCS revision when built from a clone.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return facade.Version + " (built from source)"
	}
	return describeBuild(bi.Main.Version, bi.GoVersion, bi.Settings)
}

func describeBuild(mainVersion, goVersion string, settings []debug.BuildSetting) string {
	v, origin := mainVersion, "library "+facade.Version
	if v == "" || v == "(devel)" {
		v, origin = facade.Version, "built from source" // no module version: the library's
	}
	var rev, dirty string
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(12, len(s.Value))]
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	parts := []string{origin}
	if rev != "" {
		parts = append(parts, "commit "+rev+dirty)
	}
	parts = append(parts, goVersion)
	return fmt.Sprintf("%s (%s)", v, strings.Join(parts, ", "))
}
