package main

// Every failure the library counts as an unknown outcome (errors.Is(err,
// facade.ErrOutcomeUnknown): a 408, a gateway's 5xx after the tenant acted, an answer lost to a
// reset) is reported to the user as "check these", never as refused, in every command that
// writes: close and cancel (per id on the beta, in bulk on the successor), grant and revoke.

import (
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
)

// unknownFaults are answers after the tenant acted that leave the outcome unknown.
var unknownFaults = []struct {
	name  string
	fault fake.NextFault
}{
	{"408 after processing", fake.NextFault{Status: http.StatusRequestTimeout, AfterProcessing: true}},
	{"408 before processing", fake.NextFault{Status: http.StatusRequestTimeout}},
	{"502 after processing", fake.NextFault{Status: http.StatusBadGateway, AfterProcessing: true}},
	{"reset after processing", fake.NextFault{Reset: true}},
}

const checkThese = "outcome unknown: the call failed after it was sent and the server may have acted; check these before sending them again"

func TestAnUnknownOutcomeIsCheckTheseNeverRefused(t *testing.T) {
	paths := map[string]map[string]string{
		"close":  {"beta": "/access-requests/close", "v1": "/access-requests/v1/close"},
		"cancel": {"beta": "/access-requests/cancel", "v1": "/access-requests/v1/bulk-cancel"},
	}
	for _, api := range []string{"beta", "v1"} {
		for _, f := range unknownFaults {
			for _, command := range []string{"close", "cancel"} {
				t.Run(fmt.Sprintf("%s %s %s", api, command, f.name), func(t *testing.T) {
					srv := tenant(t)
					t.Setenv(envAPI, api)
					ids := srv.SeedStatuses(3, "id-alice", time.Now())
					fault := f.fault
					fault.Method, fault.Path = http.MethodPost, paths[command][api]
					srv.FailNext(fault)
					remaining := writeFile(t, "left.csv", "")
					args := []string{command, "--remaining", remaining}
					if command == "cancel" {
						args = append(args, "--comment", "not needed")
					}
					r := cli(t, append(args, ids...)...)
					assert.Equal(t, exitAPI, r.code, r.errOut)
					assert.Contains(t, r.out, checkThese, r.out)
					assert.NotContains(t, r.out, "refused", r.out)
					assert.Contains(t, readFile(t, remaining), ids[0]+",unknown\n")
				})
			}
		}
	}
}

func TestAGrantOrRevokeWithAnUnknownOutcomeSaysWhatToCheck(t *testing.T) {
	for _, api := range []string{"beta", "v1"} {
		for _, f := range unknownFaults {
			t.Run(api+" "+f.name, func(t *testing.T) {
				srv := tenant(t)
				t.Setenv(envAPI, api)
				path := map[string]string{"beta": "/access-requests", "v1": "/access-requests/v1"}[api]
				fault := f.fault
				fault.Method, fault.Path, fault.Times = http.MethodPost, path, 2
				srv.FailNext(fault)

				r := cli(t, "grant", "--for", "id-a,id-b", "--role", "role-1")
				assert.Equal(t, exitAPI, r.code, r.errOut)
				assert.Equal(t, "outcome unknown: the grant was sent and may have been acted on; check these before sending it again:\n"+
					"  accessreq status --for id-a\n  accessreq status --for id-b\n", r.out)
				assert.NotContains(t, r.out+r.errOut, "refused")

				r = cli(t, "revoke", "--for", "id-a", "--role", "role-1", "--comment", "left")
				assert.Equal(t, exitAPI, r.code, r.errOut)
				assert.Equal(t, "outcome unknown: the revoke was sent and may have been acted on; check these before sending it again:\n"+
					"  accessreq status --for id-a\n", r.out)
			})
		}
	}
}

// readFile returns a file's content, failing the test when it cannot be read.
func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}
