package facade_test

// What differs between the two API generations, and what the client does about it: the
// successor-only operations and their refusal on a beta client, the beta's configuration on a
// v1 client, bulk cancel, the administrators' listing and its experimental header, account
// selections, configuration v2, machine identities and forms, the successor's status fields,
// and the deprecation report. Every server here is env's, behind the contract harness, which
// validates both generations' traffic in both directions.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// postsOf are the POST operations of generation api: its writes (writesOf) and, on the
// successor, the account selections, which change nothing but go as a POST all the same. Each
// has the path env.handle takes.
func postsOf(api facade.API) []write {
	out := writesOf(api)
	if api == facade.APIV1 {
		out = append(slices.Clip(out), write{"account selections", "/access-requests/v1/accounts-selection", func(ctx context.Context, c *facade.Client, _ string) error {
			_, err := c.LoadAccountSelections(ctx, grantRequest())
			return err
		}})
	}
	return out
}

// TestAWriteResetOverHTTP2IsSentOnceOnEitherGeneration: every POST of each generation, reset
// by an HTTP/2 server after it has the whole request (it may have acted), goes on the wire once
// and ends in ErrOutcomeUnknown, account selections included. (The fake's PROTOCOL_ERROR
// reset, which net/http's HTTP/2 transport answers by sending a request again when it can rewind
// the body, is TestAWriteResetAfterProcessingIsSentOnceAndReportedUnknown, on both.)
func TestAWriteResetOverHTTP2IsSentOnceOnEitherGeneration(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, w := range postsOf(api) {
			t.Run(w.name, func(t *testing.T) {
				t.Parallel()
				e := newTLSEnvFor(t, api).lax()
				var seen atomic.Int64
				var proto atomic.Value
				e.handle("POST "+w.path, func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.Copy(io.Discard, r.Body)
					seen.Add(1)
					proto.Store(r.Proto)
					panic(http.ErrAbortHandler) // the stream is reset after the server had it all
				})
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				err := w.call(ctx, e.client(soakPolicy), "ar-1")
				require.ErrorIs(t, noteErr(err), facade.ErrOutcomeUnknown)
				assert.EqualValues(t, 1, seen.Load(), "the POST went on the wire once")
				assert.Equal(t, "HTTP/2.0", proto.Load())
			})
		}
	})
}

// TestRedirectsAreNeverFollowedOnEitherGeneration: no operation of either generation follows a
// redirect; the error names where the server pointed, and for a write says the outcome is
// unknown.
func TestRedirectsAreNeverFollowedOnEitherGeneration(t *testing.T) {
	t.Parallel()
	var trapped atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { trapped.Add(1) }))
	defer trap.Close()
	location := trap.URL + "/collect"
	forEachAPI(t, func(t *testing.T, api facade.API) {
		type op struct {
			name, pattern string
			call          func(*facade.Client) error
			write         bool
		}
		ops := []op{{"listing", "GET /access-request-status", func(c *facade.Client) error {
			_, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
			return err
		}, false}, {"configuration", "GET /access-request-config", func(c *facade.Client) error {
			return getConfig(context.Background(), c)
		}, false}}
		for _, w := range postsOf(api) {
			ops = append(ops, op{w.name, "POST " + w.path, func(c *facade.Client) error { return w.call(context.Background(), c, "ar-1") }, true})
		}
		if api == facade.APIV1 {
			ops = append(ops, op{"administrators' listing", "GET /access-request-administration/v1", func(c *facade.Client) error {
				_, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{Admin: true}, 0)
				return err
			}, false})
		}
		for _, o := range ops {
			for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
				t.Run(fmt.Sprintf("%s %d", o.name, status), func(t *testing.T) {
					t.Parallel()
					e := newEnvFor(t, api).lax()
					e.handle(o.pattern, reply(status, `{}`, "Location", location))
					err := noteErr(o.call(e.client(facade.WithoutRetries())))
					var re *facade.RedirectError
					require.ErrorAs(t, err, &re)
					assert.Equal(t, location, re.Location)
					assert.Equal(t, o.write, errors.Is(err, facade.ErrOutcomeUnknown))
				})
			}
		}
	})
	assert.Zero(t, trapped.Load(), "nothing reached the redirect target")
}

// TestSuccessorOnlyOperationsAreRefusedOnABetaClient: each operation only the successor has,
// called on a beta client, ends in an error matching ErrNotInAPI and ErrInvalidInput, naming
// the method and what to use instead, before a token is even fetched.
func TestSuccessorOnlyOperationsAreRefusedOnABetaClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnvFor(t, facade.APIBeta)
	c := e.client()
	first := func(seq func(func(facade.Status, error) bool)) error {
		var err error
		seq(func(_ facade.Status, e error) bool { err = e; return false })
		return err
	}
	calls := map[string]func() error{
		"CancelRequests": func() error {
			_, err := c.CancelRequests(ctx, facade.CancelRequestsParams{IDs: []string{"ar-1"}, Comment: "x"})
			return err
		},
		"LoadAccountSelections": func() error { _, err := c.LoadAccountSelections(ctx, grantRequest()); return err },
		"GetConfigV2":           func() error { _, err := c.GetConfigV2(ctx); return err },
		"SetConfigV2":           func() error { _, err := c.SetConfigV2(ctx, facade.ConfigV2{}); return err },
		"UpdateConfigV2": func() error {
			_, err := c.UpdateConfigV2(ctx, func(*facade.ConfigV2) error { return nil })
			return err
		},
		"PatchConfigV2": func() error {
			_, _, err := c.PatchConfigV2(ctx, facade.ConfigPatch{JSON: []byte(`{"reauthorizationEnabled":true}`)}, nil)
			return err
		},
		"ListStatusPage": func() error {
			_, err := c.ListStatusPage(ctx, facade.ListStatusParams{Admin: true}, 0)
			return err
		},
		"ListStatusPages": func() error {
			for _, err := range c.ListStatusPages(ctx, facade.ListStatusParams{Admin: true}) {
				return err
			}
			return nil
		},
		"ListStatus (ListStatusPages)": func() error { return first(c.ListStatus(ctx, facade.ListStatusParams{Admin: true})) },
	}
	for name, call := range calls {
		err := noteErr(call())
		require.ErrorIs(t, err, facade.ErrNotInAPI, name)
		assert.ErrorIs(t, err, facade.ErrInvalidInput, name)
		var nie *facade.NotInAPIError
		require.ErrorAs(t, err, &nie, name)
		assert.Equal(t, facade.APIBeta, nie.API)
		method, _, _ := strings.Cut(name, " ")
		if method == "ListStatus" {
			method = "ListStatusPages"
		}
		assert.Equal(t, method, nie.Method)
		assert.Contains(t, err.Error(), "is not in the beta API generation, and nothing was sent")
		assert.Contains(t, err.Error(), "WithAPI(APIV1)", "it says how to reach the operation")
	}
	assert.Zero(t, e.calls.Load(), "nothing was sent")
	assert.Zero(t, e.tokens.Load(), "not even a token was fetched")
}

