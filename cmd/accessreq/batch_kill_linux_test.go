//go:build !nopty

package main

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// The built binary, SIGKILLed in the middle of a batch (creates slowed down so that the kill
// lands among them, perhaps with one in flight), and run again with the same CSV: no pair is
// granted twice, and every pair is sent, or left unknown (a create in flight at the kill that
// the tenant never acted on: not listed, not pending) for the user to check.
func TestABatchKilledWithSIGKILLAndRunAgainSendsNothingTwice(t *testing.T) {
	binary(t) // built before tenant moves HOME, and with it Go's build cache
	srv := tenant(t)
	srv.SetFaults(fake.Faults{Methods: []string{http.MethodPost}, Latency: 100 * time.Millisecond})
	var csv strings.Builder
	csv.WriteString("identity,type,item\n")
	const n = 30 // distinct items: one create each
	for i := range n {
		fmt.Fprintf(&csv, "id-%02d,entitlement,ent-%02d\n", i, i)
	}
	file := writeFile(t, "joiners.csv", csv.String())

	c := startChild(t, nil, "grant", "--from-csv", file, "--yes", "--settle", "0")
	deadline := time.Now().Add(time.Minute)
	for {
		data, _ := os.ReadFile(file + ".journal")
		if strings.Count(string(data), `"event":"send"`) >= 8 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the batch never got going: %s", c.errOut.String())
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGKILL))
	_ = c.exit(t)
	time.Sleep(300 * time.Millisecond) // a create in flight at the kill is done with (acted on or not) before the rerun looks
	killedAfter := srv.Creates()
	require.Less(t, killedAfter, n, "killed mid-batch")

	srv.SetFaults(fake.Faults{})
	for _, st := range srv.Statuses() { // no longer pending: only the journal and the keys find them
		srv.SetState(st.AccessRequestID, facade.StateRequestCompleted)
	}
	r := cli(t, "grant", "--from-csv", file, "--yes", "--settle", "0")
	rows := rowsFor(srv, facade.RequestTypeGrant)
	for k, count := range rows {
		assert.Equal(t, 1, count, "%s granted once", k)
	}
	unknown := 0
	if m := regexp.MustCompile(`unknown, check these: (\d+) pair`).FindStringSubmatch(r.out); m != nil {
		unknown, _ = strconv.Atoi(m[1])
	}
	assert.LessOrEqual(t, unknown, 1, "at most the create in flight at the kill: %s", r.out)
	assert.Equal(t, n, len(rows)+unknown, "every pair sent, or left to check: %s", r.out)
	if unknown == 0 {
		assert.Equal(t, exitOK, r.code, r.errOut)
	}
	t.Logf("killed after %d creates; the rerun: %s", killedAfter, strings.SplitN(r.out, "\n", 2)[0])
}
