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
		"sort":   completeSort,
		"filter": completeFilter,
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

// completeSort offers the sort keys, ascending and descending, after those already typed.
func completeSort(_ *cobra.Command, _ []string, typed string) ([]cobra.Completion, cobra.ShellCompDirective) {
	done, _ := cutLast(typed, ",")
	var out []cobra.Completion
	for _, f := range []string{facade.SortCreated, facade.SortModified, facade.SortAccountActivityItemID, facade.SortName} {
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

// completeFilter offers the fields a filter may name, then their operators.
func completeFilter(_ *cobra.Command, _ []string, typed string) ([]cobra.Completion, cobra.ShellCompDirective) {
	operators := facade.FilterOperators()
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

// completeSettings offers "setting=" for config set's KEY=VALUE arguments.
func completeSettings(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	settings := facade.ConfigSettings()
	out := make([]cobra.Completion, len(settings))
	for i, s := range settings {
		out[i] = s + "="
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

func cutLast(s, sep string) (before, after string) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):]
	}
	return "", s
}
