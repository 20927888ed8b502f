package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	assert.Regexp(t, `^accessreq \S+ \(library 0\.1\.0, .*`+runtime.Version()+`\)\n$`, r.out)

	assert.Equal(t, "v0.3.1 (library 0.1.0, commit 0123456789ab+dirty, go1.26.0)",
		describeBuild("v0.3.1", "go1.26.0", []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.modified", Value: "true"}}))
	assert.Equal(t, "(devel) (library 0.1.0, commit 0123456789ab, go1.26.0)",
		describeBuild("", "go1.26.0", []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.modified", Value: "false"}}))
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