// TestTheBetasConfigurationIsRefusedOnAV1Client: the beta's configuration operations (deprecated
// since 2026-02-26, in a shape the successor does not have) are not sent by a v1 client: the
// error names the V2 method to use, or WithAPI(APIBeta) for the beta's.
func TestTheBetasConfigurationIsRefusedOnAV1Client(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnvFor(t, facade.APIV1)
	c := e.client()
	for name, call := range map[string]func() error{
		"GetConfig": func() error { _, err := c.GetConfig(ctx); return err },
		"SetConfig": func() error { _, err := c.SetConfig(ctx, facade.Config{}); return err },
		"UpdateConfig": func() error {
			_, err := c.UpdateConfig(ctx, func(*facade.Config) error { return nil })
			return err
		},
		"PatchConfig": func() error {
			_, _, err := c.PatchConfig(ctx, facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":true}`)}, nil)
			return err
		},
	} {
		err := noteErr(call())
		require.ErrorIs(t, err, facade.ErrNotInAPI, name)
		assert.ErrorIs(t, err, facade.ErrInvalidInput, name)
		assert.Contains(t, err.Error(), name+" is not in the v1 API generation, and nothing was sent")
		assert.Contains(t, err.Error(), "ConfigV2")
		assert.Contains(t, err.Error(), "WithAPI(APIBeta)")
	}
	assert.Zero(t, e.calls.Load())
	assert.Zero(t, e.tokens.Load())
}

// TestCancelRequestsChunksTo50AndAccountsForEveryID: bulk cancel sends at most 50 ids a call (the
// harness holds each body to the spec's maxItems), in order, and its result puts every id in
// exactly one of Accepted, Unknown, Refused and NotSent, by what became of its call.
func TestCancelRequestsChunksTo50AndAccountsForEveryID(t *testing.T) {
	t.Parallel()
	ids := make([]string, 120)
	for i := range ids {
		ids[i] = fmt.Sprintf("ar-%03d", i)
	}
	for _, tc := range []struct {
		name                               string
		second                             http.HandlerFunc // the answer to the second call
		lax                                bool
		accepted, unknown, refused, unsent int
		calls                              int
		err                                error
	}{
		{name: "every call accepted", second: reply(202, `{}`), accepted: 120, calls: 3},
		{name: "the second call refused", second: reply(400, errorJSON), accepted: 50, refused: 50, unsent: 20, calls: 2, err: facade.ErrBadRequest},
		{name: "the second call answered 502", second: reply(502, errorJSON), lax: true, accepted: 50, unknown: 50, unsent: 20, calls: 2, err: facade.ErrOutcomeUnknown},
		{name: "the second call's connection dropped after sending", second: dropAfterRead, lax: true, accepted: 50, unknown: 50, unsent: 20, calls: 2, err: facade.ErrOutcomeUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnvFor(t, facade.APIV1)
			if tc.lax {
				e.lax()
			}
			var mu sync.Mutex
			var chunks [][]string
			answers := sequence(reply(202, `{}`), tc.second, reply(202, `{}`))
			e.handle("POST /access-requests/v1/bulk-cancel", func(w http.ResponseWriter, r *http.Request) {
				var body struct {
					AccessRequestIDs []string `json:"accessRequestIds"`
					Comment          string   `json:"comment"`
				}
				data, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(strings.NewReader(string(data)))
				require.NoError(t, json.Unmarshal(data, &body))
				assert.Equal(t, "tidy up", body.Comment)
				mu.Lock()
				chunks = append(chunks, body.AccessRequestIDs)
				mu.Unlock()
				answers(w, r)
			})
			var progress []int
			res, err := e.client(facade.WithRetryPolicy(facade.RetryPolicy{MaxAttempts: 1})).CancelRequests(context.Background(),
				facade.CancelRequestsParams{IDs: ids, Comment: "tidy up", Progress: func(n, total int) {
					assert.Equal(t, len(ids), total)
					progress = append(progress, n)
				}})
			if tc.err == nil {
				require.NoError(t, noteErr(err))
			} else {
				require.ErrorIs(t, noteErr(err), tc.err)
				assert.Equal(t, err, res.Err)
			}
			assert.Len(t, res.Accepted, tc.accepted)
			assert.Len(t, res.Unknown, tc.unknown)
			assert.Len(t, res.Refused, tc.refused)
			assert.Len(t, res.NotSent, tc.unsent)
			assert.Equal(t, tc.calls, res.Calls)
			all := slices.Concat(res.Accepted, res.NotAccepted())
			slices.Sort(all)
			assert.Equal(t, ids, all, "every id in exactly one list")
			assert.Equal(t, ids[:tc.accepted], res.Accepted, "in order")
			mu.Lock() // the server's goroutines wrote it
			defer mu.Unlock()
			for i, chunk := range chunks {
				assert.Equal(t, ids[50*i:min(50*i+50, len(ids))], chunk, "call %d", i+1)
			}
			assert.Equal(t, []int{50, 100, 120}[:tc.accepted/50+min(1, tc.accepted%50)], progress)
		})
	}

	t.Run("refused before sending", func(t *testing.T) {
		t.Parallel()
		e := newEnvFor(t, facade.APIV1)
		c := e.client()
		for name, tc := range map[string]struct {
			p    facade.CancelRequestsParams
			want string // the field and the rule
		}{
			"no ids":     {facade.CancelRequestsParams{Comment: "x"}, "accessRequestIds must name at least one request"},
			"an empty":   {facade.CancelRequestsParams{IDs: []string{"a", " "}, Comment: "x"}, "accessRequestIds[1] is empty"},
			"a repeat":   {facade.CancelRequestsParams{IDs: []string{"a", "b", "a"}, Comment: "x"}, "accessRequestIds[2] repeats accessRequestIds[0] (a)"},
			"no comment": {facade.CancelRequestsParams{IDs: []string{"a"}, Comment: " "}, "comment is required"},
		} {
			_, err := c.CancelRequests(context.Background(), tc.p)
			var ve *facade.ValidationError
			require.ErrorAs(t, noteErr(err), &ve, name)
			assert.Equal(t, "cancelAccessRequestInBulkV1", ve.Operation)
			assert.Contains(t, err.Error(), tc.want, name)
		}
		assert.Zero(t, e.calls.Load())
	})
	t.Run("a context ended before a call leaves every id unsent", func(t *testing.T) {
		t.Parallel()
		e := newEnvFor(t, facade.APIV1)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res, err := e.client().CancelRequests(ctx, facade.CancelRequestsParams{IDs: ids, Comment: "x"})
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, ids, res.NotSent)
		assert.Empty(t, res.Refused)
		assert.Zero(t, e.calls.Load())
	})
}

