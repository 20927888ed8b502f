package main

import (
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
)

// completeFlags registers the completion of flag values across the tree: fixed choices, the
// environments of the sail configuration file, sort keys and filter fields.
func (a *app) completeFlags(root *cobra.Command) {
	fixed := map[string][]string{
		"output":     formats,
		"execution":  {string(facade.ExecutionStatusTerminated), string(facade.ExecutionStatusCompleted)},
		"completion": {string(facade.CompletionStatusSuccess), string(facade.CompletionStatusIncomplete), string(facade.CompletionStatusFailure)},
		"deviate":    deviationNames(),
	}
	dynamic := map[string]cobra.CompletionFunc{
		"env":    a.completeEnv,
		"sort":   a.completeSort,
		"filter": a.completeFilter,
		"api":    cobra.FixedCompletions([]string{string(facade.APIV1), string(facade.APIBeta)}, cobra.ShellCompDirectiveNoFileComp),
	}
	for name, values := range fixed {
		dynamic[name] = cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, fn := range dynamic {
			if c.LocalFlags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, fn) // a flag shared by several commands is registered once
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// completeEnv offers the environments of the sail configuration file.
func (a *app) completeEnv(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	s, err := a.settings()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return s.environments, cobra.ShellCompDirectiveNoFileComp
}

// completeSort offers the sort keys of the listing the command reads, ascending and descending,
// after those already typed.
func (a *app) completeSort(cmd *cobra.Command, _ []string, typed string) ([]cobra.Completion, cobra.ShellCompDirective) {
	done, _ := cutLast(typed, ",")
	var out []cobra.Completion
	for _, f := range a.listingOf(cmd).SortFields() {
		if slices.Contains(strings.Split(done, ","), f) || slices.Contains(strings.Split(done, ","), "-"+f) {
			continue
		}
		prefix := ""
		if done != "" {
			prefix = done + ","
		}
		out = append(out, prefix+f, prefix+"-"+f)
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeFilter offers the fields the listing's filter may name, then their operators.
func (a *app) completeFilter(cmd *cobra.Command, _ []string, typed string) ([]cobra.Completion, cobra.ShellCompDirective) {
	operators := a.listingOf(cmd).FilterOperators()
	fields := slices.Sorted(maps.Keys(operators))
	words := strings.Fields(typed)
	if len(words) == 0 || len(words) == 1 && !strings.HasSuffix(typed, " ") {
		return fields, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
	ops := operators[words[0]]
	out := make([]cobra.Completion, len(ops))
	for i, op := range ops {
		out[i] = words[0] + " " + op + " "
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeSettings offers "setting=" for config set's KEY=VALUE arguments: the settings of the
// generation's configuration.
func (a *app) completeSettings(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	settings := a.configSettings()
	out := make([]cobra.Completion, len(settings))
	for i, s := range settings {
		out[i] = s + "="
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// listingOf is the listing a command's flags name (--admin, --api), for completion.
func (a *app) listingOf(cmd *cobra.Command) facade.Listing {
	admin, _ := cmd.Flags().GetBool("admin")
	return a.listing(admin)
}

func cutLast(s, sep string) (before, after string) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):]
	}
	return "", s
}
