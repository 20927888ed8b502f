package facade_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// oddPage is three statuses; the second carries values whose shape the spec does not give
// them, in fields that are information, not identity. The first has a key that differs from a
// field only in case: it is not that field.
const oddPage = `[
{"accessRequestId":"ar-0","accountActivityItemId":"aa-0","id":"role-0","state":"EXECUTING","CreAted":"a key the spec does not know"},
{"accessRequestId":"ar-1","accountActivityItemId":"aa-1","id":"role-1","state":"EXECUTING",
 "created":12,"requester":"someone","approvalDetails":[{"comment":"ok"},{"comment":{"text":"nested"}}],
 "sodViolationContext":{"state":"SUCCESS","violationCheckResult":{"violatedPolicies":"none"}}},
{"accessRequestId":"ar-2","accountActivityItemId":"aa-2","id":"role-2","state":"SOMETHING_NEW","brandNew":{"x":1}}
]`

func TestOneOddFieldDoesNotFailThePage(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		e.handle("GET /access-request-status", reply(200, oddPage))
		c := e.client()

		page, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
		require.NoError(t, noteErr(err))
		require.Len(t, page.Items, 3, "every item is kept")
		for i, s := range page.Items {
			assert.Equal(t, fmt.Sprintf("ar-%d", i), s.AccessRequestID)
			require.NotEmpty(t, s.State)
		}
		assert.Equal(t, "SOMETHING_NEW", string(page.Items[2].State), "an enum value the spec lacks is kept as sent")
		odd := page.Items[1]
		require.Len(t, odd.ApprovalDetails, 2, "what decoded is kept")
		assert.Equal(t, "ok", odd.ApprovalDetails[0].Comment)
		assert.Equal(t, "SUCCESS", string(odd.SodViolationContext.State))

		got := map[string]string{}
		for _, w := range page.Warnings {
			assert.Equal(t, 1, w.Item, "warning on the odd item: %+v", w)
			got[w.Path] = string(w.Raw)
		}
		assert.Equal(t, map[string]string{
			"created":                    `12`,
			"requester":                  `"someone"`,
			"approvalDetails[1].comment": `{"text":"nested"}`,
			"sodViolationContext.violationCheckResult.violatedPolicies": `"none"`,
		}, got, "each deviation is reported with the raw value")
		logs := e.logs.String()
		assert.Contains(t, logs, "level=WARN")
		assert.Contains(t, logs, "sodViolationContext.violationCheckResult.violatedPolicies")

		// The iterator yields the same items, without error.
		items, err := c.CollectStatus(context.Background(), facade.ListStatusParams{}, 0)
		require.NoError(t, noteErr(err))
		assert.Len(t, items, 3)
	})
}

func TestTheVendorsArrayMessageDecodes(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api) // strict: the spec accepts both shapes
		e.handle("GET /access-request-status", reply(200, `[{"accessRequestId":"ar-0","state":"ERROR",
	"sodViolationContext":{"state":"ERROR","violationCheckResult":{"message":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"An error has occurred during the SOD violation check"}]}}},
	{"accessRequestId":"ar-1","state":"ERROR","sodViolationContext":{"state":"ERROR","violationCheckResult":{"message":{"locale":"en-US","localeOrigin":"DEFAULT","text":"one"}}}}]`))
		page, err := e.client().ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
		require.NoError(t, noteErr(err))
		require.Len(t, page.Items, 2)
		assert.Empty(t, page.Warnings, "both shapes are the spec's")
		texts := func(i int) []string {
			var out []string
			for _, m := range facade.SodMessages(page.Items[i]) {
				out = append(out, m.Text)
			}
			return out
		}
		assert.Equal(t, []string{"An error has occurred during the SOD violation check"}, texts(0))
		assert.Equal(t, []string{"one"}, texts(1))
	})
}

func TestAnItemWithoutAUsableIdOrStateFailsThePage(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, field := range []string{`"accessRequestId":7`, `"accountActivityItemId":{}`, `"id":[1]`, `"state":3`} {
			t.Run(field, func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api).lax()
				e.handle("GET /access-request-status", reply(200, `[{"state":"EXECUTING"},{`+field+`}]`))
				_, err := e.client().ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
				require.ErrorIs(t, noteErr(err), facade.ErrUndecodable)
				name, _, _ := strings.Cut(strings.Trim(field, `"`), `"`)
				assert.Contains(t, err.Error(), "[1]."+name)
				assert.NotContains(t, err.Error(), "resubmit", "a read may be sent again")
			})
		}
	})
}

