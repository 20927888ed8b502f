package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
)

// configSetFlags are the flags of config set.
type configSetFlags struct {
	file    string
	replace bool
	keep    []string
	dryRun  bool
	yes     bool
}

func (a *app) configCommand() *cobra.Command {
	get := &cobra.Command{
		Use:   "get",
		Short: "Print the access request configuration as JSON",
		Long: `Get prints the access request configuration as JSON, in the shape of the API generation:
the successor's configuration (v2) with --api v1, the default; the beta's, which the vendor has
deprecated since 2026-02-26, with --api beta. Settings this tool does not know are printed as
the tenant sent them.`,
		Example: "  accessreq config get > config.json\n  accessreq config get --api beta    the beta's configuration",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return a.configGet(cmd.Context()) },
	}
	var f configSetFlags
	set := &cobra.Command{
		Use:   "set [--file FILE] [KEY=VALUE...]",
		Short: "Change settings of the access request configuration (the others keep their values)",
		Long: `Set changes the settings named in FILE ("-" for stdin; JSON in the shape "config get" prints)
and in KEY=VALUE arguments, and keeps every other setting as the tenant has it: it reads the
configuration, applies the change and writes the result. A nested object changes only the
members it names. With --replace, FILE is the whole configuration instead: a setting it leaves
out is dropped, and a yes/no setting it leaves out becomes false.

The configuration is the API generation's: the successor's (v2) with --api v1, the default, or
the beta's with --api beta; the two have different settings ("config get" shows them, and
completion offers them).

KEY is a setting's path, dots between nested names
(entitlementRequestConfig.accessRequestConfig.requireEndDate on v1,
approvalReminderAndEscalationConfig.maxReminders on the beta); VALUE is taken as JSON when it is
JSON (true, 3, {"id":"..."}, "quoted") and as text otherwise.

A setting neither this tool nor the tenant knows is refused as a misspelling, naming the
closest known setting, and nothing is sent; --keep-unknown PATH sends one on purpose (for a
setting the vendor has added since). A setting the tenant already has is known, so the output
of "config get" can always be sent back.

The settings that change are listed (on stderr; on stdout with --dry-run, which sends
nothing). Changing them needs a confirmation on a terminal, or --yes. The configuration as
stored is printed on stdout.`,
		Example: `  accessreq config set govGroupVisibilityEnabled=true
  accessreq config set --dry-run entitlementRequestConfig.accessRequestConfig.requireEndDate=true
  accessreq config set --api beta approvalReminderAndEscalationConfig.maxReminders=3
  accessreq config get > cfg.json && $EDITOR cfg.json && accessreq config set --file cfg.json
  accessreq config set --yes --file partial.json      in a job: no question asked`,
		ValidArgsFunction: a.completeSettings,
		RunE:              func(cmd *cobra.Command, args []string) error { return a.configSet(cmd.Context(), f, args) },
	}
	fl := set.Flags()
	fl.StringVar(&f.file, "file", "", `JSON settings to change ("-" for stdin)`)
	fl.BoolVar(&f.replace, "replace", false, "the file is the whole configuration: settings it leaves out are dropped")
	fl.StringSliceVar(&f.keep, "keep-unknown", nil, "send this setting although neither the tool nor the tenant knows it (path; repeat or comma-separate)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the settings that would change and send nothing")
	fl.BoolVarP(&f.yes, "yes", "y", false, "change the settings without asking (required when stdin is not a terminal)")
	return group("config", "Get or set the access request configuration",
		"  accessreq config get\n  accessreq config set govGroupVisibilityEnabled=true", get, set)
}

func (a *app) configGet(ctx context.Context) error {
	s, err := a.session(false)
	if err != nil {
		return err
	}
	var cfg any
	if a.api.get() == facade.APIV1 {
		cfg, err = s.c.GetConfigV2(ctx)
	} else {
		cfg, err = s.c.GetConfig(ctx)
	}
	if err != nil {
		return err
	}
	return a.printJSON(cfg)
}

// configSettings are the settings of the generation's configuration.
func (a *app) configSettings() []string {
	if a.api.get() == facade.APIV1 {
		return facade.ConfigSettingsV2()
	}
	return facade.ConfigSettings()
}

// patchConfig applies a patch to the generation's configuration: PatchConfigV2 on v1,
// PatchConfig on the beta.
func (a *app) patchConfig(ctx context.Context, s *session, p facade.ConfigPatch, check func([]facade.ConfigChange) error) (any, []facade.ConfigChange, error) {
	if a.api.get() == facade.APIV1 {
		return s.c.PatchConfigV2(ctx, p, check)
	}
	return s.c.PatchConfig(ctx, p, check)
}

// errDryRun stops a config set after its changes were printed.
var errDryRun = errors.New("dry run")

