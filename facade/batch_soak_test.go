package facade_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// soakEnv names the environment of the batch soak's child process.
const soakEnv = "ACCESSREQ_BATCH_SOAK_CHILD"

// soakPairs is the soak's batch: identities in groups that ask for the same two entitlements,
// so that the batch is many creates of up to 10 identities each.
func soakPairs(identities, kinds int) []facade.BatchPair {
	var out []facade.BatchPair
	for i := range identities {
		id := fmt.Sprintf("2c9180835d191a86015d28455b4d%04d", i)
		for j := range 2 {
			out = append(out, facade.BatchPair{Identity: id, Type: facade.ItemTypeEntitlement, ItemID: fmt.Sprintf("ent-%02d-%d", i%kinds, j)})
		}
	}
	return out
}

// soakReport is what the child prints: its result's counts.
type soakReport struct {
	Calls, Sent, Skipped, Unknown, Refused, NotSent int
	Err                                             string
}

// TestBatchSoakChild is the soak's child: it runs one SubmitBatch with the journal the parent
// names, over TLS and HTTP/2, and prints its counts. It does nothing in a normal run.
func TestBatchSoakChild(t *testing.T) {
	if os.Getenv(soakEnv) == "" {
		t.Skip("the batch soak's child process; TestBatchSoakSurvivesSIGKILL runs it")
	}
	pem, err := os.ReadFile(os.Getenv("SOAK_CA"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections) // TestMain's leak check
	hc := &http.Client{Transport: tr}
	c, err := facade.New(facade.WithAPI(facade.API(os.Getenv("SOAK_API"))), facade.WithBaseURL(os.Getenv("SOAK_URL")),
		facade.WithClientCredentials(os.Getenv("SOAK_ID"), os.Getenv("SOAK_SECRET")), facade.WithHTTPClient(hc))
	require.NoError(t, err)
	if os.Getenv("SOAK_PHASE") == "bulk" {
		soakBulkChild(t, c)
		return
	}
	n, _ := strconv.Atoi(os.Getenv("SOAK_IDENTITIES"))
	res, err := c.SubmitBatch(context.Background(), facade.BatchParams{RequestType: facade.RequestTypeGrant,
		Pairs: soakPairs(n, 15), Journal: os.Getenv("SOAK_JOURNAL"), ResendUnsettled: true})
	r := soakReport{Calls: res.Calls, Sent: countSent(res), Skipped: len(res.Skipped), Unknown: len(res.Unknown), Refused: len(res.Refused), NotSent: len(res.NotSent)}
	if err != nil {
		r.Err = err.Error()
	}
	out, _ := json.Marshal(r)
	fmt.Println("SOAK " + string(out))
}

// soakBulkChild is the soak's second phase in the child: it cancels the ids of SOAK_CANCEL (on
// v1, with bulk cancel) and closes those of SOAK_CLOSE, soakBulkGroup ids per library call so
// that a run makes several calls to be killed between, each with SkipFinal (what an earlier
// run did is not sent again) and ContinueOnError, and prints the summed counts.
func soakBulkChild(t *testing.T, c *facade.Client) {
	ctx := context.Background()
	var r soakReport
	add := func(res *facade.BulkResult, err error) {
		if res == nil {
			require.NoError(t, err)
		}
		r.Calls += res.Calls
		r.Sent += len(res.Accepted) + len(res.Settled)
		r.Skipped += len(res.Skipped)
		r.Unknown += len(res.Unknown)
		r.Refused += len(res.Refused)
		r.NotSent += len(res.NotSent)
		if err != nil {
			r.Err = err.Error()
		}
	}
	for _, job := range []string{"SOAK_CANCEL", "SOAK_CLOSE"} {
		ids := strings.Fields(os.Getenv(job))
		for start := 0; start < len(ids); start += soakBulkGroup {
			group := ids[start:min(start+soakBulkGroup, len(ids))]
			if job == "SOAK_CANCEL" {
				add(c.CancelRequests(ctx, facade.CancelRequestsParams{IDs: group, Comment: "soak", SkipFinal: true, ContinueOnError: true}))
			} else {
				add(c.CloseRequests(ctx, facade.CloseRequestsParams{IDs: group, SkipFinal: true, ContinueOnError: true}))
			}
		}
	}
	out, _ := json.Marshal(r)
	fmt.Println("SOAK " + string(out))
}

// soakBulkGroup is how many ids the bulk phase's child gives one library call.
const soakBulkGroup = 30

// A batch of grants over TLS and HTTP/2 against a fake that answers a fifth of its creates with
// a gateway error or a reset after acting on them, run in a child process that is killed with
// SIGKILL at random points (after a random number of creates reached the tenant) and run again
// with the same journal until a run ends on its own. Then every pair has exactly one request on
// the tenant: none sent twice, none left out, none left unknown.
func TestBatchSoakSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns the test binary dozens of times")
	}
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, completes := range []bool{false, true} {
			t.Run(map[bool]string{false: "requests stay pending", true: "requests complete at once"}[completes], func(t *testing.T) {
				soakBatch(t, api, completes)
			})
		}
	})
}