func TestAnItemThatIsNotAnObjectFailsThePage(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		e.handle("GET /access-request-status", reply(200, `[{"accessRequestId":"ar-0","state":"EXECUTING"},"ar-1"]`))
		_, err := e.client().ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
		require.ErrorIs(t, noteErr(err), facade.ErrUndecodable)
		assert.Contains(t, err.Error(), "item [1]: got string")
	})
}

func TestErrorTextSaysTheStatusOnce(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		e.handle("GET /access-request-status", reply(404, `{"detailCode":"404 Not found","trackingId":"t1","messages":[{"text":"gone"}]}`))
		e.handle("POST /access-requests", reply(202, `{"newRequests":`))
		c := e.client(facade.WithoutRetries())
		_, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
		require.Error(t, noteErr(err))
		assert.Equal(t, "accessrequests: "+e.op("listAccessRequestStatus")+": HTTP 404 Not found: gone (tracking id t1)", err.Error())

		_, err = c.Create(context.Background(), grantRequest())
		require.ErrorIs(t, noteErr(err), facade.ErrUndecodable)
		assert.Contains(t, err.Error(), "do not resubmit", "a write the server accepted must not be sent twice")
	})
}

func TestAnEndAnswered400NeverFailsACompleteListing(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, total := range []int{250, 500, 501, 1000} {
			for _, mode := range []string{"count off", "count on", "prefetch"} {
				t.Run(fmt.Sprintf("%d statuses, %s", total, mode), func(t *testing.T) {
					t.Parallel()
					e := newEnvFor(t, api).lax()
					p := &pager{total: total, failAt: -1, end400: true}
					e.handle("GET /access-request-status", p.ServeHTTP)
					q := facade.ListStatusParams{Count: mode == "count on"}
					if mode == "prefetch" {
						q.Prefetch = 4
					}
					got, err := e.client(facade.WithoutRetries()).CollectStatus(context.Background(), q, 0)
					require.NoError(t, noteErr(err))
					require.Equal(t, total, len(got))
					for i, s := range got {
						require.Equal(t, fmt.Sprintf("ar-%06d", i), s.AccessRequestID)
					}
				})
			}
		}
	})
}

func TestAListingDoesNotEndAtATotalThatIsTooLow(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, prefetch := range []int{0, 4} {
			t.Run(fmt.Sprintf("prefetch %d", prefetch), func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api).lax()
				p := &pager{total: 1000, failAt: -1, end400: true, claim: "500"}
				e.handle("GET /access-request-status", p.ServeHTTP)
				got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{Count: true, Prefetch: prefetch}, 0)
				require.NoError(t, noteErr(err))
				assert.Equal(t, 1000, len(got), "a total at a page boundary is checked with one more page")
			})
		}
	})
}

func TestPrefetchReachesRowsAddedDuringTheListing(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, prefetch := range []int{0, 4} {
			t.Run(fmt.Sprintf("prefetch %d", prefetch), func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api).lax()
				p := &pager{total: 30, failAt: -1, end400: true, grownTotal: 40}
				e.handle("GET /access-request-status", p.ServeHTTP)
				got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{PageSize: 10, Count: true, Prefetch: prefetch}, 0)
				require.NoError(t, noteErr(err))
				assert.Equal(t, 40, len(got), "as many as sequential paging reaches")
			})
		}
	})
}

// TestPrefetchPlansByTheWindowNotTheClaimedTotal: a claimed total of 2^31-1 over 255 real items.
// Not parallel: it measures the process's allocations.
func TestPrefetchPlansByTheWindowNotTheClaimedTotal(t *testing.T) {
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, size := range []int{250, 1} {
			// A server of its own per size: requests the previous listing cancelled may still
			// reach a shared one after its count was reset.
			e := newEnvFor(t, api).lax()
			p := &pager{total: 255, failAt: -1, end400: true, claim: strconv.Itoa(math.MaxInt32)}
			e.handle("GET /access-request-status", p.ServeHTTP)
			c := e.client(facade.WithoutRetries())
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got, err := c.CollectStatus(context.Background(), facade.ListStatusParams{PageSize: size, Prefetch: 8}, 0)
			runtime.ReadMemStats(&after)
			require.NoError(t, noteErr(err))
			require.Equal(t, 255, len(got))
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("page size %d: %d requests, %d KiB allocated", size, p.requests.Load(), allocated>>10)
			assert.Less(t, allocated, uint64(32<<20), "memory follows the items and the window, not the claim")
			assert.LessOrEqual(t, p.requests.Load(), int64((255+size-1)/size+8), "at most a window past the end")
		}
	})
}

