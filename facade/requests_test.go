package facade_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

var (
	now      = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tomorrow = now.Add(24 * time.Hour)
	nextWeek = now.Add(7 * 24 * time.Hour)
)

func ents(n int) []facade.ItemSpec {
	out := make([]facade.ItemSpec, n)
	for i := range out {
		out[i] = facade.Item(facade.ItemTypeEntitlement, "ent-"+string(rune('a'+i%26))+strings.Repeat("x", i/26))
	}
	return out
}

func identities(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "id-" + strings.Repeat("i", i+1)
	}
	return out
}

func TestBuilderRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		builder *facade.RequestBuilder
		want    []string // each violation, as "field rule" parts; nil when valid
	}{
		{"a grant of a role", facade.NewGrant().For("id-1").Role("role-1"), nil},
		{"a grant of 25 entitlements to 10 identities", facade.NewGrant().For(identities(10)...).Items(ents(25)...), nil},
		{"a revoke with a comment", facade.NewRevoke("id-1").Entitlement("ent-1", facade.Comment("left"), facade.Assignment("as-1"), facade.OnAccount("CN=x")), nil},
		{"a grant with dates", facade.NewGrant().For("id-1").Role("role-1", facade.StartOn(tomorrow), facade.RemoveOn(nextWeek)), nil},
		{"the per-identity form", facade.NewGrant().ForIdentity("id-1", facade.Item(facade.ItemTypeRole, "role-1",
			facade.Accounts("src-1", facade.Account("CN=a", "{uuid}")))), nil},

		// The builder's own checks of the per-identity form name the entry, then the item.
		{"an assignment in the second identity's first item", facade.NewGrant().ForIdentity("id-1", facade.Item(facade.ItemTypeRole, "r")).
			ForIdentity("id-2", facade.Item(facade.ItemTypeRole, "r", facade.Assignment("as-1"))),
			[]string{"requestedForWithRequestedItems[1].requestedItems[0] cannot carry assignmentId or nativeIdentity; use Accounts to pick accounts"}},
		{"no items", facade.NewGrant().For("id-1"), []string{"requestedItems must have at least one item"}},
		{"no identity", facade.NewGrant().Role("role-1"), []string{"requestedFor must name at least one identity"}},
		{"an empty identity", facade.NewGrant().For("").Role("role-1"), []string{"requestedFor[0] is empty"}},
		{"an item without id", facade.NewGrant().For("id-1").Role(" "), []string{"requestedItems[0].id is required"}},
		{"an unknown item type", facade.NewGrant().For("id-1").Items(facade.Item("APP", "a")), []string{`requestedItems[0].type must be ROLE, ACCESS_PROFILE or ENTITLEMENT, got "APP"`}},
		{"26 entitlements", facade.NewGrant().For("id-1").Items(ents(26)...), []string{"requestedItems has 26 entitlements; at most 25"}},
		{"11 identities with an entitlement", facade.NewGrant().For(identities(11)...).Entitlement("e"), []string{"requestedFor names 11 identities; at most 10"}},
		{"11 identities with roles only", facade.NewGrant().For(identities(11)...).Role("r"), nil},
		{"a revoke for two identities", facade.NewRevoke("id-1").For("id-2").Role("r", facade.Comment("c")), []string{"requestedFor must name exactly one identity for REVOKE_ACCESS, got 2"}},
		{"a revoke of two entitlements", facade.NewRevoke("id-1").Entitlement("e1", facade.Comment("c")).Entitlement("e2", facade.Comment("c")),
			[]string{"requestedItems may hold at most 1 entitlement for REVOKE_ACCESS, got 2"}},
		{"a revoke without a comment", facade.NewRevoke("id-1").Role("r"), []string{"requestedItems[0].comment is required for REVOKE_ACCESS"}},
		{"a revoke with a start date", facade.NewRevoke("id-1").Role("r", facade.Comment("c"), facade.StartOn(tomorrow)), []string{"requestedItems[0].startDate is not allowed for REVOKE_ACCESS"}},
		{"a past remove date", facade.NewGrant().For("id-1").Role("r", facade.RemoveOn(now.Add(-time.Hour))), []string{"requestedItems[0].removeDate must be in the future"}},
		{"a past start date", facade.NewGrant().For("id-1").Role("r", facade.StartOn(now)), []string{"requestedItems[0].startDate must be in the future"}},
		// Guards create.go's `Year() > maxYear`: the year 9999 itself fits RFC 3339 and is sent.
		{"a remove date on the last day of the year 9999", facade.NewGrant().For("id-1").Role("r", facade.RemoveOn(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC))), nil},
		{"a remove date past the year 9999", facade.NewGrant().For("id-1").Role("r", facade.RemoveOn(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))),
			[]string{"requestedItems[0].removeDate must be before the year 10000, got the year 10000"}},
		{"both dates past the year 9999, on the UTC calendar", facade.NewGrant().For("id-1").Role("r",
			facade.StartOn(time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("UTC-2", -2*3600))), facade.RemoveOn(time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC))),
			[]string{"requestedItems[0].startDate must be before the year 10000, got the year 10000", "requestedItems[0].removeDate must be before the year 10000, got the year 12000"}},
		{"remove before start", facade.NewGrant().For("id-1").Role("r", facade.StartOn(nextWeek), facade.RemoveOn(tomorrow)), []string{"requestedItems[0].removeDate must be after startDate"}},
		{"the per-identity form in a revoke", facade.NewRevoke("id-1").ForIdentity("id-1", facade.Item(facade.ItemTypeRole, "r", facade.Comment("c"))),
			[]string{"requestedFor must be absent when requestedForWithRequestedItems is used", "requestedForWithRequestedItems is only allowed for GRANT_ACCESS"}},
		{"the per-identity form mixed with flat items", facade.NewGrant().For("id-1").Role("r").ForIdentity("id-2", facade.Item(facade.ItemTypeRole, "r")),
			[]string{"requestedFor must be absent", "requestedItems must be absent"}},
		{"account selection on a flat item", facade.NewGrant().For("id-1").Role("r", facade.Accounts("src", facade.Account("CN=a", ""))),
			[]string{"requestedItems[0].accountSelection is only available with ForIdentity"}},
		{"assignment in the per-identity form", facade.NewGrant().ForIdentity("id-1", facade.Item(facade.ItemTypeRole, "r", facade.Assignment("a"))),
			[]string{"requestedForWithRequestedItems[0].requestedItems[0] cannot carry assignmentId"}},
		{"several violations at once", facade.NewRevoke("").Role("", facade.StartOn(now.Add(-time.Minute))).Entitlement("e1").Entitlement("e2"),
			[]string{"requestedFor[0] is empty", "requestedItems[0].id is required", "requestedItems[0].comment is required", "requestedItems[0].startDate is not allowed",
				"requestedItems[0].startDate must be in the future", "requestedItems[1].comment is required", "requestedItems[2].comment is required", "requestedItems may hold at most 1 entitlement"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := tc.builder.BuildAt(now)
			if tc.want == nil {
				require.NoError(t, noteErr(err))
				require.NoError(t, facade.ValidateAccessRequest(req, now), "what Build returns, Create accepts")
				return
			}
			require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
			var ve *facade.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Len(t, ve.Problems, len(tc.want), "one problem per broken rule: %v", err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestBuilderSendsDatesInUTC(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CEST", 2*3600)
	req, err := facade.NewGrant().For("id-1").Role("r", facade.RemoveOn(nextWeek.In(paris))).BuildAt(now)
	require.NoError(t, err)
	b, err := json.Marshal(req)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"removeDate":"`+nextWeek.Format(time.RFC3339)+`"`)
	assert.NotContains(t, string(b), "+02:00")
}

// seedBody reads the create example of the vendor's SDK page, which mixes both request forms
// in one body. spec/testdata holds it, extracted from the page by spec's
// TestVendorFactsAreCurrent (which also checks it is current when the page is available).
func seedBody(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "spec", "testdata", "vendor-sdk-create-example.json"))
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(data, &body))
	// The example gives requestedFor as one string; the schema says it is an array.
	if s, ok := body["requestedFor"].(string); ok {
		body["requestedFor"] = []any{s}
	}
	return body
}

// moveDates replaces every removeDate in a decoded body with when.
func moveDates(v any, when string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "removeDate" {
				v[k] = when
			} else {
				moveDates(x, when)
			}
		}
	case []any:
		for _, x := range v {
			moveDates(x, when)
		}
	}
}

// subset asserts that every field want sets has the same value in got.
func subset(t *testing.T, path string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		require.Truef(t, ok, "%s: want an object, got %T", path, got)
		for k, v := range w {
			subset(t, path+"."+k, v, g[k])
		}
	case []any:
		g, ok := got.([]any)
		require.Truef(t, ok, "%s: want an array, got %T", path, got)
		require.Lenf(t, g, len(w), "%s", path)
		for i := range w {
			subset(t, path+"["+string(rune('0'+i))+"]", w[i], g[i])
		}
	default:
		assert.Equalf(t, want, got, "%s", path)
	}
}

func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestBuildersReproduceTheSeedExampleAsItsTwoValidHalves(t *testing.T) {
	t.Parallel()
	seed := seedBody(t)
	when := nextWeek.Format(time.RFC3339)
	moveDates(seed, when)
	const (
		appID, appName = "2c91808f7892918f0178b78da4a305a1", "test-app"
		itemID         = "2c9180835d2e5168015d32f890ca1581"
		comment        = "Requesting access profile for John Doe"
		native         = "CN=Glen 067da3248e914,OU=YOUROU,OU=org-data-service,DC=YOURDC,DC=local"
		uuid           = "{fab7119e-004f-4822-9c33-b8d570d6c6a6}"
		source         = "cb89bc2f1ee6445fbea12224c526ba3a"
	)
	itemOpts := []facade.ItemOption{facade.Comment(comment), facade.RemoveOn(nextWeek),
		facade.ItemMetadata("requestedAppName", appName), facade.ItemMetadata("requestedAppId", appID)}

	// Half one: requestedFor with requestedItems.
	flat := facade.NewGrant().For("2c918084660f45d6016617daa9210584").
		Metadata("requestedAppId", appID).Metadata("requestedAppName", appName)
	for range seed["requestedItems"].([]any) {
		flat.AccessProfile(itemID, append(itemOpts, facade.Assignment("ee48a191c00d49bf9264eb0a4fc3a9fc"),
			facade.OnAccount("CN=User db3377de14bf,OU=YOURCONTAINER, DC=YOURDOMAIN"))...)
	}
	got, err := flat.BuildAt(now)
	require.NoError(t, err)
	half := map[string]any{}
	for _, k := range []string{"requestedFor", "clientMetadata", "requestType", "requestedItems"} {
		half[k] = seed[k]
	}
	subset(t, "flat", half, toMap(t, got))
	assert.NotContains(t, toMap(t, got), "requestedForWithRequestedItems")

	// Half two: the per-identity form.
	perID := facade.NewGrant().Metadata("requestedAppId", appID).Metadata("requestedAppName", appName)
	for _, e := range seed["requestedForWithRequestedItems"].([]any) {
		var items []facade.ItemSpec
		for range e.(map[string]any)["requestedItems"].([]any) {
			acc := facade.Accounts(source, facade.Account(native, uuid), facade.Account(native, uuid))
			items = append(items, facade.Item(facade.ItemTypeAccessProfile, itemID, append(itemOpts, acc, acc)...))
		}
		perID.ForIdentity(e.(map[string]any)["identityId"].(string), items...)
	}
	got, err = perID.BuildAt(now)
	require.NoError(t, err)
	half = map[string]any{}
	for _, k := range []string{"clientMetadata", "requestType", "requestedForWithRequestedItems"} {
		half[k] = seed[k]
	}
	subset(t, "perIdentity", half, toMap(t, got))
	m := toMap(t, got)
	assert.NotContains(t, m, "requestedFor")
	assert.NotContains(t, m, "requestedItems")
}

func TestTheSeedsMixedBodyIsRefused(t *testing.T) {
	t.Parallel()
	seed := seedBody(t)
	moveDates(seed, nextWeek.Format(time.RFC3339))
	b, err := json.Marshal(seed)
	require.NoError(t, err)
	var req facade.AccessRequest
	require.NoError(t, json.Unmarshal(b, &req))
	err = facade.ValidateAccessRequest(req, now)
	require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
	assert.Contains(t, err.Error(), "requestedFor must be absent when requestedForWithRequestedItems is used")
	assert.Contains(t, err.Error(), "requestedItems must be absent when requestedForWithRequestedItems is used")
}

// The two forms of a request never appear together: a flat request sends no per-identity list,
// and a per-identity request sends neither requestedFor nor requestedItems, not even empty.
func TestTheFlatAndPerIdentityFormsAreNeverSentTogether(t *testing.T) {
	t.Parallel()
	flat, err := facade.NewGrant().For("id-1").Role("role-1").Build()
	require.NoError(t, err)
	body, err := json.Marshal(flat)
	require.NoError(t, err)
	assert.NotContains(t, string(body), "requestedForWithRequestedItems")
	assert.Nil(t, flat.RequestedForWithRequestedItems)

	per, err := facade.NewGrant().ForIdentity("id-1", facade.Item(facade.ItemTypeRole, "role-1")).Build()
	require.NoError(t, err)
	body, err = json.Marshal(per)
	require.NoError(t, err)
	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &top))
	assert.NotContains(t, top, "requestedFor")
	assert.NotContains(t, top, "requestedItems")
	assert.Contains(t, top, "requestedForWithRequestedItems")
	assert.Nil(t, per.RequestedFor)
	assert.Nil(t, per.RequestedItems)
}

// A builder or ValidateAccessRequest makes no call, so its error does not say "nothing was
// sent"; Create refuses a call, and says so. All three are invalid input with the same problems.
func TestValidationErrorsSayWhetherACallWasRefused(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		_, buildErr := facade.NewRevoke("id-1").Role("role-1").Build() // a revoke needs a comment
		require.ErrorIs(t, buildErr, facade.ErrInvalidInput)
		assert.Equal(t, "accessrequests: invalid input for createAccessRequest: requestedItems[0].comment is required for REVOKE_ACCESS", buildErr.Error())

		req := facade.AccessRequest{RequestType: facade.RequestTypeRevoke, RequestedFor: []string{"id-1"},
			RequestedItems: []facade.AccessRequestItem{{Type: facade.ItemTypeRole, ID: "role-1"}}}
		checkErr := facade.ValidateAccessRequest(req, time.Now())
		require.ErrorIs(t, checkErr, facade.ErrInvalidInput)
		assert.Equal(t, buildErr.Error(), checkErr.Error())

		e := newEnvFor(t, api)
		_, createErr := e.client().Create(context.Background(), req)
		require.ErrorIs(t, noteErr(createErr), facade.ErrInvalidInput)
		assert.Equal(t, "accessrequests: "+e.op("createAccessRequest")+": invalid input, nothing was sent: requestedItems[0].comment is required for REVOKE_ACCESS", createErr.Error())
		assert.Zero(t, e.calls.Load())
		var ve *facade.ValidationError
		require.ErrorAs(t, createErr, &ve)
		assert.Equal(t, []facade.FieldError{{Field: "requestedItems[0].comment", Rule: "is required for REVOKE_ACCESS"}}, ve.Problems)
	})
}

// Dates in a create's body go out in UTC to the millisecond, as the vendor writes them, never
// with the nanoseconds a time.Time carries.
func TestCreateSendsDatesToTheMillisecond(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		var body []byte
		e.handle("POST /access-requests", func(w http.ResponseWriter, r *http.Request) {
			body, _ = io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"newRequests":[]}`))
		})
		remove := time.Date(2027, 7, 1, 14, 30, 5, 123_456_789, time.FixedZone("CEST", 2*3600))
		req := grantRequest()
		req.RequestedItems[0].RemoveDate = remove
		_, err := e.client().Create(context.Background(), req)
		require.NoError(t, noteErr(err))
		assert.Contains(t, string(body), `"removeDate":"2027-07-01T12:30:05.123Z"`)
		assert.Equal(t, remove, req.RequestedItems[0].RemoveDate, "the caller's request is not changed")

		built, err := facade.NewGrant().For("id-1").Role("role-1", facade.RemoveOn(remove)).Build()
		require.NoError(t, err)
		assert.Equal(t, time.Date(2027, 7, 1, 12, 30, 5, 123_000_000, time.UTC), built.RequestedItems[0].RemoveDate, "Build returns what will be sent")
	})
}
