package main

// Every failure the library counts as an unknown outcome (errors.Is(err,
// facade.ErrOutcomeUnknown): a 408, a gateway's 5xx after the tenant acted, an answer lost to a
// reset) is reported to the user as "check these", never as refused, in every command that
// writes: close and cancel (per id on the beta, in bulk on the successor), grant and revoke.

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
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
	for _, api := range []string{"beta", "v1"} {
		for _, f := range unknownFaults {
			for _, command := range []string{"close", "cancel"} {
				t.Run(fmt.Sprintf("%s %s %s", api, command, f.name), func(t *testing.T) {
					_, ids, _ := failCloseOrCancel(t, api, command, f.fault)
					remaining := writeFile(t, "left.csv", "")
					args := []string{command, "--settle", "0", "--remaining", remaining} // not read back: TestACloseOrCancelWhoseAnswerIsLostIsReadBack
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

// closeCancelPaths are where each command's call goes, by generation.
var closeCancelPaths = map[string]map[string]string{
	"close":  {"beta": "/access-requests/close", "v1": "/access-requests/v1/close"},
	"cancel": {"beta": "/access-requests/cancel", "v1": "/access-requests/v1/bulk-cancel"},
}

// failCloseOrCancel starts a tenant of the api's generation with 3 pending requests, whose next
// call of command meets fault.
func failCloseOrCancel(t *testing.T, api, command string, fault fake.NextFault) (*fake.Server, []string, fake.NextFault) {
	t.Helper()
	srv := tenant(t)
	t.Setenv(envAPI, api)
	ids := srv.SeedStatuses(3, "id-alice", time.Now())
	fault.Method, fault.Path = http.MethodPost, closeCancelPaths[command][api]
	srv.FailNext(fault)
	return srv, ids, fault
}

// A close or cancel whose answer is lost after the tenant acted is read back from the
// requests' states (the library's settling, on by default): the ids are counted done, with a
// line saying how, and nothing is sent again. One the tenant never acted on is unknown once
// --settle has passed.
func TestACloseOrCancelWhoseAnswerIsLostIsReadBack(t *testing.T) {
	for _, api := range []string{"beta", "v1"} {
		for _, f := range unknownFaults {
			for _, command := range []string{"close", "cancel"} {
				t.Run(fmt.Sprintf("%s %s %s", api, command, f.name), func(t *testing.T) {
					srv, ids, fault := failCloseOrCancel(t, api, command, f.fault)
					acted := fault.AfterProcessing || fault.Reset
					args := []string{command}
					if command == "cancel" {
						args = append(args, "--comment", "not needed")
					}
					if !acted {
						args = append(args, "--settle", "1500ms") // nothing will change: keep the wait short
					}
					r := cli(t, append(args, ids...)...)
					posts := srv.Count(http.MethodPost, fault.Path, 0)
					if !acted {
						assert.Equal(t, exitAPI, r.code, r.errOut)
						assert.Contains(t, r.out, checkThese)
						return
					}
					require.Equal(t, exitOK, r.code, r.out+r.errOut)
					past := map[string]string{"close": "closed", "cancel": "cancelled"}[command]
					assert.True(t, strings.HasPrefix(r.out, past+" 3 of 3 in "), r.out)
					calls := 1 // v1: one bulk call; beta close: one call; beta cancel: one per id
					if api == "beta" && command == "cancel" {
						calls = 3
					} else {
						assert.Contains(t, r.out, "3 of them in a call whose answer was lost: their states, read back, show it took effect (sent once)")
					}
					assert.Equal(t, calls, posts, "nothing sent again")
					for _, id := range ids {
						st, ok := srv.Status(id)
						require.True(t, ok)
						assert.True(t, facade.IsFinal(st.State), st.State)
					}
				})
			}
		}
	}
}

// --keep-going sends the ids after a refused call (the first, here); without it they are not
// sent.
func TestKeepGoingSendsPastAFailedCall(t *testing.T) {
	for _, api := range []string{"beta", "v1"} {
		t.Run(api, func(t *testing.T) {
			srv := tenant(t)
			t.Setenv(envAPI, api)
			ids := srv.SeedStatuses(1100, "id-alice", time.Now())
			srv.FailNext(fake.NextFault{Method: http.MethodPost, Path: closeCancelPaths["close"][api], Status: http.StatusBadRequest})
			r := cliIn(t, strings.Join(ids, "\n")+"\n", "close", "--yes", "--keep-going")
			assert.Equal(t, exitAPI, r.code)
			assert.True(t, strings.HasPrefix(r.out, "closed 600 of 1100 in 3 call(s)\nrefused by the server, not changed (500):\n  "+ids[0]+"\n"), r.out)
			assert.NotContains(t, r.out, "not sent")
			closed := 0
			for _, st := range srv.Statuses() {
				if facade.IsFinal(st.State) {
					closed++
				}
			}
			assert.Equal(t, 600, closed)
		})
	}
}

func TestAGrantOrRevokeWithAnUnknownOutcomeSaysWhatToCheck(t *testing.T) {
	for _, api := range []string{"beta", "v1"} {
		for _, f := range unknownFaults {
			t.Run(api+" "+f.name, func(t *testing.T) {
				failCreates(t, api, f.fault, 2)

				// --settle 0: the outcome is unknown as soon as the answer is lost.
				r := cli(t, "grant", "--settle", "0", "--for", "id-a,id-b", "--role", "role-1")
				assert.Equal(t, exitAPI, r.code, r.errOut)
				assert.Equal(t, "outcome unknown: the grant was sent and may have been acted on; check these before sending it again:\n"+
					"  accessreq status --for id-a\n  accessreq status --for id-b\n", r.out)
				assert.NotContains(t, r.out+r.errOut, "refused")

				r = cli(t, "revoke", "--settle=0", "--for", "id-a", "--role", "role-1", "--comment", "left")
				assert.Equal(t, exitAPI, r.code, r.errOut)
				assert.Equal(t, "outcome unknown: the revoke was sent and may have been acted on; check these before sending it again:\n"+
					"  accessreq status --for id-a\n", r.out)
			})
		}
	}
}

// createPath is where each generation takes a create.
var createPath = map[string]string{"beta": "/access-requests", "v1": "/access-requests/v1"}

// failCreates starts a tenant of the api's generation whose next times creates meet fault.
func failCreates(t *testing.T, api string, fault fake.NextFault, times int) (*fake.Server, fake.NextFault) {
	t.Helper()
	srv := tenant(t)
	t.Setenv(envAPI, api)
	fault.Method, fault.Path, fault.Times = http.MethodPost, createPath[api], times
	srv.FailNext(fault)
	return srv, fault
}

// A grant whose answer is lost after the tenant acted is looked up by the key it carried (the
// library's settling, on by default): the command prints the requests it created, as when the
// answer arrives, says on stderr that it was found by lookup, and sends nothing again. One the
// tenant never acted on ends unknown once --settle has passed.
func TestAGrantWhoseAnswerIsLostIsFoundByLookup(t *testing.T) {
	for _, api := range []string{"beta", "v1"} {
		for _, f := range unknownFaults {
			t.Run(api+" "+f.name, func(t *testing.T) {
				srv, fault := failCreates(t, api, f.fault, 1)

				acted := fault.AfterProcessing || fault.Reset
				args := []string{"grant", "--for", "id-a,id-b", "--role", "role-1"}
				if !acted {
					args = append(args, "--settle", "1500ms") // nothing will be found: keep the wait short
				}
				r := cli(t, args...)
				rows := srv.Statuses()
				if !acted {
					assert.Equal(t, exitAPI, r.code, r.errOut)
					assert.Empty(t, rows)
					assert.Contains(t, r.out, "outcome unknown: the grant was sent and may have been acted on; check these before sending it again:\n"+
						"  accessreq status --for id-a\n  accessreq status --for id-b\n")
					assert.Contains(t, r.errOut, "outcome unknown")
					return
				}
				require.Equal(t, exitOK, r.code, r.errOut)
				require.Len(t, rows, 2, "one request per identity: the grant was sent once")
				want := ""
				for _, row := range rows {
					want += fmt.Sprintf("new\tfor %s\t%s\n", row.RequestedFor.ID, row.AccessRequestID)
				}
				assert.ElementsMatch(t, strings.SplitAfter(want, "\n"), strings.SplitAfter(r.out, "\n"))
				assert.Contains(t, r.errOut, "the grant's answer was lost; its requests were found in the status listing (2 row(s)")
			})
		}
	}
}

// An item the tenant found already pending is not created again, so no row carries the lost
// create's key for it: the command names it as not seen, says what to check, and fails, while
// the items found are printed as created.
func TestAnItemNotSeenAfterALostAnswerIsCheckThese(t *testing.T) {
	for _, api := range []string{"beta", "v1"} {
		t.Run(api, func(t *testing.T) {
			srv := tenant(t)
			t.Setenv(envAPI, api)
			r := cli(t, "grant", "--for", "id-a", "--role", "role-1")
			require.Equal(t, exitOK, r.code, r.errOut)

			srv.FailNext(fake.NextFault{Method: http.MethodPost, Path: createPath[api], Status: http.StatusBadGateway, AfterProcessing: true})
			r = cli(t, "grant", "--settle", "2s", "--for", "id-a,id-b", "--role", "role-1")
			assert.Equal(t, exitAPI, r.code, r.errOut)
			require.Len(t, srv.Statuses(), 2, "id-a's request was pending: only id-b's was created")
			assert.Regexp(t, `^new\tfor id-b\t\S+\nnot seen\tfor id-a\trole-1\n`+
				`outcome unknown: the grant was sent and may have been acted on; check these before sending it again:\n  accessreq status --for id-a\n$`, r.out)
			assert.Contains(t, r.errOut, "grant: 1 item(s) not seen in the status listing within --settle")
		})
	}
}

func TestSettleRefusesANegativePeriodBeforeSending(t *testing.T) {
	srv := tenant(t)
	r := cli(t, "grant", "--settle", "-1s", "--for", "id-a", "--role", "role-1")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "--settle must be 0 (do not look) or a positive duration")
	assert.Empty(t, srv.Statuses())
}

// readFile returns a file's content, failing the test when it cannot be read.
func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// --skip-final reads the states first and sends only the requests not final; the beta's cancel,
// one id per call, refuses the flag rather than ignoring it.
func TestSkipFinalSendsOnlyWhatIsNotFinal(t *testing.T) {
	for _, api := range []string{"beta", "v1"} {
		for _, command := range []string{"close", "cancel"} {
			t.Run(api+" "+command, func(t *testing.T) {
				srv := tenant(t)
				t.Setenv(envAPI, api)
				ids := srv.SeedStatuses(3, "id-alice", time.Now())
				require.True(t, srv.SetState(ids[0], facade.StateRequestCompleted))
				args := []string{command, "--skip-final", ids[0], ids[1], ids[2]}
				if command == "cancel" {
					args = append(args, "--comment", "not needed")
				}
				r := cli(t, args...)
				if api == "beta" && command == "cancel" {
					assert.Equal(t, exitUsage, r.code)
					assert.Contains(t, r.errOut, "--skip-final works with cancel on v1 only")
					assert.Zero(t, srv.Count(http.MethodPost, closeCancelPaths[command][api], 0))
					return
				}
				require.Equal(t, exitOK, r.code, r.errOut)
				past := map[string]string{"close": "closed", "cancel": "cancelled"}[command]
				assert.Equal(t, past+" 2 of 3 in 1 call(s)\n1 already final, not sent (--skip-final)\n", r.out)
				st, _ := srv.Status(ids[0])
				assert.Equal(t, facade.StateRequestCompleted, st.State, "not closed again")
			})
		}
	}
}