// TestTheAdministratorsListingSendsTheExperimentalHeader: the administrators' listing goes to
// its own path with X-SailPoint-Experimental: true, which the vendor requires (the server here
// refuses without it, as the vendor does; the harness checks it too), pages to its end like any
// listing, and filters and sorts on what only it takes.
func TestTheAdministratorsListingSendsTheExperimentalHeader(t *testing.T) {
	t.Parallel()
	e := newEnvFor(t, facade.APIV1)
	var queries []string
	e.handle("GET /access-request-administration/v1", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-SailPoint-Experimental") != "true" {
			reply(400, `{"detailCode":"400.0 Bad Request","messages":[{"text":"This API is experimental; set X-SailPoint-Experimental: true"}]}`)(w, r)
			return
		}
		queries = append(queries, r.URL.RawQuery)
		if r.URL.Query().Get("offset") == "0" {
			reply(200, `[`+statusJSON("ar-1", "aai-1")+`,`+statusJSON("ar-2", "aai-2")+`]`)(w, r)
			return
		}
		reply(200, `[`+statusJSON("ar-3", "aai-3")+`]`)(w, r)
	})
	got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{Admin: true, PageSize: 2,
		Filters: []facade.Condition{facade.AdminStatus().In("PENDING", "EXECUTING"), facade.AccessRequestID().In("ar-1", "ar-2", "ar-3")},
		Sorters: []facade.SortKey{facade.Desc(facade.SortAccessRequestID)}}, 0)
	require.NoError(t, noteErr(err))
	require.Len(t, got, 3)
	assert.Equal(t, "ar-3", got[2].AccessRequestID)
	require.Len(t, queries, 2)
	assert.Contains(t, queries[0], "filters=status+in+%28%22PENDING%22%2C%22EXECUTING%22%29+and+accessRequestId+in+")
	assert.Contains(t, queries[0], "sorters=-accessRequestId")

	_, err = e.client().ListStatusPage(context.Background(), facade.ListStatusParams{Sorters: []facade.SortKey{facade.Asc(facade.SortAccessRequestID)}}, 0)
	require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput, "the user listing does not sort on the request's id")
	assert.Len(t, queries, 2)
}

// statusJSON is a status row with the fields every listing sends.
func statusJSON(accessRequestID, itemID string) string {
	return fmt.Sprintf(`{"id":"item-%s","name":"Role","type":"ROLE","state":"EXECUTING","accessRequestId":%q,"accountActivityItemId":%q,"created":"2026-01-02T03:04:05.000Z"}`,
		itemID, accessRequestID, itemID)
}

// TestAV1ClientFiltersAsTheSuccessorAccepts: the successor's user listing has no "in" on the
// request's id, so a v1 client refuses one before anything is sent (naming what the field
// takes), while the administrators' listing takes it; Wait polls with "eq", the lookup both
// generations accept, at one request per poll on either.
func TestAV1ClientFiltersAsTheSuccessorAccepts(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		var filters []string
		e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
			filters = append(filters, r.URL.Query().Get("filters"))
			reply(200, `[`+strings.Replace(statusJSON("ar-1", "aai-1"), "EXECUTING", "REQUEST_COMPLETED", 1)+`]`)(w, r)
		})
		c := e.client()
		_, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{
			Filters: []facade.Condition{facade.AccessRequestID().In("ar-1", "ar-2")}}, 0)
		if api == facade.APIV1 {
			require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
			assert.Contains(t, err.Error(), `operator "in" is not supported by listAccessRequestStatusV1 (supported: eq, ge, gt, le, lt, ne, sw)`)
			assert.Empty(t, filters, "nothing was sent")
		} else {
			require.NoError(t, noteErr(err))
			assert.Equal(t, []string{`accessRequestId in ("ar-1","ar-2")`}, filters)
		}
		filters = nil
		st, err := c.Wait(context.Background(), "ar-1", facade.WaitParams{})
		require.NoError(t, noteErr(err))
		assert.Equal(t, facade.StateRequestCompleted, st.State)
		assert.Equal(t, []string{`accessRequestId eq "ar-1"`}, filters, "one request, with eq")
	})
}

