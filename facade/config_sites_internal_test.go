package facade

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// editDistance is the optimal string alignment distance closest judges names by: insertions,
// deletions, substitutions and swaps of two neighbours cost one each, and a letter is never
// edited twice.
func TestEditDistanceCountsEachEditOnceAndASwapAsOne(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"abc", "abc", 0},
		{"ab", "a", 1},
		{"a", "ab", 1},
		{"abc", "xabc", 1},
		{"ab", "ba", 1},
		{"abcd", "abdc", 1},
		{"enabeld", "enabled", 1},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // a swap and an insertion into it: 3, where the unrestricted distance is 2
		{"naïve", "navïe", 1},
	} {
		assert.Equal(t, tc.want, editDistance(tc.a, tc.b), "%q → %q", tc.a, tc.b)
	}
}

// The successor's configuration is scanned for values set aside through its pointers and
// lists (approval steps), and one with none there costs no allocation to check (anySetAside).
func TestOnlyAConfigV2WithAValueSetAsideIsWalkedForWarnings(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       bool
	}{
		{"approval steps, nothing set aside", `{"entitlementRequestConfig":{"accessRequestConfig":{"approvalSchemes":[{"approverType":"MANAGER","future":1},{"approverType":"GOVERNANCE_GROUP"}]}}}`, false},
		{"no approval steps", `{"entitlementRequestConfig":{"accessRequestConfig":{"approvalSchemes":null}}}`, false},
		{"the second step of another shape", `{"entitlementRequestConfig":{"accessRequestConfig":{"approvalSchemes":[{"approverType":"MANAGER"},{"approverType":7}]}}}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) { checkSetAsideScan[ConfigV2](t, tc.body, tc.want) })
	}
}

// checkSetAsideScan decodes body as a T and checks that anySetAside says want, agrees with
// setAside, and allocates nothing when it finds nothing.
func checkSetAsideScan[T any](t *testing.T, body string, want bool) {
	t.Helper()
	var cfg T
	require.NoError(t, json.Unmarshal([]byte(body), &cfg))
	v := reflect.ValueOf(cfg)
	assert.Equal(t, want, anySetAside(v))
	var warnings []Warning
	setAside(v, "", &warnings)
	assert.Equal(t, want, len(warnings) > 0, "anySetAside agrees with setAside: %v", warnings)
	if !want {
		assert.Zero(t, testing.AllocsPerRun(20, func() { anySetAside(v) }))
	}
}

// noCatchAll is a model without a catch-all, as the generator writes one for a schema that
// forbids other properties, holding one that has a catch-all.
type noCatchAll struct {
	Name  string        `json:"name"`
	Inner catchAllFirst `json:"inner"`
}

// The walks over values set aside go through a model without a catch-all into the models it
// holds, rather than looking for a catch-all it does not have (anySetAside, setAside).
func TestAModelWithoutACatchAllIsWalkedThrough(t *testing.T) {
	v := reflect.ValueOf(noCatchAll{Inner: catchAllFirst{AdditionalProperties: map[string]json.RawMessage{"name": json.RawMessage(`7`)}}})
	assert.True(t, anySetAside(v))
	var warnings []Warning
	setAside(v, "", &warnings)
	require.Len(t, warnings, 1)
	assert.Equal(t, "inner.name", warnings[0].Path)
	assert.False(t, anySetAside(reflect.ValueOf(noCatchAll{Name: "x"})))
}

// roundTripFunc answers a request without a network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Reading a configuration with nothing set aside costs no allocation past the call itself: the
// scan for values set aside is not run (configCall's anySetAside check).
func TestReadingASettledConfigCostsNothingPastTheCall(t *testing.T) {
	if underRace {
		t.Skip("sync.Pool drops objects at random under the race detector: the call's allocations are not exact")
	}
	body := `{"approvalsMustBeExternal":true,"autoApprovalEnabled":false,"reauthorizationEnabled":true,
"requestOnBehalfOfConfig":{"allowRequestOnBehalfOfAnyoneByAnyone":true,"allowRequestOnBehalfOfEmployeeByManager":true},
"approvalReminderAndEscalationConfig":{"daysUntilEscalation":2,"maxReminders":3,"fallbackApproverRef":{"id":"id-1","type":"IDENTITY"}},
"entitlementRequestConfig":{"allowEntitlementRequest":true,"grantRequestApprovalSchemes":"sourceOwner","zzNested":[1.50,"x"]},
"zzFuture":{"limit":2.50}}`
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
	})}
	c, err := New(WithAPI(APIBeta), WithBaseURL("https://tenant.example"), WithAccessToken("test-token"), WithHTTPClient(hc))
	require.NoError(t, err)
	ctx := context.Background()
	e, err := c.endpoint(opGetConfig, "GetConfig")
	require.NoError(t, err)
	build := func(ctx context.Context) (*http.Request, error) { return e.request(ctx, http.MethodGet, e.url, nil) }
	cfg, err := configCall[Config](ctx, c, e.op, build)
	require.NoError(t, err)
	require.Equal(t, "sourceOwner", cfg.EntitlementRequestConfig.GrantRequestApprovalSchemes)

	call := testing.AllocsPerRun(50, func() {
		var out Config
		if _, err := c.call(ctx, e.op, &out, build); err != nil {
			t.Fatal(err)
		}
	})
	read := testing.AllocsPerRun(50, func() {
		if _, err := configCall[Config](ctx, c, e.op, build); err != nil {
			t.Fatal(err)
		}
	})
	assert.LessOrEqual(t, read-call, 2.0, "allocations of the call: %.0f; of the read: %.0f", call, read)
}