func (a *app) configSet(ctx context.Context, f configSetFlags, args []string) error {
	patch, err := a.configPatch(f, args)
	if err != nil {
		return err
	}
	s, err := a.session(false)
	if err != nil {
		return err
	}
	tenant := s.settings.tenant()
	got, changes, err := a.patchConfig(ctx, s, patch, func(changes []facade.ConfigChange) error {
		if len(changes) == 0 {
			return nil
		}
		if f.dryRun {
			printChanges(a.io.out, changes, tenant)
			fmt.Fprintf(a.io.out, "dry run: nothing was sent\n")
			return errDryRun
		}
		printChanges(a.io.err, changes, tenant)
		return a.ask(fmt.Sprintf("change %s on %s", settingsNamed(changes), tenant), f.yes)
	})
	var unknown *facade.UnknownSettingsError
	switch {
	case errors.Is(err, errDryRun):
		return nil
	case errors.As(err, &unknown):
		return usagef("%s (--keep-unknown %s sends it on purpose)", strings.TrimPrefix(err.Error(), "accessrequests: "+unknown.Operation+": "), unknown.Settings[0].Path)
	case err != nil:
		return err
	}
	if len(changes) == 0 {
		fmt.Fprintf(a.io.err, "no setting changes on %s; nothing was sent\n", tenant)
		if f.dryRun {
			return nil
		}
	}
	return a.printJSON(got)
}

// configPatch gathers the change from --file and KEY=VALUE arguments (the arguments applied
// over the file).
func (a *app) configPatch(f configSetFlags, args []string) (facade.ConfigPatch, error) {
	p := facade.ConfigPatch{Replace: f.replace, Keep: f.keep}
	switch {
	case f.file == "" && len(args) == 0:
		return p, usagef("name the settings to change: --file FILE, or KEY=VALUE arguments")
	case f.replace && f.file == "":
		return p, usagef("--replace needs --file: the whole configuration")
	}
	obj := map[string]json.RawMessage{} // raw, so that every value goes out as written
	if f.file != "" {
		data, err := a.readConfigFile(f.file)
		if err != nil {
			return p, err
		}
		if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
			return p, usagef("--file %s: not an access request configuration: a JSON object is needed", f.file)
		}
	}
	for i, arg := range args {
		key, value, ok := strings.Cut(arg, "=")
		names := strings.Split(key, ".")
		if !ok || slices.ContainsFunc(names, func(n string) bool { return strings.TrimSpace(n) == "" }) {
			return p, usagef("argument %d: KEY=VALUE expected (e.g. autoApprovalEnabled=true), got %q", i+1, arg)
		}
		if err := setPath(obj, names, jsonOrText(value)); err != nil {
			return p, usagef("argument %d: %s: %v", i+1, key, err)
		}
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return p, usagef("%v", err)
	}
	p.JSON = data
	return p, nil
}

// readConfigFile reads --file (a file, or stdin for "-"), bounded, without a byte order mark.
func (a *app) readConfigFile(file string) ([]byte, error) {
	var in io.Reader = a.io.in
	name := "<stdin>"
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return nil, usagef("--file: %v", err)
		}
		defer func() { _ = fh.Close() }()
		in, name = fh, file
	}
	return readAll(in, name)
}

// jsonOrText reads a KEY=VALUE value: JSON when it is JSON, otherwise the text itself.
func jsonOrText(v string) json.RawMessage {
	if json.Valid([]byte(v)) {
		return json.RawMessage(v)
	}
	text, _ := json.Marshal(v)
	return text
}

// setPath sets obj's member at the dotted path names to v, making the objects on the way;
// the other members keep their JSON as written.
func setPath(obj map[string]json.RawMessage, names []string, v json.RawMessage) error {
	if len(names) == 1 {
		obj[names[0]] = v
		return nil
	}
	sub := map[string]json.RawMessage{}
	if raw, ok := obj[names[0]]; ok {
		if err := json.Unmarshal(raw, &sub); err != nil || sub == nil {
			return fmt.Errorf("%s is not an object in the file", names[0])
		}
	}
	if err := setPath(sub, names[1:], v); err != nil {
		return err
	}
	data, err := json.Marshal(sub)
	if err != nil {
		return err
	}
	obj[names[0]] = data
	return nil
}

// settingsNamed names the changed settings for a confirmation: the count, and the paths.
func settingsNamed(changes []facade.ConfigChange) string {
	paths := make([]string, len(changes))
	for i, c := range changes {
		paths[i] = c.Path
	}
	noun := "settings"
	if len(changes) == 1 {
		noun = "setting"
	}
	return fmt.Sprintf("%d %s (%s)", len(changes), noun, clean(strings.Join(paths, ", ")))
}

// printChanges lists each change as "path: before -> after", (absent) where a side has none.
func printChanges(w io.Writer, changes []facade.ConfigChange, tenant string) {
	fmt.Fprintf(w, "on %s:\n", tenant)
	side := func(v json.RawMessage) string {
		if v == nil {
			return "(absent)"
		}
		return string(v)
	}
	for _, c := range changes {
		line := fmt.Sprintf("  %s: %s -> %s\n", clean(c.Path), side(c.Before), side(c.After))
		_, _ = (&jsonSafe{w: w}).Write([]byte(line))
	}
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(&jsonSafe{w: a.io.out})
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