// TestLoadAccountSelections: the experimental header goes with the request, a machine's grant
// may ask before it has chosen an account, a request with more than 25 flat items is refused
// before it is sent (one with 25 is sent), and the answer is read into AccountChoices.
func TestLoadAccountSelections(t *testing.T) {
	t.Parallel()
	e := newEnvFor(t, facade.APIV1)
	var sent facade.AccessRequest
	e.handle("POST /access-requests/v1/accounts-selection", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "true", r.Header.Get("X-SailPoint-Experimental"))
		data, _ := io.ReadAll(r.Body)
		require.NoError(t, json.Unmarshal(data, &sent))
		reply(200, `{"identities":[{"id":"m-1","type":"IDENTITY","name":"build-bot","accountsSelectionRequired":true,
			"requestedItems":[{"id":"ent-1","type":"ENTITLEMENT","name":"deployers","accountsSelectionBlocked":false,
			"sources":[{"id":"src-1","type":"SOURCE","name":"AD","accounts":[{"uuid":"{u-1}","nativeIdentity":"CN=bot","id":"acc-1","type":"ACCOUNT","name":"bot"}]}]}]}]}`)(w, r)
	})
	c := e.client()
	_, err := facade.NewGrant().ForMachine("m-1", facade.Item(facade.ItemTypeEntitlement, "ent-1")).Build()
	require.Error(t, err, "Create needs the account chosen")
	assert.Contains(t, err.Error(), "requestedForWithRequestedItems[0].requestedItems[0].accountSelection is required for a machine identity's GRANT_ACCESS")
	req := facade.AccessRequest{RequestType: facade.RequestTypeGrant, RequestedForWithRequestedItems: []facade.IdentityRequest{{
		IdentityID: "m-1", IdentityType: facade.IdentityTypeMachine,
		RequestedItems: []facade.IdentityItem{{Type: facade.ItemTypeEntitlement, ID: "ent-1"}}}}}
	choices, err := c.LoadAccountSelections(context.Background(), req)
	require.NoError(t, noteErr(err))
	assert.Equal(t, facade.IdentityTypeMachine, sent.RequestedForWithRequestedItems[0].IdentityType)
	require.Len(t, choices.Identities, 1)
	id := choices.Identities[0]
	assert.True(t, id.AccountsSelectionRequired)
	assert.Equal(t, "CN=bot", id.RequestedItems[0].Sources[0].Accounts[0].NativeIdentity)

	// Choosing from the answer makes the grant Create sends.
	src := id.RequestedItems[0].Sources[0]
	grant, err := facade.NewGrant().ForMachine("m-1", facade.Item(facade.ItemTypeEntitlement, "ent-1",
		facade.Accounts(src.ID, facade.Account(src.Accounts[0].NativeIdentity, src.Accounts[0].UUID)))).Build()
	require.NoError(t, err)
	assert.Equal(t, "src-1", grant.RequestedForWithRequestedItems[0].RequestedItems[0].AccountSelection[0].SourceID)

	many := facade.NewGrant().For("id-1")
	for i := range facade.MaxAccountSelectionItems + 1 {
		many.Role(fmt.Sprintf("role-%d", i))
	}
	big, err := many.Build()
	require.NoError(t, err)
	calls := e.calls.Load()
	_, err = c.LoadAccountSelections(context.Background(), big)
	require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
	assert.Contains(t, err.Error(), "requestedItems has 26 items; at most 25")
	assert.Equal(t, calls, e.calls.Load())

	// Exactly MaxAccountSelectionItems is allowed (accounts.go's `n > MaxAccountSelectionItems`).
	most := facade.NewGrant().For("id-1")
	for i := range facade.MaxAccountSelectionItems {
		most.Role(fmt.Sprintf("role-%d", i))
	}
	full, err := most.Build()
	require.NoError(t, err)
	_, err = c.LoadAccountSelections(context.Background(), full)
	require.NoError(t, noteErr(err))
	assert.Equal(t, calls+1, e.calls.Load())
}

