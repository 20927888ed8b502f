package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
)

// grant and revoke refuse, before anything is sent, a request with no item and a revoke for more
// than one identity, each in its own words; --access-profile puts an access profile in the
// request, and --json prints the server's answer as JSON. Guards build's item check and its
// access profiles, the revoke's one-identity sentence, and the --json flag.
func TestSubmitFlagsEachDoWhatTheySay(t *testing.T) {
	srv := tenant(t)
	r := cli(t, "grant", "--for", "id-a", "--comment", "c")
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, "accessreq grant: name at least one item with --role, --access-profile or --entitlement\n", r.errOut)
	r = cli(t, "revoke", "--for", "id-a, id-b", "--role", "r", "--comment", "c")
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, "accessreq revoke: --for must name exactly one identity for a revoke, got \"id-a, id-b\"\n", r.errOut)
	assert.Zero(t, apiCalls(srv), "nothing was sent")

	r = cli(t, "grant", "--for", "id-a", "--access-profile", "ap-1", "--json")
	require.Equal(t, exitOK, r.code, r.errOut)
	var answer map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.out), &answer), "--json prints JSON: %s", r.out)
	assert.Contains(t, answer, "newRequests")
	require.Len(t, srv.Statuses(), 1)
	assert.Equal(t, "ACCESS_PROFILE", string(srv.Statuses()[0].Type))
	assert.Equal(t, "ap-1", srv.Statuses()[0].ID)
}

// status --assigned-to and --executing reach the listing's query. Guards their flags.
func TestStatusAssignedToAndExecutingAreSent(t *testing.T) {
	srv := tenant(t)
	r := cli(t, "status", "--assigned-to", "id-boss", "--executing")
	require.Equal(t, exitOK, r.code, r.errOut)
	var query url.Values
	for _, rec := range srv.Received() {
		if strings.HasSuffix(rec.Path, "/access-request-status") || strings.Contains(rec.Path, "access-request-status") {
			query, _ = url.ParseQuery(rec.Query)
		}
	}
	require.NotNil(t, query, "the listing was called")
	assert.Equal(t, "id-boss", query.Get("assigned-to"))
	assert.Equal(t, "EXECUTING", query.Get("request-state"))
}

// wait takes its ids from a CSV file too. Guards wait's --from-csv flag.
func TestWaitReadsIDsFromACSV(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(1, "id-alice", time.Now())
	srv.Script(ids[0], fake.Step{Outcome: fake.Complete})
	file := writeFile(t, "ids.csv", "accessRequestId\n"+ids[0]+"\n")
	r := cli(t, "wait", "--interval", "1ms", "--from-csv", file)
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, r.out, ids[0]+"  REQUEST_COMPLETED")
}
