package facade_test

// The benchmarks' canned server runs in a process of its own (this test binary, started again
// with benchServerEnv set), so that the allocations and CPU a benchmark measures in this
// process are the client's alone.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/gen"
)

const benchServerEnv = "ACCESSREQ_BENCH_SERVER"

// idMark is the part of every id in the page template that the server replaces with the
// page's offset, so that every page holds different statuses.
const idMark = "OFFSET00"

// realisticStatus is one status as a tenant returns it for a role being granted: ids, names,
// dates, requester and requested-for, two phases, an approval and client metadata.
func realisticStatus(i int) facade.Status {
	id := fmt.Sprintf("2c9180835d2e5168%s%08d", idMark, i)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return facade.Status{
		ID: id, AccessRequestID: id, AccountActivityItemID: id, Name: "Engineering tools " + id[24:],
		Description: "Grants the engineering tools.", Created: at, Modified: at.Add(time.Minute),
		State: facade.StateExecuting, RequestType: facade.RequestTypeGrant, Type: facade.ItemTypeRole,
		Cancelable: true, PrivilegeLevel: "High",
		Requester:      gen.AccessItemRequester{ID: id, Name: "William Wilson", Type: gen.OwnerTypeIdentity},
		RequestedFor:   gen.AccessItemRequestedFor{ID: id, Name: "Jane Doe", Type: gen.OwnerTypeIdentity},
		ClientMetadata: map[string]string{"ticket": "CHG-" + id[24:]},
		AccessRequestPhases: []gen.AccessRequestPhases{
			{Name: "APPROVAL_PHASE", State: "COMPLETED", Result: "SUCCESSFUL", Started: at, Finished: at.Add(time.Second), PhaseReference: "approvalDetails"},
			{Name: "PROVISIONING_PHASE", State: "EXECUTING", Started: at.Add(time.Second), PhaseReference: "manualWorkItemDetails"},
		},
		ApprovalDetails: []gen.ApprovalStatus{{ApprovalID: id, Comment: "approved", Modified: at,
			CurrentOwner: gen.AccessItemReviewedBy{ID: id, Name: "Manager", Type: gen.OwnerTypeIdentity}}},
		ApprovalIDs: []string{id},
	}
}

// pageTemplate is a page of n realistic statuses, encoded once, with idMark in every id.
func pageTemplate(n int) []byte {
	page := make([]facade.Status, n)
	for i := range page {
		page[i] = realisticStatus(i)
	}
	b, err := json.Marshal(page)
	if err != nil {
		panic(err)
	}
	return b
}

// benchHandler answers the token endpoint and the three benchmarked operations with fixed
// bodies. Listing serves total statuses in pages of 250 (ids differ per page), then an empty
// page.
func benchHandler(total int) http.Handler {
	template := pageTemplate(facade.MaxPageSize)
	serve := func(status int, body []byte, headers ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			for i := 0; i+1 < len(headers); i += 2 {
				w.Header().Set(headers[i], headers[i+1])
			}
			w.WriteHeader(status)
			_, _ = w.Write(body)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", serve(200, []byte(`{"access_token":"bench-token-0123456789","token_type":"bearer","expires_in":3600}`)))
	mux.HandleFunc("GET /beta/access-request-config", serve(200, []byte(configJSON)))
	mux.HandleFunc("POST /beta/access-requests", serve(202, []byte(createdJSON)))
	mux.HandleFunc("GET /beta/access-request-status", func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		body := []byte("[]")
		if offset < total {
			body = bytes.ReplaceAll(template, []byte(idMark), fmt.Appendf(nil, "%08d", offset))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Total-Count", strconv.Itoa(total))
		_, _ = w.Write(body)
	})
	return mux
}

// TestBenchServerProcess is the canned server's process: it runs only when the benchmarks
// start it, prints its URL, and serves until its standard input closes.
func TestBenchServerProcess(t *testing.T) {
	if os.Getenv(benchServerEnv) == "" {
		t.Skip("the benchmarks' server process; runs only when they start it")
	}
	total, _ := strconv.Atoi(os.Getenv(benchServerEnv))
	srv := httptest.NewServer(benchHandler(total))
	fmt.Println(srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.Close()
	os.Exit(0)
}

// benchServer starts the canned server in its own process, serving total statuses, and
// returns its URL.
func benchServer(b *testing.B, total int) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchServerProcess$")
	cmd.Env = append(os.Environ(), benchServerEnv+"="+strconv.Itoa(total))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://") {
		b.Fatalf("bench server did not start: %q %v", line, err)
	}
	return strings.TrimSpace(line)
}