// configWithUnknowns is the server's configuration with three settings the spec does not know:
// one at the top (a number too large for float64 to keep), one nested, one an object.
const configWithUnknowns = `{"approvalsMustBeExternal":false,"autoApprovalEnabled":false,"reauthorizationEnabled":false,
"futureTopLevel":12345678901234567890123,
"entitlementRequestConfig":{"allowEntitlementRequest":true,"requestCommentsRequired":false,"futureNested":["a",{"b":1.50}]},
"futureObject":{"mode":"strict","weights":[1e3,2.0]}}`

var unknownFields = map[string]string{
	"futureTopLevel": `12345678901234567890123`,
	"futureNested":   `["a",{"b":1.50}]`,
	"futureObject":   `{"mode":"strict","weights":[1e3,2.0]}`,
}

// configServer serves configWithUnknowns and keeps the last body PUT to it.
func configServer(e *env) *[]byte {
	var mu sync.Mutex
	put := new([]byte)
	e.handle("GET /access-request-config", reply(200, configWithUnknowns))
	e.handle("PUT /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		*put = b
		mu.Unlock()
		reply(200, string(b))(w, r)
	})
	return put
}

func assertUnknownsSent(t *testing.T, body []byte) {
	t.Helper()
	for name, raw := range unknownFields {
		assert.Contains(t, string(body), `"`+name+`":`+raw, "%s is written back byte for byte", name)
	}
}

func TestUpdateConfigKeepsSettingsTheSpecDoesNotKnow(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	put := configServer(e)
	got, err := e.client().UpdateConfig(context.Background(), func(cfg *facade.Config) error {
		cfg.AutoApprovalEnabled = true
		return nil
	})
	require.NoError(t, noteErr(err))
	require.NotNil(t, got)
	assertUnknownsSent(t, *put)
	assert.Contains(t, string(*put), `"autoApprovalEnabled":true`)
}

func TestAConfigFileWithUnknownSettingsIsSentWhole(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	put := configServer(e)
	var cfg facade.Config
	require.NoError(t, json.Unmarshal([]byte(configWithUnknowns), &cfg), "plain encoding/json reads the server's own JSON")
	_, err := e.client().SetConfig(context.Background(), cfg)
	require.NoError(t, noteErr(err))
	assertUnknownsSent(t, *put)
}

func TestAConfigFieldInAnotherShapeIsWrittenBackAsItCame(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	var put []byte
	e.handle("GET /access-request-config", reply(200, `{"autoApprovalEnabled":"yes","approvalReminderAndEscalationConfig":{"maxReminders":"3","daysUntilEscalation":2}}`))
	e.handle("PUT /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		put, _ = io.ReadAll(r.Body)
		reply(200, string(put))(w, r)
	})
	var warned []facade.Warning
	c := e.client(facade.WithWarningHandler(func(w facade.Warning) { warned = append(warned, w); seen.addValue("warning", w) }))
	_, err := c.UpdateConfig(context.Background(), func(cfg *facade.Config) error {
		require.NotNil(t, cfg.ApprovalReminderAndEscalationConfig.DaysUntilEscalation)
		assert.Equal(t, int32(2), *cfg.ApprovalReminderAndEscalationConfig.DaysUntilEscalation, "what decoded is kept")
		return nil
	})
	require.NoError(t, noteErr(err))
	assert.Contains(t, string(put), `"autoApprovalEnabled":"yes"`)
	assert.Contains(t, string(put), `"maxReminders":"3"`)

	// A field the caller sets replaces the value that was kept aside for it.
	_, err = c.UpdateConfig(context.Background(), func(cfg *facade.Config) error {
		cfg.AutoApprovalEnabled = true
		return nil
	})
	require.NoError(t, noteErr(err))
	assert.Contains(t, string(put), `"autoApprovalEnabled":true`)
	assert.Contains(t, string(put), `"maxReminders":"3"`)
	warned = warned[:4]
	var paths []string
	for _, w := range warned {
		paths = append(paths, w.Operation+" "+w.Path)
		assert.Equal(t, -1, w.Item, "a configuration is not a list: %s", w.Path)
	}
	assert.ElementsMatch(t, []string{
		"getAccessRequestConfig autoApprovalEnabled", "getAccessRequestConfig approvalReminderAndEscalationConfig.maxReminders",
		"setAccessRequestConfig autoApprovalEnabled", "setAccessRequestConfig approvalReminderAndEscalationConfig.maxReminders",
	}, paths)
}

