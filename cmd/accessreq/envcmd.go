package main

import (
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (a *app) envCommand() *cobra.Command {
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the environments of the sail CLI configuration file",
		Example: "  accessreq env list\n  accessreq env list --sail-config ./ci-config.yaml",
		Args:    cobra.NoArgs,
		RunE:    func(*cobra.Command, []string) error { return a.envList() },
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Show the settings a command would use and where each comes from (never the secret)",
		Long: `Show prints the settings a command would use: the sail configuration file and environment,
the base URL, the client id, whether a client secret is set and the API generation, each with
where it came from (a key of the file, the keyring, a SAIL_* or ACCESSREQ_API variable or a
flag). The secret is never printed.
When the system keyring cannot be read (a server without a desktop session), it says so on
one line and the other sources still apply.`,
		Example: "  accessreq env show\n  accessreq env show --env sandbox",
		Args:    cobra.NoArgs,
		RunE:    func(*cobra.Command, []string) error { return a.envShow() },
	}
	return group("env", "Show the profiles read from the sail CLI configuration file", "  accessreq env show", list, show)
}

func (a *app) envList() error {
	s, err := a.settings()
	if err != nil {
		return err
	}
	if s.file == "" {
		fmt.Fprintln(a.io.out, "no sail configuration file; settings come from SAIL_* variables and flags")
		return nil
	}
	for _, name := range s.environments {
		mark := " "
		if name == s.active {
			mark = "*"
		}
		fmt.Fprintf(a.io.out, "%s %s\n", mark, clean(name))
	}
	return nil
}

func (a *app) envShow() error {
	s, err := a.settings()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.io.out, 0, 4, 2, ' ', 0)
	line := func(k, v, from string) {
		v = clean(v)
		if from != "" {
			v += "\t(from " + clean(from) + ")"
		}
		fmt.Fprintf(tw, "%s:\t%s\n", k, v)
	}
	file := s.file
	if file == "" && s.looked != "" {
		file = "(none at " + s.looked + ")"
	}
	line("configuration file", orNone(file), "")
	line("environment", orNone(s.env), s.envFrom)
	line("base URL", orNone(withoutPassword(s.baseURL.value)), s.baseURL.from)
	line("client id", orNone(s.clientID.value), s.clientID.from)
	secret := "(not set)"
	if s.clientSecret.value != "" {
		secret = "set, not shown"
	}
	line("client secret", secret, s.clientSecret.from)
	if a.api.from == "default" || a.api.from == "" {
		line("API generation", string(a.api.get())+" (default)", "")
	} else {
		line("API generation", string(a.api.get()), a.api.from)
	}
	if hint := s.keyringHint(); hint != "" {
		line("keyring", hint, "")
	}
	return tw.Flush()
}

func orNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// withoutPassword hides the password of a URL's user information (a secret like any other),
// also where url.Parse reads "user:pw@host" (no "//") as an opaque URL and sees no user.
func withoutPassword(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Opaque == "" {
		return u.Redacted()
	}
	if strings.Contains(raw, "@") {
		return "(not a valid URL; not shown, as it may hold a password)"
	}
	return raw
}