// TestConfigV2KeepsUnknownSettingsByteForByte: a read-modify-write of the successor's
// configuration changes what the caller changed and writes back, byte for byte, the settings
// the spec does not know, at any depth (in a list's entries too) and a known setting of another
// shape, which is reported as a Warning.
func TestConfigV2KeepsUnknownSettingsByteForByte(t *testing.T) {
	t.Parallel()
	e := newEnvFor(t, facade.APIV1).lax() // the settings the spec lacks are undeclared on purpose
	const stored = `{"approvalsMustBeExternal":false,"reauthorizationEnabled":false,"govGroupVisibilityEnabled":false,
"futureTopLevel":{"b":[1,2.50,"x"],"a":null},
"requestOnBehalfOfConfig":{"allowRequestOnBehalfOfAnyoneByAnyone":false,"allowRequestOnBehalfOfEmployeeByManager":true,"futureNested":"keep me"},
"entitlementRequestConfig":{"accessRequestConfig":{"approvalSchemes":[{"approverType":7,"futureInScheme":{"level":2}}],
"requestCommentRequired":"yes","requireEndDate":true}}}`
	var put []byte
	e.handle("GET /access-request-config", reply(200, stored))
	e.handle("PUT /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		put, _ = io.ReadAll(r.Body)
		reply(200, string(put))(w, r)
	})
	var warnings []facade.Warning
	c := e.client(facade.WithWarningHandler(func(w facade.Warning) { warnings = append(warnings, w) }))
	_, err := c.UpdateConfigV2(context.Background(), func(cfg *facade.ConfigV2) error {
		cfg.ReauthorizationEnabled = true
		schemes := *cfg.EntitlementRequestConfig.AccessRequestConfig.ApprovalSchemes
		schemes[0].ApproverType = facade.EntitlementApproverTypeManager // in place of the value of another shape
		return nil
	})
	require.NoError(t, noteErr(err))
	var got map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(put, &got))
	assert.JSONEq(t, `true`, string(got["reauthorizationEnabled"]))
	assert.Equal(t, `{"b":[1,2.50,"x"],"a":null}`, string(got["futureTopLevel"]), "byte for byte")
	assert.Contains(t, string(put), `"futureNested":"keep me"`)
	assert.Contains(t, string(put), `"futureInScheme":{"level":2}`, "in a list's entry too")
	assert.Contains(t, string(put), `"requestCommentRequired":"yes"`, "a known setting of another shape goes back as it came")
	assert.Contains(t, string(put), `"approverType":"MANAGER"`, "a value set aside in a list's entry gives way to the caller's")
	assert.NotContains(t, string(put), `"approverType":7`)
	var paths []string
	for _, w := range warnings {
		assert.Equal(t, facade.WarningShape, w.Kind)
		paths = append(paths, w.Operation+" "+w.Path)
	}
	assert.Equal(t, []string{"getAccessRequestConfigV2 entitlementRequestConfig.accessRequestConfig.approvalSchemes[0].approverType",
		"getAccessRequestConfigV2 entitlementRequestConfig.accessRequestConfig.requestCommentRequired",
		"setAccessRequestConfigV2 entitlementRequestConfig.accessRequestConfig.requestCommentRequired"}, paths,
		"what was read in another shape, and what the server stored so")
}

// TestPatchConfigV2ChangesOnlyWhatItNames: ConfigPatch on the successor's configuration reads,
// applies, shows the changes and writes only a change; a setting neither the spec nor the
// tenant knows is refused with the closest known one; the settings listed are ConfigV2's.
func TestPatchConfigV2ChangesOnlyWhatItNames(t *testing.T) {
	t.Parallel()
	e := newEnvFor(t, facade.APIV1)
	var puts atomic.Int64
	var put []byte
	e.handle("GET /access-request-config", reply(200, configV2JSON))
	e.handle("PUT /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		puts.Add(1)
		put, _ = io.ReadAll(r.Body)
		reply(200, string(put))(w, r)
	})
	c := e.client()
	var seen []facade.ConfigChange
	got, changes, err := c.PatchConfigV2(context.Background(), facade.ConfigPatch{JSON: []byte(
		`{"govGroupVisibilityEnabled":true,"entitlementRequestConfig":{"accessRequestConfig":{"maxPermittedAccessDuration":{"value":7}}}}`)},
		func(ch []facade.ConfigChange) error { seen = ch; return nil })
	require.NoError(t, noteErr(err))
	assert.Equal(t, seen, changes)
	assert.Equal(t, []facade.ConfigChange{
		{Path: "entitlementRequestConfig.accessRequestConfig.maxPermittedAccessDuration.value", Before: json.RawMessage(`5`), After: json.RawMessage(`7`)},
		{Path: "govGroupVisibilityEnabled", Before: json.RawMessage(`false`), After: json.RawMessage(`true`)},
	}, changes)
	assert.True(t, got.GovGroupVisibilityEnabled)
	assert.EqualValues(t, 1, puts.Load())
	assert.Contains(t, string(put), `"timeUnit":"DAYS"`, "the rest of the object it changed is kept")
	assert.Contains(t, string(put), `"approverId":"e3eab852-8315-467f-9de7-70eda97f63c8"`)

	_, _, err = c.PatchConfigV2(context.Background(), facade.ConfigPatch{JSON: []byte(`{"govGroupVisibiltyEnabled":true}`)}, nil)
	var unknown *facade.UnknownSettingsError
	require.ErrorAs(t, noteErr(err), &unknown)
	assert.Equal(t, "setAccessRequestConfigV2", unknown.Operation)
	assert.Equal(t, "govGroupVisibilityEnabled", unknown.Settings[0].Suggestion)
	assert.Contains(t, err.Error(), "accessrequests: setAccessRequestConfigV2: unknown setting")

	_, changes, err = c.PatchConfigV2(context.Background(), facade.ConfigPatch{JSON: []byte(`{"reauthorizationEnabled":true}`)}, nil)
	require.NoError(t, noteErr(err))
	assert.Empty(t, changes)
	assert.EqualValues(t, 1, puts.Load(), "nothing changed, nothing written")

	settings := facade.ConfigSettingsV2()
	assert.Contains(t, settings, "machineIdentityAccessRequestEnabled")
	assert.Contains(t, settings, "entitlementRequestConfig.accessRequestConfig.maxPermittedAccessDuration.timeUnit")
	assert.NotContains(t, settings, "autoApprovalEnabled", "the beta's")
	assert.Contains(t, facade.ConfigSettings(), "autoApprovalEnabled")
}