// TestEveryDeviationAtOnceLosesNothing lists 10,000 statuses (and 10,001: a total that is not a
// multiple of the page size) from a fake tenant that departs from the spec in every way it
// knows at once, sequentially without and with the count, and prefetching.
func TestEveryDeviationAtOnceLosesNothing(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		sizes := []int{10000, 10001} // a multiple of the page size (250), and one more
		if raceEnabled || testing.Short() {
			sizes = []int{1000, 1001} // the same boundaries; -short is what mutation testing runs
			t.Logf("under the race detector or -short: %v statuses instead of 10,000 and 10,001", sizes)
		}
		for _, n := range sizes {
			for _, claim := range []int32{math.MaxInt32, 500} {
				srv := fake.NewServer()
				t.Cleanup(srv.Close)
				srv.SeedStatuses(n, fake.CallerID, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
				srv.SetDeviations(fake.Deviations{EndOffset400: true, UnknownFields: true, OtherShapes: true, ClaimedTotal: claim})
				for _, mode := range []string{"count off", "count on", "prefetch"} {
					if mode == "count off" && claim != math.MaxInt32 {
						continue // no count asked, no total sent: the same listing as above
					}
					t.Run(fmt.Sprintf("%d statuses, total claimed %d, %s", n, claim, mode), func(t *testing.T) {
						t.Parallel()
						var warnings atomic.Int64
						c := fakeClientFor(t, srv, api, facade.WithWarningHandler(func(w facade.Warning) { warnings.Add(1); seen.addValue("warning", w) }))
						q := facade.ListStatusParams{Count: mode == "count on"}
						if mode == "prefetch" {
							q.Prefetch = 4
						}
						unique := map[string]bool{}
						for st, err := range c.ListStatus(context.Background(), q) {
							require.NoError(t, noteErr(err))
							require.NotEmpty(t, st.AccessRequestID)
							require.NotEmpty(t, st.State)
							require.Len(t, facade.SodMessages(st), 1, "the vendor's list-shaped message is read")
							unique[st.AccessRequestID] = true
						}
						assert.Equal(t, n, len(unique), "every status, once")
						assert.EqualValues(t, 2*n, warnings.Load(), "approvalIds and clientMetadata.attempt, per status")
					})
				}
			}
		}
	})
}

func TestUpdateConfigThroughTheFakeKeepsUnknownSettingsByteForByte(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv := fake.NewServer()
		t.Cleanup(srv.Close)
		srv.SetDeviations(fake.Deviations{UnknownFields: true})
		c := fakeClientFor(t, srv, api)
		var err error
		if api == facade.APIV1 {
			_, err = c.UpdateConfigV2(context.Background(), func(cfg *facade.ConfigV2) error {
				cfg.ReauthorizationEnabled = true
				return nil
			})
		} else {
			_, err = c.UpdateConfig(context.Background(), func(cfg *facade.Config) error {
				cfg.ReauthorizationEnabled = true
				return nil
			})
		}
		require.NoError(t, noteErr(err))
		var put []byte
		for _, r := range srv.Received() {
			if r.Method == http.MethodPut {
				put = r.Body
			}
		}
		require.NotNil(t, put)
		for path, raw := range fake.UnknownConfigFields {
			_, name, nested := strings.Cut(path, ".")
			if !nested {
				name = path
			}
			assert.Contains(t, string(put), `"`+name+`":`+raw, "%s is sent back byte for byte", path)
		}
		assert.Contains(t, string(put), `"reauthorizationEnabled":true`)
		stored := srv.Config().AdditionalProperties
		if api == facade.APIV1 {
			stored = srv.ConfigV2().AdditionalProperties
		}
		assert.Equal(t, json.RawMessage(fake.UnknownConfigFields["futureTopLevel"]), stored["futureTopLevel"])
	})
}

// Every object of the configuration keeps what the spec does not know, the approver reference
// nested two levels down included: a PUT replaces the whole configuration.
func TestUpdateConfigKeepsUnknownSettingsInTheFallbackApprover(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	var put []byte
	e.handle("GET /access-request-config", reply(200, `{"autoApprovalEnabled":true,
"approvalReminderAndEscalationConfig":{"fallbackApproverRef":{"id":"2c91","type":"IDENTITY","futureRef":{"a":[1,2.50]}}}}`))
	e.handle("PUT /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		put, _ = io.ReadAll(r.Body)
		reply(200, string(put))(w, r)
	})
	_, err := e.client().UpdateConfig(context.Background(), func(*facade.Config) error { return nil })
	require.NoError(t, noteErr(err))
	assert.Contains(t, string(put), `"fallbackApproverRef":{`)
	assert.Contains(t, string(put), `"futureRef":{"a":[1,2.50]}`, "a setting inside the approver reference is sent back")
	assert.Contains(t, string(put), `"id":"2c91"`)
}
