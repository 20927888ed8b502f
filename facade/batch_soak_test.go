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
	kills, runs := 0, 0
	var last soakReport
	for runs = 1; runs <= 100; runs++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBatchSoakChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), soakEnv+"=1", "SOAK_CA="+ca, "SOAK_API="+string(api), "SOAK_URL="+srv.URL,
			"SOAK_ID="+srv.ClientID, "SOAK_SECRET="+srv.ClientSecret, "SOAK_JOURNAL="+filepath.Join(dir, "batch.journal"),
			"SOAK_IDENTITIES="+strconv.Itoa(identities))
		out := &bytes.Buffer{} // written by exec's copying goroutines, read after Wait
		cmd.Stdout, cmd.Stderr = out, out
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		start := srv.Count("POST", createPath, 0)
		killAt := start + 1 + rng.IntN(6)
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
				if srv.Count("POST", createPath, 0) >= killAt {
					require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
					err := <-done
					var exit *exec.ExitError
					if errors.As(err, &exit) {
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
			break
		}
	}
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
}