// TestMachineIdentitiesFollowTheSuccessorsRules: the builders send a machine identity only in
// the per-identity form with identity type MACHINE, and Build refuses what the successor
// refuses: anything but entitlements, a machine beside people, a grant or modify without an
// account selection, a revoke for more than one machine, and an account named outside a
// machine's revoke.
func TestMachineIdentitiesFollowTheSuccessorsRules(t *testing.T) {
	t.Parallel()
	future := time.Now().AddDate(0, 1, 0)
	acct := facade.Accounts("src-1", facade.Account("CN=bot", "{u-1}"))
	ent := func(opts ...facade.ItemOption) facade.ItemSpec {
		return facade.Item(facade.ItemTypeEntitlement, "ent-1", opts...)
	}
	for _, tc := range []struct {
		name    string
		b       *facade.RequestBuilder
		problem string // "" when valid
	}{
		{"a machine's grant with an account", facade.NewGrant().ForMachine("m-1", ent(acct)), ""},
		{"a machine's modify with an account", facade.NewModify().ForMachine("m-1", ent(acct, facade.RemoveOn(future))), ""},
		{"a machine's revoke of one entitlement on an account",
			facade.NewMachineRevoke("m-1").Entitlement("ent-1", facade.Comment("rotated"), facade.OnAccount("CN=bot")), ""},
		{"two machines' grants", facade.NewGrant().ForMachine("m-1", ent(acct)).ForMachine("m-2", ent(acct)), ""},
		{"a role for a machine", facade.NewGrant().ForMachine("m-1", facade.Item(facade.ItemTypeRole, "r-1", acct)),
			"requestedForWithRequestedItems[0].requestedItems[0].type must be ENTITLEMENT for a machine identity"},
		{"an access profile for a machine", facade.NewGrant().ForMachine("m-1", facade.Item(facade.ItemTypeAccessProfile, "ap-1", acct)),
			"requestedForWithRequestedItems[0].requestedItems[0].type must be ENTITLEMENT"},
		{"a machine beside a person", facade.NewGrant().ForMachine("m-1", ent(acct)).ForIdentity("p-1", ent()),
			"requestedForWithRequestedItems names 1 machine identities beside 1 other identities"},
		{"a machine beside people named with For", facade.NewGrant().For("p-1").Role("r-1").ForMachine("m-1", ent(acct)),
			"requestedFor must be absent when requestedForWithRequestedItems is used"},
		{"a machine's grant without an account", facade.NewGrant().ForMachine("m-1", ent()),
			"requestedForWithRequestedItems[0].requestedItems[0].accountSelection is required for a machine identity's GRANT_ACCESS"},
		{"a machine's modify without an account", facade.NewModify().ForMachine("m-1", ent(facade.RemoveOn(future))),
			"accountSelection is required for a machine identity's MODIFY_ACCESS"},
		{"a revoke for two machines", facade.NewMachineRevoke("m-1").Entitlement("ent-1", facade.Comment("x")).ForMachine("m-2", ent(facade.Comment("x"))),
			"requestedForWithRequestedItems must name exactly one machine identity for REVOKE_ACCESS, got 2"},
		{"a machine's revoke of two entitlements", facade.NewMachineRevoke("m-1").Entitlement("ent-1", facade.Comment("x")).Entitlement("ent-2", facade.Comment("x")),
			"may hold at most 1 entitlement for REVOKE_ACCESS"},
		{"a machine's revoke without a comment", facade.NewMachineRevoke("m-1").Entitlement("ent-1"),
			"requestedForWithRequestedItems[0].requestedItems[0].comment is required for REVOKE_ACCESS"},
		{"a person's revoke in the per-identity form", facade.NewRevoke("p-1").ForIdentity("p-2", ent(facade.Comment("x"))),
			"requestedForWithRequestedItems is only allowed for GRANT_ACCESS (or for machine identities), not REVOKE_ACCESS"},
		{"an account named on a machine's grant", facade.NewGrant().ForMachine("m-1", ent(acct, facade.OnAccount("CN=bot"))),
			"nativeIdentity is only for a machine identity's REVOKE_ACCESS"},
		{"an account named on a person's per-identity item", facade.NewGrant().ForIdentity("p-1", ent(facade.OnAccount("CN=x"))),
			"cannot carry assignmentId or nativeIdentity"},
		{"an assignment on a machine's revoke", facade.NewMachineRevoke("m-1").Entitlement("ent-1", facade.Comment("x"), facade.Assignment("as-1")),
			"cannot carry assignmentId or nativeIdentity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := tc.b.Build()
			if tc.problem == "" {
				require.NoError(t, err)
				for _, e := range req.RequestedForWithRequestedItems {
					assert.Equal(t, facade.IdentityTypeMachine, e.IdentityType)
				}
				assert.Empty(t, req.RequestedFor, "never in the flat form")
				return
			}
			require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
			assert.Contains(t, err.Error(), tc.problem)
		})
	}

	// A raw request is held to the same rules, by ValidateAccessRequest and Create.
	raw := facade.AccessRequest{RequestType: facade.RequestTypeGrant, RequestedForWithRequestedItems: []facade.IdentityRequest{
		{IdentityID: "m-1", IdentityType: "ROBOT", RequestedItems: []facade.IdentityItem{{Type: facade.ItemTypeEntitlement, ID: "e"}}}}}
	err := facade.ValidateAccessRequest(raw, time.Now())
	require.ErrorIs(t, err, facade.ErrInvalidInput)
	assert.Contains(t, err.Error(), `requestedForWithRequestedItems[0].identityType must be HUMAN or MACHINE, got "ROBOT"`)
}

