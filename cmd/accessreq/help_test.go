package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
	"github.com/sailkit/accessrequests/gen"
)

// commandPaths lists every command of the tree as its words after "accessreq".
func commandPaths() [][]string {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string(nil), path...), sub.Name()))
		}
	}
	root := newApp(stdio{}).rootCommand()
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	walk(root, nil)
	return paths
}

func TestEveryCommandsHelpIsOnStdoutAndExitsZero(t *testing.T) {
	isolate(t)
	paths := commandPaths()
	require.Greater(t, len(paths), 15, "the tree has its subcommands")
	for _, path := range paths {
		for _, flag := range []string{"-h", "--help"} {
			args := append(append([]string(nil), path...), flag)
			r := cli(t, args...)
			name := strings.Join(append([]string{"accessreq"}, path...), " ")
			assert.Equal(t, exitOK, r.code, "%s", args)
			assert.Empty(t, r.errOut, "%s", args)
			assert.Contains(t, r.out, "Usage:\n  "+name, "%s: help of this command, not another's", args)
		}
	}
}

func TestHelpShowsEachCommandsOwnFlags(t *testing.T) {
	isolate(t)
	get := cli(t, "config", "get", "-h")
	assert.NotContains(t, get.out, "--file", "config get has no --file")
	assert.Contains(t, cli(t, "config", "set", "-h").out, "--file")
	revoke := cli(t, "revoke", "-h").out
	assert.Contains(t, revoke, "REVOKE_ACCESS request: one identity")
	assert.NotContains(t, revoke, "--start-date", "a revoke has no start date")
	assert.Contains(t, cli(t, "grant", "-h").out, "--start-date")
}

