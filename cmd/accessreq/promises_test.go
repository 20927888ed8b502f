package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// These tests hold promises that mutation testing (gremlins, see testdata/mutants-equivalent.md)
// found no other test holding.

func TestCancelRefusedMidwayListsAndSavesEveryIDLeft(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(2, "id-alice", time.Now())
	remaining := writeFile(t, "remaining.csv", "")

	r := cli(t, "cancel", "--comment", "c", "--remaining", remaining, ids[0], "no-such-id", ids[1])
	assert.Equal(t, exitAPI, r.code)
	assert.Equal(t, "cancelled 1 of 3 in 2 call(s)\n"+
		"refused by the server, not changed (1):\n  no-such-id\n"+
		"not sent (1):\n  "+ids[1]+"\n"+
		"wrote 2 id(s) to check or send again to "+remaining+"\n", r.out)
	data, err := os.ReadFile(remaining)
	require.NoError(t, err)
	assert.Equal(t, "accessRequestId,outcome\nno-such-id,refused\n"+ids[1]+",not-sent\n", string(data))

	st, _ := srv.Status(ids[0])
	assert.Equal(t, facade.StateCancelled, st.State)
	st, _ = srv.Status(ids[1])
	assert.Equal(t, facade.StateExecuting, st.State, "nothing is sent after the first failure")
}

func TestConfirmationAsksOnATerminalAndTakesOnlyYes(t *testing.T) {
	cases := []struct {
		answer string
		ok     bool
	}{
		{"y\n", true}, {" YES \r\n", true}, {"Yes", true},
		{"n\n", false}, {"\n", false}, {"", false}, {"yep\n", false},
	}
	for _, tc := range cases {
		var prompt bytes.Buffer
		a := &app{io: stdio{in: strings.NewReader(tc.answer), err: &prompt}, inTerminal: true}
		err := a.confirm("close", handful+1, "access requests", "acme.example", false)
		assert.Equal(t, "Close 6 access requests on acme.example? [y/N] ", prompt.String(), "%q", tc.answer)
		if tc.ok {
			assert.NoError(t, err, "%q", tc.answer)
			continue
		}
		var ue *usageError
		require.ErrorAs(t, err, &ue, "%q", tc.answer)
		assert.Equal(t, "not confirmed: nothing was sent", ue.msg)
	}

	for _, n := range []int{0, 1, handful} {
		var prompt bytes.Buffer
		a := &app{io: stdio{in: strings.NewReader("n\n"), err: &prompt}, inTerminal: true}
		assert.NoError(t, a.confirm("close", n, "access requests", "acme.example", false), "%d", n)
		assert.Empty(t, prompt.String(), "no question for %d", n)
	}
	var prompt bytes.Buffer
	a := &app{io: stdio{in: strings.NewReader("n\n"), err: &prompt}, inTerminal: true}
	assert.NoError(t, a.confirm("close", 1000, "access requests", "acme.example", true), "--yes")
	assert.Empty(t, prompt.String(), "no question with --yes")
}

// onTerminal is an invocation whose stderr counts as a terminal (progress is drawn on it) and,
// with outTerminal, whose stdout does too; stdin is empty.
func onTerminal(outTerminal bool) (a *app, out, errOut *bytes.Buffer) {
	out, errOut = &bytes.Buffer{}, &bytes.Buffer{}
	a = &app{io: stdio{in: strings.NewReader(""), out: out, err: errOut}, errTerminal: true, outTerminal: outTerminal, timeout: defaultTimeout, api: newAPIChoice()}
	return a, out, errOut
}

// bars is the progress a bar of width 30 draws for each of done, out of total.
func bars(label string, total int, done ...int) string {
	var b strings.Builder
	for _, d := range done {
		filled := 30 * d / total
		fmt.Fprintf(&b, "\r%s [%s%s] %d/%d", label, strings.Repeat("#", filled), strings.Repeat(" ", 30-filled), d, total)
	}
	return b.String() + "\n"
}

func TestCancelDrawsProgressPerID(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(3, "id-alice", time.Now())
	a, out, errOut := onTerminal(false)
	require.NoError(t, a.runCancel(context.Background(), bulkFlags{}, "c", ids))
	assert.Equal(t, bars("cancelling", 3, 1, 2, 3), errOut.String())
	assert.Equal(t, "cancelled 3 of 3 in 3 call(s)\n", out.String())
}

func TestCloseDrawsProgressPerCall(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(600, "id-alice", time.Now())
	a, out, errOut := onTerminal(false)
	require.NoError(t, a.runClose(context.Background(), bulkFlags{yes: true}, facade.CloseRequestsParams{
		ExecutionStatus: facade.ExecutionStatusTerminated, CompletionStatus: facade.CompletionStatusFailure}, ids))
	assert.Equal(t, bars("closing", 600, 500, 600), errOut.String())
	assert.Equal(t, "closed 600 of 600 in 2 call(s)\n", out.String())
}

func TestStatusAllDrawsProgressOnlyWhenRowsGoElsewhere(t *testing.T) {
	srv := tenant(t)
	srv.SeedStatuses(3, "id-alice", time.Now())
	flags := statusFlags{q: facade.ListStatusParams{PageSize: 2, Count: true}, all: true, output: "ndjson"}

	a, out, errOut := onTerminal(false)
	require.NoError(t, a.runStatus(context.Background(), flags))
	assert.Equal(t, bars("listing", 3, 1, 2, 3)+"total: 3\n", errOut.String())
	assert.Equal(t, 3, strings.Count(out.String(), "\n"))

	flags.q.Count = false
	a, _, errOut = onTerminal(false)
	require.NoError(t, a.runStatus(context.Background(), flags))
	assert.Equal(t, "\rlisting 1\rlisting 2\rlisting 3\n", errOut.String(), "without a total, a count")

	a, out, errOut = onTerminal(true)
	require.NoError(t, a.runStatus(context.Background(), flags))
	assert.Empty(t, errOut.String(), "no progress between rows on the same terminal")
	assert.Equal(t, 3, strings.Count(out.String(), "\n"))
}
