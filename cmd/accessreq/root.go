package main

import (
	"fmt"
	"runtime/debug"
	"strings"

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

	configPath string // --config: the vendor CLI's configuration file
	envName    string // --env: the environment of that file to use
	baseURL    string // --base-url
	clientID   string // --client-id
	debug      bool   // --debug: the library's log at debug level on stderr
	setAside   setAside
}

func newApp(io stdio) *app {
	return &app{io: io, inTerminal: isTerminal(io.in), outTerminal: isTerminal(io.out), errTerminal: isTerminal(io.err)}
}

// rootCommand builds the command tree. Help goes to stdout and exits 0; errors are printed by
// run, once.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "accessreq",
		Short: "Work with SailPoint ISC access requests (beta API)",
		Long: `accessreq submits, lists, cancels and closes SailPoint Identity Security Cloud access
requests, and reads and writes the access request configuration.

Settings come from the sail CLI's configuration file (` + "`~/.sailpoint/config.yaml`" + `: the
environment chosen with --env, or its active one), then SAIL_BASE_URL, SAIL_CLIENT_ID and
SAIL_CLIENT_SECRET, then --base-url and --client-id. The client secret is never printed.

Exit codes: 0 done; 1 the API, the network or the token endpoint failed; 2 nothing was sent
(bad flags or input, or a declined confirmation).`,
		Version:           version(),
		SilenceErrors:     true,
		SilenceUsage:      true,
		Args:              cobra.NoArgs,
		RunE:              helpOrUnknown,
		PersistentPreRunE: func(*cobra.Command, []string) error { a.started = true; return nil },
	}
	root.SetIn(a.io.in)
	root.SetOut(a.io.out)
	root.SetErr(a.io.err)
	root.SetVersionTemplate("accessreq {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usagef("%v", err) })
	pf := root.PersistentFlags()
	pf.StringVar(&a.envName, "env", "", "environment of the sail CLI configuration file to use (default: its active one)")
	pf.StringVar(&a.configPath, "config", "", "sail CLI configuration file (default ~/.sailpoint/config.yaml)")
	pf.StringVar(&a.baseURL, "base-url", "", "tenant API URL, e.g. https://acme.api.identitynow.com (overrides SAIL_BASE_URL)")
	pf.StringVar(&a.clientID, "client-id", "", "OAuth client id (overrides SAIL_CLIENT_ID; the secret only comes from SAIL_CLIENT_SECRET or the file)")
	pf.BoolVar(&a.debug, "debug", false, "log each HTTP attempt (method, path, status, attempt, duration) to stderr")
	root.AddCommand(a.demoCommand(), a.statusCommand(), a.grantCommand(), a.revokeCommand(),
		a.cancelCommand(), a.closeCommand(), a.configCommand(), a.envCommand())
	return root
}

// group makes a command that only holds subcommands: alone it prints its help; with an
// argument that names no subcommand it is a usage error.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs, RunE: helpOrUnknown}
	c.AddCommand(subs...)
	return c
}

func helpOrUnknown(cmd *cobra.Command, _ []string) error { return cmd.Help() }

// version describes this build from the information the Go toolchain records in the binary:
// the module version (a tag with go install …@version, "(devel)" in a checkout) and the VCS
// revision when built from a clone.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (library " + facade.Version + ")"
	}
	return describeBuild(bi.Main.Version, bi.GoVersion, bi.Settings)
}

func describeBuild(mainVersion, goVersion string, settings []debug.BuildSetting) string {
	v := mainVersion
	if v == "" {
		v = "(devel)"
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
	parts := []string{"library " + facade.Version}
	if rev != "" {
		parts = append(parts, "commit "+rev+dirty)
	}
	parts = append(parts, goVersion)
	return fmt.Sprintf("%s (%s)", v, strings.Join(parts, ", "))
}