// soakBatch is one soak: with completes, every request the tenant creates is completed at once,
// so that no pending request shows that a create was acted on: only its batch key can.
func soakBatch(t *testing.T, api facade.API, completes bool) {
	srv := fake.NewServer(fake.WithTLS(), fake.WithSeed(11))
	t.Cleanup(srv.Close)
	if completes {
		srv.ScriptNew(fake.Step{Outcome: fake.Complete})
	}
	createPath := "/access-requests/v1"
	if api == facade.APIBeta {
		createPath = "/beta/access-requests"
	}
	srv.SetFaults(fake.Faults{Methods: []string{"POST"}, GatewayErrorRatio: 0.1, DropAfterProcessingRatio: 0.05, ResetAfterProcessingRatio: 0.05})
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, srv.CertificatePEM(), 0o600))
	const identities = 300 // 15 item sets of 20 identities: 30 creates
	pairs := soakPairs(identities, 15)
	rng := rand.New(rand.NewPCG(11, uint64(len(api))))
	base := []string{soakEnv + "=1", "SOAK_CA=" + ca, "SOAK_API=" + string(api), "SOAK_URL=" + srv.URL,
		"SOAK_ID=" + srv.ClientID, "SOAK_SECRET=" + srv.ClientSecret}
	runs, kills, last := soakRuns(t, srv, rng, append(base, "SOAK_JOURNAL="+filepath.Join(dir, "batch.journal"),
		"SOAK_IDENTITIES="+strconv.Itoa(identities)), createPath)
	perPair := map[string]int{}
	for _, st := range srv.Statuses() {
		perPair[st.RequestedFor.ID+" "+st.ID]++
	}
	duplicates, leftOut := 0, 0
	for _, pr := range pairs {
		switch n := perPair[pr.Identity+" "+pr.ItemID]; {
		case n == 0:
			leftOut++
		case n > 1:
			duplicates += n - 1
		}
	}
	faults := map[string]int{}
	for _, r := range srv.Received() {
		if r.Method == "POST" && r.Path == createPath {
			faults[r.Fault]++
		}
	}
	t.Logf("%s, complete at once %v: %d pairs, %d runs (%d killed with SIGKILL), %d creates acted on by the tenant (answers lost: %d gateway errors, %d drops, %d resets), %d requests; duplicates %d, pairs left out %d, left unknown %d",
		api, completes, len(pairs), runs, kills, srv.Creates(), faults["gateway"], faults["drop"], faults["reset"], len(srv.Statuses()), duplicates, leftOut, last.Unknown)
	assert.Positive(t, faults["gateway"]+faults["drop"]+faults["reset"], "answers were lost after the tenant acted")
	assert.Zero(t, duplicates, "no pair sent twice")
	assert.Zero(t, leftOut, "no pair left out")
	assert.Zero(t, last.Unknown, "no outcome left unknown")
	assert.Greater(t, kills, 2, "the soak killed the batch more than twice")
	if !completes {
		soakBulk(t, srv, api, rng, base)
	}
}