// TestFormInstancesFollowTheSuccessorsRules: a form instance goes with a grant's item; an empty
// one is refused (the server answers 400), as is one on a revoke.
func TestFormInstancesFollowTheSuccessorsRules(t *testing.T) {
	t.Parallel()
	req, err := facade.NewGrant().For("p-1").Role("r-1", facade.FormInstance("form-1")).
		ForIdentity("p-2", facade.Item(facade.ItemTypeRole, "r-1", facade.FormInstance("form-2"))).Build()
	require.Error(t, err, "the two forms are never mixed")
	req, err = facade.NewGrant().For("p-1").Role("r-1", facade.FormInstance("form-1")).Build()
	require.NoError(t, err)
	assert.Equal(t, "form-1", req.RequestedItems[0].FormInstanceID)
	req, err = facade.NewGrant().ForIdentity("p-2", facade.Item(facade.ItemTypeRole, "r-1", facade.FormInstance("form-2"))).Build()
	require.NoError(t, err)
	assert.Equal(t, "form-2", req.RequestedForWithRequestedItems[0].RequestedItems[0].FormInstanceID)

	for name, tc := range map[string]struct {
		b    *facade.RequestBuilder
		want string
	}{
		"an empty form instance":                {facade.NewGrant().For("p-1").Role("r-1", facade.FormInstance("")), "requestedItems[0].formInstanceId must not be empty"},
		"a blank form instance":                 {facade.NewGrant().For("p-1").Role("r-1", facade.FormInstance("  ")), "requestedItems[0].formInstanceId must not be empty"},
		"an empty one in the per-identity form": {facade.NewGrant().ForIdentity("p-1", facade.Item(facade.ItemTypeRole, "r-1", facade.FormInstance(""))), "requestedForWithRequestedItems[0].requestedItems[0].formInstanceId must not be empty"},
		"a form instance on a revoke":           {facade.NewRevoke("p-1").Role("r-1", facade.Comment("x"), facade.FormInstance("form-1")), "requestedItems[0].formInstanceId is only for GRANT_ACCESS"},
	} {
		_, err := tc.b.Build()
		require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput, name)
		assert.Contains(t, err.Error(), tc.want, name)
	}
	err = facade.ValidateAccessRequest(facade.AccessRequest{RequestedFor: []string{"p-1"},
		RequestedItems: []facade.AccessRequestItem{{Type: facade.ItemTypeRole, ID: "r-1", FormInstanceID: " "}}}, time.Now())
	assert.ErrorContains(t, err, "requestedItems[0].formInstanceId must not be empty", "a raw request too")
}

// TestABetaClientRefusesTheSuccessorsRequestFields: the request models are shared, so the harness
// cannot tell a beta server's request that carries the successor's fields from a good one
// (spec/CHANGES.md F12); the beta client refuses them before anything is sent, naming each,
// while a v1 client sends the same request (which the harness validates).
func TestABetaClientRefusesTheSuccessorsRequestFields(t *testing.T) {
	t.Parallel()
	acct := facade.Accounts("src-1", facade.Account("CN=bot", "{u-1}"))
	requests := map[string]struct {
		b     *facade.RequestBuilder
		field string
	}{
		"a form instance": {facade.NewGrant().For("p-1").Role("r-1", facade.FormInstance("form-1")), "requestedItems[0].formInstanceId"},
		"a form instance in the per-identity form": {facade.NewGrant().ForIdentity("p-1", facade.Item(facade.ItemTypeRole, "r-1", facade.FormInstance("f"))),
			"requestedForWithRequestedItems[0].requestedItems[0].formInstanceId"},
		"a machine identity": {facade.NewGrant().ForMachine("m-1", facade.Item(facade.ItemTypeEntitlement, "e-1", acct)),
			"requestedForWithRequestedItems[0].identityType"},
		"a machine's revoke naming its account": {facade.NewMachineRevoke("m-1").Entitlement("e-1", facade.Comment("x"), facade.OnAccount("CN=bot")),
			"requestedForWithRequestedItems[0].requestedItems[0].nativeIdentity"},
	}
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for name, tc := range requests {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api)
				e.handle("POST /access-requests", reply(202, createdJSON))
				req, err := tc.b.Build()
				require.NoError(t, err)
				_, err = e.client().Create(context.Background(), req)
				if api == facade.APIV1 {
					require.NoError(t, noteErr(err))
					assert.EqualValues(t, 1, e.calls.Load())
					return
				}
				var ve *facade.ValidationError
				require.ErrorAs(t, noteErr(err), &ve)
				require.NotEmpty(t, ve.Problems)
				assert.Equal(t, tc.field, ve.Problems[len(ve.Problems)-1].Field)
				assert.Contains(t, ve.Problems[len(ve.Problems)-1].Rule, "is only in the successor's API")
				assert.Zero(t, e.calls.Load(), "nothing was sent")
			})
		}
	})
	e := newEnvFor(t, facade.APIBeta)
	raw := facade.AccessRequest{RequestType: facade.RequestTypeGrant, RequestedForWithRequestedItems: []facade.IdentityRequest{
		{IdentityID: "p-1", IdentityType: facade.IdentityTypeHuman, RequestedItems: []facade.IdentityItem{{Type: facade.ItemTypeRole, ID: "r"}}}}}
	_, err := e.client().Create(context.Background(), raw)
	require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput, "even HUMAN: the beta has no identity type")
	assert.Contains(t, err.Error(), "requestedForWithRequestedItems[0].identityType is only in the successor's API")
}

