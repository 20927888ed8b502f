package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// wait against the fake on both generations: each request's life is scripted.
// The exit codes are asserted as the numbers the help documents (3 and 4), so that a change
// of their constants is seen.
func TestWaitPrintsEachFinalStateAndExitsByHowTheyEnded(t *testing.T) {
	for _, api := range []string{"v1", "beta"} {
		t.Run(api, func(t *testing.T) {
			srv := tenant(t)
			t.Setenv(envAPI, api)
			ids := srv.SeedStatuses(3, "id-alice", time.Now())

			t.Run("every one completed: 0", func(t *testing.T) {
				srv.Script(ids[0], fake.Step{Polls: 2, Outcome: fake.Complete})
				srv.Script(ids[1], fake.Step{Outcome: fake.Complete})
				r := cliIn(t, ids[0]+"\n"+ids[1]+"\n", "wait", "--interval", "1ms", "-o", "json")
				require.Equal(t, exitOK, r.code, r.errOut)
				var got []facade.Status
				require.NoError(t, json.Unmarshal([]byte(r.out), &got), r.out)
				require.Len(t, got, 2)
				// Printed as they end: the second completed at once, the first two polls later.
				for i, id := range []string{ids[1], ids[0]} {
					assert.Equal(t, id, got[i].AccessRequestID)
					assert.Equal(t, facade.StateRequestCompleted, got[i].State)
				}
			})

			t.Run("one rejected: 3", func(t *testing.T) {
				srv.Script(ids[2], fake.Step{Polls: 1, Outcome: fake.Reject})
				r := cli(t, "wait", "--interval", "1ms", ids[0], ids[2])
				assert.Equal(t, 3, r.code, r.errOut)
				lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
				require.Len(t, lines, 3, r.out)
				assert.True(t, strings.HasPrefix(lines[1], ids[0]+"  REQUEST_COMPLETED"), lines[1])
				assert.True(t, strings.HasPrefix(lines[2], ids[2]+"  REJECTED"), lines[2])
				assert.Equal(t, "accessreq wait: 1 of 2 request(s) ended in a state other than REQUEST_COMPLETED\n", r.errOut)
			})

			t.Run("one still pending at --timeout: 4", func(t *testing.T) {
				more := srv.SeedStatuses(1, "id-bob", time.Now().Add(time.Hour))
				r := cli(t, "wait", "--interval", "1ms", "--timeout", "300ms", "-o", "ndjson", ids[0], more[0])
				assert.Equal(t, 4, r.code, r.errOut)
				assert.Equal(t, 1, strings.Count(r.out, "\n"), "the completed one is printed")
				assert.Contains(t, r.out, ids[0])
				assert.Equal(t, "not known to have ended (1):\n  "+more[0]+"\n"+
					"accessreq wait: --timeout 300ms passed before 1 of 2 request(s) ended\n", r.errOut)
			})

			t.Run("an id the server does not list: 1", func(t *testing.T) {
				r := cli(t, "wait", "--interval", "1ms", "no-such-request")
				assert.Equal(t, exitAPI, r.code)
				assert.Contains(t, r.errOut, "no-such-request: not found")
			})
		})
	}
}

// wait asks for many ids per listing where the listing takes "in" on the id (the beta's, the
// administrators' with --admin), and only for the requests not ended yet.
func TestWaitAsksForManyRequestsPerListing(t *testing.T) {
	for _, tc := range []struct {
		api   string
		admin bool
		calls int
	}{{"beta", false, 3}, {"v1", true, 3}, {"v1", false, 6}} {
		t.Run(fmt.Sprintf("%s admin %v", tc.api, tc.admin), func(t *testing.T) {
			srv := tenant(t)
			t.Setenv(envAPI, tc.api)
			ids := srv.SeedStatuses(3, "id-alice", time.Now())
			srv.Script(ids[0], fake.Step{Outcome: fake.Complete})
			srv.Script(ids[1], fake.Step{Polls: 1, Outcome: fake.Complete})
			srv.Script(ids[2], fake.Step{Polls: 2, Outcome: fake.Fail})
			args := []string{"wait", "--interval", "1ms", "-o", "csv", ids[0], ids[1], ids[2]}
			if tc.admin {
				args = append(args, "--admin")
			}
			r := cli(t, args...)
			assert.Equal(t, exitNotCompleted, r.code, r.errOut)
			assert.Equal(t, 4, strings.Count(r.out, "\n"), r.out) // a header and three rows
			gets := 0
			for _, rec := range srv.Received() {
				if rec.Method == http.MethodGet {
					gets++
				}
			}
			// beta and --admin: 3 ids, then 2, then 1 in one listing each; v1's user listing: 3+2+1.
			assert.Equal(t, tc.calls, gets)
		})
	}
}

func TestWaitRefusesBadFlagsBeforeSending(t *testing.T) {
	srv := tenant(t)
	for _, tc := range []struct{ args, want string }{
		{"--interval 0s", "--interval must be positive, got 0s"},
		{"--interval -1s", "--interval must be positive, got -1s"},
		{"--timeout -1m", "--timeout must not be negative, got -1m0s"},
		{"-o yaml", `--output must be table, json, ndjson or csv, got "yaml"`},
	} {
		r := cli(t, append(append([]string{"wait"}, strings.Fields(tc.args)...), "id-1")...)
		assert.Equal(t, exitUsage, r.code, tc.args)
		assert.Equal(t, "accessreq wait: "+tc.want+"\n", r.errOut)
	}
	assert.Zero(t, len(srv.Received()))
}