// soakRuns runs the soak's child with env until a run ends on its own with nothing unknown or
// not sent, killing it with SIGKILL after a random number (1 to 6) of POSTs to paths reached
// the tenant since it started. It returns the runs, the kills and the last run's report.
func soakRuns(t *testing.T, srv *fake.Server, rng *rand.Rand, env []string, paths ...string) (runs, kills int, last soakReport) {
	posts := func() int {
		n := 0
		for _, p := range paths {
			n += srv.Count("POST", p, 0)
		}
		return n
	}
	for runs = 1; runs <= 100; runs++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBatchSoakChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), env...)
		out := &bytes.Buffer{} // written by exec's copying goroutines, read after Wait
		cmd.Stdout, cmd.Stderr = out, out
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		killAt := posts() + 1 + rng.IntN(6)
		killed := false
	wait:
		for {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run %d ended with %v:\n%s", runs, err, out.String())
				}
				break wait
			case <-time.After(time.Millisecond):
				if posts() >= killAt {
					// The run may end on its own between the count and the signal: then it
					// was not killed, and its end is read as any other run's.
					sent := cmd.Process.Signal(syscall.SIGKILL)
					if !errors.Is(sent, os.ErrProcessDone) {
						require.NoError(t, sent)
					}
					err := <-done
					if sent != nil && err != nil {
						t.Fatalf("run %d ended with %v:\n%s", runs, err, out.String())
					}
					var exit *exec.ExitError
					if sent == nil && errors.As(err, &exit) {
						killed = true
						kills++
					}
					break wait
				}
			}
		}
		if killed {
			continue
		}
		line := ""
		for _, l := range strings.Split(out.String(), "\n") {
			if rest, ok := strings.CutPrefix(l, "SOAK "); ok {
				line = rest
			}
		}
		require.NotEmpty(t, line, "run %d printed no report:\n%s", runs, out.String())
		require.NoError(t, json.Unmarshal([]byte(line), &last))
		if last.Unknown == 0 && last.NotSent == 0 && last.Err == "" {
			return runs, kills, last
		}
	}
	t.Fatalf("no run ended with every id settled in %d runs; the last: %+v", runs-1, last)
	return
}

// soakBulk is the soak's second phase: the requests the batch created are cancelled (a half of
// them, on v1, with bulk cancel; the beta has no bulk cancel) and closed (the rest), through
// SkipFinal runs killed with SIGKILL and run again, under the same faults. Then every request
// is in the state asked for, and no id was in two calls the tenant acted on.
func soakBulk(t *testing.T, srv *fake.Server, api facade.API, rng *rand.Rand, base []string) {
	seen := map[string]bool{}
	var ids []string
	for _, st := range srv.Statuses() {
		if !seen[st.AccessRequestID] {
			seen[st.AccessRequestID] = true
			ids = append(ids, st.AccessRequestID)
		}
	}
	cancelIDs, closeIDs := ids[:len(ids)/2], ids[len(ids)/2:]
	if api == facade.APIBeta {
		cancelIDs, closeIDs = nil, ids
	}
	paths := map[facade.API][]string{facade.APIBeta: {"/beta/access-requests/close"},
		facade.APIV1: {"/access-requests/v1/bulk-cancel", "/access-requests/v1/close"}}[api]
	runs, kills, last := soakRuns(t, srv, rng, append(base, "SOAK_PHASE=bulk",
		"SOAK_CANCEL="+strings.Join(cancelIDs, " "), "SOAK_CLOSE="+strings.Join(closeIDs, " ")), paths...)

	acted := map[string]int{} // calls the tenant acted on, per id
	faults := map[string]int{}
	calls := 0
	for _, r := range srv.Received() {
		if r.Method != "POST" || !slices.Contains(paths, r.Path) {
			continue
		}
		calls++
		faults[r.Fault]++
		if r.Status != http.StatusAccepted {
			continue // refused, or answered before the tenant acted
		}
		var body struct{ AccessRequestIDs []string }
		require.NoError(t, json.Unmarshal(r.Body, &body))
		for _, id := range body.AccessRequestIDs {
			acted[id]++
		}
	}
	duplicates, wrong := 0, 0
	for _, id := range ids {
		duplicates += max(0, acted[id]-1)
		st, _ := srv.Status(id)
		switch {
		case slices.Contains(cancelIDs, id) && st.State != facade.StateCancelled,
			slices.Contains(closeIDs, id) && !facade.IsFinal(st.State):
			wrong++
		}
	}
	t.Logf("%s bulk: %d cancels and %d closes, %d runs (%d killed with SIGKILL), %d calls (answers lost after acting: %d gateway errors, %d drops, %d resets); ids in two acted-on calls %d, not in the state asked %d, left unknown %d",
		api, len(cancelIDs), len(closeIDs), runs, kills, calls, faults["gateway"], faults["drop"], faults["reset"], duplicates, wrong, last.Unknown)
	assert.Positive(t, faults["gateway"]+faults["drop"]+faults["reset"], "answers were lost after the tenant acted")
	assert.Zero(t, duplicates, "no id acted on twice")
	assert.Zero(t, wrong, "every request in the state asked")
	assert.Zero(t, last.Unknown, "no outcome left unknown")
	assert.Positive(t, kills, "the bulk phase was killed")
}