func TestVersionComesFromTheBuildInfo(t *testing.T) {
	isolate(t)
	r := cli(t, "--version")
	require.Equal(t, exitOK, r.code)
	assert.Regexp(t, `^accessreq 0\.1\.0 \(built from source, .*`+runtime.Version()+`\)\n$`, r.out, "a test binary has no module version")
	assert.NotContains(t, r.out, "(devel)")

	assert.Equal(t, "v0.3.1 (library 0.1.0, commit 0123456789ab+dirty, go1.26.0)",
		describeBuild("v0.3.1", "go1.26.0", []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.modified", Value: "true"}}))
	for _, devel := range []string{"", "(devel)"} {
		assert.Equal(t, "0.1.0 (built from source, commit 0123456789ab, go1.26.0)",
			describeBuild(devel, "go1.26.0", []debug.BuildSetting{
				{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.modified", Value: "false"}}))
	}
	assert.Equal(t, "v0.0.0-20261204120000-0123456789ab (library 0.1.0, go1.26.0)",
		describeBuild("v0.0.0-20261204120000-0123456789ab", "go1.26.0", nil), "go install ...@commit: a pseudo-version")
}

func TestCompletionScriptsAreGenerated(t *testing.T) {
	isolate(t)
	for shell, want := range map[string]string{
		"bash": "__start_accessreq", "zsh": "#compdef accessreq", "fish": "complete -c accessreq", "powershell": "Register-ArgumentCompleter",
	} {
		r := cli(t, "completion", shell)
		assert.Equal(t, exitOK, r.code, shell)
		assert.Contains(t, r.out, want, shell)
	}
	r := cli(t, "__complete", "sta")
	assert.Contains(t, r.out, "status\t", "dynamic completion names the command")
}

// Every command's help, cobra's own included, shows at least one example.
func TestEveryCommandsHelpHasAnExample(t *testing.T) {
	isolate(t)
	for _, path := range commandPaths() {
		r := cli(t, append(append([]string(nil), path...), "--help")...)
		require.Equal(t, exitOK, r.code, "%v", path)
		assert.Regexp(t, `\nExamples:\n  \S`, r.out, "accessreq %s", strings.Join(path, " "))
	}
}

// complete asks cobra's completion for the words typed and returns the candidates offered.
func complete(t *testing.T, words ...string) []string {
	t.Helper()
	r := cli(t, append([]string{"__complete"}, words...)...)
	require.Equal(t, exitOK, r.code, r.errOut)
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		if !strings.HasPrefix(line, ":") && line != "" {
			name, _, _ := strings.Cut(line, "\t")
			out = append(out, name)
		}
	}
	return out
}

func TestFlagValuesComplete(t *testing.T) {
	home := isolate(t)
	prod, sandbox := twoTenants(t)
	sailConfig(t, home, map[string]*fake.Server{"prod": prod, "sandbox": sandbox}, "prod")
	assert.Equal(t, []string{"table", "json", "ndjson", "csv"}, complete(t, "status", "--output", ""))
	assert.Equal(t, []string{"table", "json", "ndjson", "csv"}, complete(t, "status", "-o", ""))
	assert.Equal(t, []string{"prod", "sandbox"}, complete(t, "status", "--env", ""))
	assert.Equal(t, []string{"prod", "sandbox"}, complete(t, "config", "get", "--env", ""))
	assert.Equal(t, []string{"created", "-created", "modified", "-modified", "accountActivityItemId", "-accountActivityItemId", "name", "-name"},
		complete(t, "status", "--sort", ""))
	assert.Equal(t, []string{"-created,modified", "-created,-modified", "-created,accountActivityItemId", "-created,-accountActivityItemId",
		"-created,name", "-created,-name"}, complete(t, "status", "--sort=-created,"))
	assert.Equal(t, []string{"accessRequestId", "accountActivityItemId", "created"}, complete(t, "status", "--filter", ""))
	assert.Contains(t, complete(t, "status", "--filter", "created "), "created gt")
	// A field being typed is completed as a field (guards completeFilter's one-word check), and
	// a leading comma completes like nothing typed (guards cutLast's slicing).
	assert.Contains(t, complete(t, "status", "--filter", "cre"), "created")
	assert.Contains(t, complete(t, "status", "--sort", ","), "created")
	assert.Equal(t, []string{"Terminated", "Completed"}, complete(t, "close", "--execution", ""))
	assert.Equal(t, []string{"Success", "Incomplete", "Failure"}, complete(t, "close", "--completion", ""))
	assert.Equal(t, []string{"end-offset-400", "other-shapes", "unknown-fields"}, complete(t, "fake", "--deviate", ""))
	settings := complete(t, "config", "set", "")
	assert.Contains(t, settings, "autoApprovalEnabled=")
	assert.Contains(t, settings, "approvalReminderAndEscalationConfig.maxReminders=")
}

// The sail configuration file's flag is --sail-config, so that it does not read as the
// tenant's configuration; --config still works, unlisted.
func TestTheSailFileFlagIsRenamedWithAHiddenAlias(t *testing.T) {
	isolate(t)
	help := cli(t, "--help").out
	assert.Contains(t, help, "--sail-config string")
	assert.NotContains(t, help, "--config ")
	path := writeFile(t, "config.yaml", "activeenvironment: acme\nenvironments:\n  acme:\n    baseurl: https://acme.api.identitynow.com\n")
	for _, flag := range []string{"--sail-config", "--config"} {
		r := cli(t, flag, path, "env", "show")
		require.Equal(t, exitOK, r.code, r.errOut)
		assert.Contains(t, r.out, "https://acme.api.identitynow.com", flag)
	}
}

// Help that was wrong or silent: cancel's --remaining speaks of cancelling, revoke's --for
// takes one identity, dates say a date alone means midnight UTC, --timeout has a default.
func TestHelpSaysWhatEachFlagTakes(t *testing.T) {
	isolate(t)
	assert.Contains(t, cli(t, "cancel", "-h").out, "write the ids not cancelled")
	assert.NotContains(t, cli(t, "cancel", "-h").out, "closes")
	assert.Contains(t, cli(t, "close", "-h").out, "write the ids not closed")
	revoke := cli(t, "revoke", "-h").out
	assert.Regexp(t, `--for string\s+the identity to revoke from \(one\)`, revoke)
	assert.Contains(t, revoke, "2027-01-01, meaning midnight UTC")
	assert.Contains(t, cli(t, "grant", "-h").out, "--start-date string")
	assert.Contains(t, cli(t, "status", "-h").out, "--timeout duration")
	assert.Contains(t, cli(t, "status", "-h").out, `(default 2m0s)`)
}

// A date alone means midnight UTC at its start.
func TestADateAloneIsMidnightUTC(t *testing.T) {
	srv := tenant(t)
	r := cli(t, "grant", "--for", "id-a", "--role", "role-1", "--remove-date", "2099-01-01", "--start-date", "2098-12-31")
	require.Equal(t, exitOK, r.code, r.errOut)
	st := srv.Statuses()[0]
	assert.Equal(t, "2099-01-01T00:00:00Z", st.RemoveDate.Format(time.RFC3339))
	r = cli(t, "grant", "--dry-run", "--for", "id-a", "--role", "role-2", "--remove-date", "2099-01-01T00:00:00+02:00")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, r.out, `"removeDate": "2098-12-31T22:00:00Z"`, "a date-time keeps its offset, sent in UTC")
}

// The table's columns are as wide as their widest cell, whatever the length of a date's
// fraction, and on a terminal the item is cut to fit.
func TestTheTableFits(t *testing.T) {
	var b bytes.Buffer
	w := &tableWriter{w: &b}
	created := time.Date(2026, 12, 4, 15, 4, 5, 123456789, time.UTC)
	require.NoError(t, w.row(facade.Status{AccessRequestID: "2c9180835d191a86015d28455b4b00a1", State: facade.StateProvisioningVerificationPending,
		RequestType: facade.RequestTypeGrant, Created: created, Name: "Payments role", RequestedFor: gen.AccessItemRequestedFor{ID: "id-1"}}))
	require.NoError(t, w.row(facade.Status{AccessRequestID: "ar-2", State: facade.StateExecuting, RequestType: facade.RequestTypeRevoke,
		Created: created.Add(time.Second).Truncate(time.Second), Name: "x", RequestedFor: gen.AccessItemRequestedFor{ID: "id-22"}}))
	require.NoError(t, w.end())
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Len(t, lines, 3)
	col := strings.Index(lines[0], "ITEM")
	assert.Equal(t, col, strings.Index(lines[1], "Payments role"), b.String())
	assert.Equal(t, col, strings.Index(lines[2], "x"), b.String())
	assert.Contains(t, lines[1], "  2026-12-04 15:04:05  ", "dates to the second, in UTC")
	assert.Contains(t, lines[1], "PROVISIONING_VERIFICATION_PENDING  GRANT  ")

	b.Reset()
	narrow := &tableWriter{w: &b, maxWidth: col + 8}
	require.NoError(t, narrow.row(facade.Status{AccessRequestID: "2c9180835d191a86015d28455b4b00a1", State: facade.StateProvisioningVerificationPending,
		RequestType: facade.RequestTypeRevoke, Created: created, Name: "Payments role for the whole team", RequestedFor: gen.AccessItemRequestedFor{ID: "id-22"}}))
	require.NoError(t, narrow.end())
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		assert.LessOrEqual(t, utf8.RuneCountInString(line), col+8, line)
	}
	assert.True(t, strings.HasSuffix(b.String(), "  Payment…\n"), b.String())

	// An item name exactly as long as the room left is not cut (guards fit's `<=`).
	b.Reset()
	exact := &tableWriter{w: &b, maxWidth: col + 8}
	require.NoError(t, exact.row(facade.Status{AccessRequestID: "2c9180835d191a86015d28455b4b00a1", State: facade.StateProvisioningVerificationPending,
		RequestType: facade.RequestTypeRevoke, Created: created, Name: "Payments", RequestedFor: gen.AccessItemRequestedFor{ID: "id-22"}}))
	require.NoError(t, exact.end())
	assert.True(t, strings.HasSuffix(b.String(), "  Payments\n"), "a name that just fits is whole: %s", b.String())

	b.Reset()
	tooNarrow := &tableWriter{w: &b, maxWidth: col + 7}
	require.NoError(t, tooNarrow.row(facade.Status{Name: "Payments role for the whole team", AccessRequestID: "2c9180835d191a86015d28455b4b00a1"}))
	require.NoError(t, tooNarrow.end())
	assert.Contains(t, b.String(), "Payments role for the whole team\n", "under 8 columns left, the item is left whole")
}