// TestTheSuccessorsStatusFieldsAreReadTolerantly: the identity type, the just-in-time details and
// the form of a v1 row are read into Status; the same fields in another shape are set aside as
// warnings and the row is kept (they are information, not the row's identity).
func TestTheSuccessorsStatusFieldsAreReadTolerantly(t *testing.T) {
	t.Parallel()
	e := newEnvFor(t, facade.APIV1)
	row := strings.TrimSuffix(statusJSON("ar-1", "aai-1"), "}") + `,"identityType":"MACHINE",
"jitDetails":[{"applicationId":"app-1","attributeName":"groups","attributeValues":["CN=Eng"],"futureKey":1}],
"form":{"formDefinitionId":"fd-1","formInstanceId":"fi-1","formData":{"department":"Eng"}},
"requestedFor":{"type":"MACHINE_IDENTITY","id":"m-1","name":"build-bot"}}`
	odd := strings.TrimSuffix(statusJSON("ar-2", "aai-2"), "}") + `,"identityType":7,"jitDetails":"soon","form":["x"]}`
	e.handle("GET /access-request-status", reply(200, "["+row+","+odd+"]"))
	page, err := e.lax().client().ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
	require.NoError(t, noteErr(err))
	require.Len(t, page.Items, 2)
	st := page.Items[0]
	assert.Equal(t, facade.IdentityTypeMachine, st.IdentityType)
	require.Len(t, st.JITDetails, 1)
	assert.Equal(t, []string{"CN=Eng"}, st.JITDetails[0].AttributeValues)
	assert.Equal(t, "fi-1", st.Form.FormInstanceID)
	assert.Equal(t, "Eng", st.Form.FormData["department"])
	assert.Equal(t, facade.OwnerTypeMachineIdentity, st.RequestedFor.Type)

	assert.Equal(t, "ar-2", page.Items[1].AccessRequestID, "the odd row is kept")
	var paths []string
	for _, w := range page.Warnings {
		assert.Equal(t, facade.WarningShape, w.Kind)
		assert.Equal(t, 1, w.Item)
		paths = append(paths, w.Path)
	}
	assert.ElementsMatch(t, []string{"identityType", "jitDetails", "form"}, paths)
}

// TestDeprecationIsReportedOncePerOperation: answers carrying X-Deprecated: true, to many calls
// from several goroutines, give one WarningDeprecated and one warn-level log line per operation
// per client (a second client reports again), while every call's Operation hook says so.
func TestDeprecationIsReportedOncePerOperation(t *testing.T) {
	t.Parallel()
	e := newEnvFor(t, facade.APIBeta)
	e.handle("GET /access-request-config", reply(200, configJSON, "X-Deprecated", "true"))
	e.handle("PUT /access-request-config", reply(200, configJSON, "X-Deprecated", "true"))
	e.handle("GET /access-request-status", reply(200, `[]`))
	var mu sync.Mutex
	var warnings []facade.Warning
	var deprecatedCalls, calls atomic.Int64
	logs := &logWriter{}
	client := func() *facade.Client {
		return e.client(facade.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
			facade.WithWarningHandler(func(w facade.Warning) {
				mu.Lock()
				defer mu.Unlock()
				warnings = append(warnings, w)
			}),
			facade.WithHooks(facade.Hooks{OperationDone: func(_ context.Context, op facade.Operation) {
				calls.Add(1)
				if op.Deprecated {
					deprecatedCalls.Add(1)
				}
			}}))
	}
	c := client()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				_, err := c.GetConfig(context.Background())
				assert.NoError(t, noteErr(err))
				_, err = c.SetConfig(context.Background(), facade.Config{})
				assert.NoError(t, noteErr(err))
				_, err = c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
				assert.NoError(t, noteErr(err))
			}
		})
	}
	wg.Wait()
	require.Len(t, warnings, 2, "one per deprecated operation, for 80 deprecated answers")
	byOp := map[string]facade.Warning{}
	for _, w := range warnings {
		assert.Equal(t, facade.WarningDeprecated, w.Kind)
		assert.Equal(t, -1, w.Item)
		byOp[w.Operation] = w
	}
	require.Contains(t, byOp, "getAccessRequestConfig")
	require.Contains(t, byOp, "setAccessRequestConfig")
	assert.Contains(t, byOp["getAccessRequestConfig"].Problem, "use GetConfigV2")
	assert.Contains(t, byOp["getAccessRequestConfig"].String(), "getAccessRequestConfig: the vendor has deprecated this operation")
	assert.Equal(t, 2, strings.Count(logs.String(), "level=WARN"), "one warn-level line per operation:\n%s", logs)
	assert.Equal(t, 2, strings.Count(logs.String(), "deprecated operation"))
	assert.EqualValues(t, 120, calls.Load())
	assert.EqualValues(t, 80, deprecatedCalls.Load(), "the hook says it on every deprecated answer")

	_, err := client().GetConfig(context.Background())
	require.NoError(t, noteErr(err))
	assert.Len(t, warnings, 3, "another client reports it again")
}

// ParseAPI takes a generation's name as a user types it (any case, surrounding space) and
// refuses any other name; WithAPI refuses a value that is not a generation, and New then
// fails before anything is sent (it makes no client). Both errors match ErrInvalidInput and
// name what was given. Red with either ParseAPI case emptied or WithAPI's check removed.
func TestParseAPIAndWithAPIRefuseWhatIsNotAGeneration(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]facade.API{"v1": facade.APIV1, " V1\t": facade.APIV1, "beta": facade.APIBeta, "Beta ": facade.APIBeta} {
		got, err := facade.ParseAPI(in)
		require.NoError(t, err, "%q", in)
		assert.Equal(t, want, got, "%q", in)
	}
	for _, in := range []string{"", "v2", "v3", "betas", "v 1"} {
		_, err := facade.ParseAPI(in)
		require.ErrorIs(t, err, facade.ErrInvalidInput, "%q", in)
		assert.Contains(t, err.Error(), fmt.Sprintf("%q", in))
	}
	for _, api := range []facade.API{"", "v2", "BETA"} {
		c, err := facade.New(facade.WithAPI(api), facade.WithBaseURL("https://acme.api.identitynow.com"),
			facade.WithClientCredentials(testClientID, testSecret))
		require.ErrorIs(t, err, facade.ErrInvalidInput, "%q", api)
		assert.Nil(t, c)
		assert.Contains(t, err.Error(), fmt.Sprintf("WithAPI: %q is not a generation", string(api)))
	}
}
