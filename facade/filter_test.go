package facade_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/internal/filter"
)

func TestFiltersRender(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("X", 3600))
	cases := []struct {
		name  string
		conds []facade.Condition
		want  string
	}{
		{"one id", []facade.Condition{facade.AccessRequestID().Eq("2c91")}, `accessRequestId eq "2c91"`},
		{"several ids", []facade.Condition{facade.AccessRequestID().In("a", "b")}, `accessRequestId in ("a","b")`},
		{"no account activity item", []facade.Condition{facade.AccountActivityItemID().IsNull()}, `accountActivityItemId isnull`},
		{"created after, in UTC", []facade.Condition{facade.Created().Gt(day)}, `created gt 2026-02-28T23:00:00.000Z`},
		{"created in a month", []facade.Condition{facade.Created().Sw("2026-03")}, `created sw "2026-03"`},
		{"combined with and", []facade.Condition{facade.AccessRequestID().Sw("2c"), facade.Created().Le(day)},
			`accessRequestId sw "2c" and created le 2026-02-28T23:00:00.000Z`},
		{"a quote cannot end the value", []facade.Condition{facade.AccessRequestID().Eq(`x" or name eq "y`)},
			`accessRequestId eq "x\" or name eq \"y"`},
		{"a backslash cannot escape the closing quote", []facade.Condition{facade.AccessRequestID().Eq(`x\`)}, `accessRequestId eq "x\\"`},
		{"a field the vendor adds later", []facade.Condition{facade.FilterOn("requestType").Eq("GRANT_ACCESS")}, `requestType eq "GRANT_ACCESS"`},
		// Each operator's method names its own operator (guards Ne, Gt and Ge's arguments).
		{"ne", []facade.Condition{facade.FilterOn("requestType").Ne("REVOKE_ACCESS")}, `requestType ne "REVOKE_ACCESS"`},
		{"gt", []facade.Condition{facade.FilterOn("name").Gt("m")}, `name gt "m"`},
		{"ge", []facade.Condition{facade.FilterOn("name").Ge("m")}, `name ge "m"`},
		{"nothing", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := facade.ListingBeta.Filters(tc.conds...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			if got != "" {
				expr, err := filter.Parse(got)
				require.NoError(t, err, "what the builder writes, the grammar reads")
				assert.Len(t, expr, len(tc.conds))
			}
		})
	}
}

func TestFiltersRefuseWhatTheServerDoesNotSupport(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cond facade.Condition
		want string
	}{
		{"isnull on accessRequestId", facade.AccessRequestID().IsNull(), `filter accessRequestId: operator "isnull" is not supported`},
		{"an empty in", facade.AccessRequestID().In(), "accessRequestId in needs at least one value"},
		// Whole sentences from here: each names the field and the operator in its place.
		{"a control character", facade.AccessRequestID().Eq("a\nb"), "filter accessRequestId eq: value contains a control character"},
		{"invalid UTF-8", facade.AccessRequestID().Ne("a\xffb"), "filter accessRequestId ne: value is not valid UTF-8"},
		{"a field name with a space", facade.FilterOn("name eq").Eq("x"), `filter field "name eq" is not a field name (letters, digits, '.' and '_')`},
		{"a typed field of another listing", facade.AdminStatus().Eq("x"),
			`filter field "status" is not supported by listAccessRequestStatus (supported: accessRequestId, accountActivityItemId, created)`},
		{"the field name and", facade.FilterOn("and").Eq("x"), "not a field name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := facade.ListingBeta.Filters(facade.AccessRequestID().Eq("ok"), tc.cond)
			require.Error(t, noteErr(err))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSorters(t *testing.T) {
	t.Parallel()
	got, err := facade.Sorters(facade.Desc(facade.SortCreated), facade.Asc(facade.SortName))
	require.NoError(t, err)
	assert.Equal(t, "-created,name", got)
	// A field named twice is refused by name (guards the arguments of Sorters' "named twice").
	_, err = facade.Sorters(facade.Asc(facade.SortCreated), facade.Desc(facade.SortCreated))
	assert.EqualError(t, err, `accessrequests: sorter "created" is named twice`)

	for _, bad := range []string{"priority", "-created,created", "", "created,,name"} {
		_, err := facade.ParseSorters(bad)
		assert.Error(t, noteErr(err), "%q", bad)
	}
	keys, err := facade.ParseSorters("-modified, accountActivityItemId")
	require.NoError(t, err)
	assert.Equal(t, []facade.SortKey{{Field: "modified", Desc: true}, {Field: "accountActivityItemId"}}, keys)
}

// FuzzFilterBuilder: any field, operator and value either is refused, or renders to a filter
// that parses back to the very same single condition — no value can smuggle in a second term.
func FuzzFilterBuilder(f *testing.F) {
	f.Add(uint8(0), uint8(0), "2c9180835d2e5168015d32f890ca1581")
	f.Add(uint8(1), uint8(7), `x" and accessRequestId eq "y`)
	f.Add(uint8(0), uint8(6), `\`)
	f.Add(uint8(2), uint8(3), `" or 1 eq 1 or "`)
	f.Add(uint8(3), uint8(8), "")
	f.Add(uint8(1), uint8(2), "a,b) and (c")
	f.Fuzz(func(t *testing.T, fieldN, opN uint8, value string) {
		fields := []facade.FilterField{facade.AccessRequestID(), facade.AccountActivityItemID(), facade.FilterOn("name"), facade.FilterOn(value)}
		field := fields[int(fieldN)%len(fields)]
		ops := []func(string) facade.Condition{field.Eq, field.Ne, field.Gt, field.Ge, field.Lt, field.Le, field.Sw,
			func(v string) facade.Condition { return field.In(v, v+"2") },
			func(string) facade.Condition { return field.IsNull() }}
		cond := ops[int(opN)%len(ops)](value)
		rendered, err := facade.ListingBeta.Filters(cond)
		if err != nil {
			return
		}
		expr, err := filter.Parse(rendered)
		if err != nil {
			t.Fatalf("builder wrote %q, which does not parse: %v", rendered, err)
		}
		if len(expr) != 1 {
			t.Fatalf("one condition became %d: %q", len(expr), rendered)
		}
		again, err := facade.ListingBeta.Filters(cond)
		if err != nil || again != rendered {
			t.Fatalf("rendering is not stable: %q vs %q", again, rendered)
		}
		switch c := expr[0]; c.Op {
		case "isnull":
			if len(c.Values) != 0 {
				t.Fatalf("isnull parsed with values %q", c.Values)
			}
		case "in":
			if len(c.Values) != 2 || c.Values[0] != value || c.Values[1] != value+"2" {
				t.Fatalf("in values changed: %q from %q", c.Values, value)
			}
		default:
			if len(c.Values) != 1 || c.Values[0] != value {
				t.Fatalf("value changed: %q from %q", c.Values, value)
			}
		}
	})
}

// Dates go on the wire as the vendor writes them (UTC, milliseconds), and a time finer than a
// millisecond is rounded so that each operator keeps its meaning over dates the API stores to
// the millisecond.
func TestCreatedConditionsSendMillisecondsAndKeepTheirMeaning(t *testing.T) {
	t.Parallel()
	fine := time.Date(2026, 3, 1, 12, 0, 0, 500_400, time.FixedZone("X", 3600)) // 11:00:00.0005004Z
	exact := time.Date(2026, 3, 1, 12, 0, 0, 7_000_000, time.FixedZone("X", 3600))
	cases := []struct {
		cond facade.Condition
		want string
	}{
		{facade.Created().Ge(fine), `created ge 2026-03-01T11:00:00.001Z`},
		{facade.Created().Gt(fine), `created gt 2026-03-01T11:00:00.000Z`},
		{facade.Created().Le(fine), `created le 2026-03-01T11:00:00.000Z`},
		{facade.Created().Lt(fine), `created lt 2026-03-01T11:00:00.001Z`},
		{facade.Created().Eq(fine), `created eq 2026-03-01T11:00:00.000Z`},
		{facade.Created().Ne(fine), `created ne 2026-03-01T11:00:00.000Z`},
		{facade.Created().In(fine, exact), `created in (2026-03-01T11:00:00.000Z,2026-03-01T11:00:00.007Z)`},
		{facade.Created().Ge(exact), `created ge 2026-03-01T11:00:00.007Z`},
		{facade.Created().Lt(exact), `created lt 2026-03-01T11:00:00.007Z`},
	}
	for _, tc := range cases {
		got, err := facade.ListingBeta.Filters(tc.cond)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
		_, err = filter.Parse(got)
		assert.NoError(t, err, "the grammar reads %s", got)
	}
}

// CheckFilters takes an expression as RawFilters sends it and refuses, naming what is
// supported, every field the listing does not filter on and every operator its field does not
// take, before anything is sent.
func TestCheckFiltersRefusesWhatTheListingDoesNotSupport(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{
		"", "  ",
		`accessRequestId eq "2c91"`,
		`accountActivityItemId isnull and created gt 2026-01-01T00:00:00Z`,
		`accessRequestId in ("a","b") and created sw "2026-03"`,
		`created LE 2026-01-01T00:00:00Z`,
	} {
		assert.NoError(t, facade.ListingBeta.CheckFilters(ok), "%q", ok)
	}
	for expr, want := range map[string]string{
		`name eq "x"`:                       `filter field "name" is not supported by listAccessRequestStatus (supported: accessRequestId, accountActivityItemId, created)`,
		`accessrequestid eq "x"`:            `filter field "accessrequestid" is not supported by listAccessRequestStatus (did you mean "accessRequestId"?)`,
		`accessRequestId isnull`:            `filter accessRequestId: operator "isnull" is not supported by listAccessRequestStatus (supported: eq, in, ge, gt, le, lt, ne, sw)`,
		`created co "2026"`:                 `filter created: operator "co" is not supported`,
		`accessRequestId eq "a" and x eq 1`: `filter field "x" is not supported`,
		`accessRequestId eq`:                `filter: accessRequestId eq: expected a value`,
		"accessRequestId eq \"a\x1bb\"":     `value contains a control character`,
	} {
		err := facade.ListingBeta.CheckFilters(expr)
		require.ErrorIs(t, err, facade.ErrInvalidInput, "%q", expr)
		assert.Contains(t, err.Error(), want, "%q", expr)
	}
}

// TestEachListingTakesWhatItsGenerationAccepts: the successor's user listing has no "in" on the
// request's id (nor lt or isnull on the account activity item's id, nor in, sw or isnull on
// created); the administrators' listing filters on the status too and sorts on the request's
// id. The filter builders, CheckFilters, the sorters and a client's listing refuse per listing,
// naming what that listing supports; the package-level functions are the default generation's.
func TestEachListingTakesWhatItsGenerationAccepts(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	all := []facade.Listing{facade.ListingBeta, facade.ListingV1, facade.ListingAdmin}
	for _, tc := range []struct {
		cond facade.Condition
		ok   []facade.Listing
	}{
		{facade.AccessRequestID().In("a", "b"), []facade.Listing{facade.ListingBeta, facade.ListingAdmin}},
		{facade.AccessRequestID().Eq("a"), all},
		{facade.AccessRequestID().Sw("2c"), all},
		{facade.AccountActivityItemID().In("a"), all},
		{facade.AccountActivityItemID().Lt("a"), []facade.Listing{facade.ListingBeta, facade.ListingAdmin}},
		{facade.AccountActivityItemID().IsNull(), []facade.Listing{facade.ListingBeta, facade.ListingAdmin}},
		{facade.Created().Gt(day), all},
		{facade.Created().In(day), []facade.Listing{facade.ListingBeta, facade.ListingAdmin}},
		{facade.Created().Sw("2026-03"), []facade.Listing{facade.ListingBeta, facade.ListingAdmin}},
		{facade.Created().IsNull(), []facade.Listing{facade.ListingBeta, facade.ListingAdmin}},
		{facade.AdminStatus().In("PENDING", "EXECUTING"), []facade.Listing{facade.ListingAdmin}},
		{facade.AdminStatus().Sw("P"), nil},
		{facade.FilterOn("requestType").Eq("GRANT_ACCESS"), all},
	} {
		for _, l := range all {
			rendered, err := l.Filters(tc.cond)
			expr := tc.cond.String()
			checkErr := l.CheckFilters(expr)
			if slices.Contains(tc.ok, l) {
				assert.NoError(t, err, "%s on %s", expr, l)
				assert.Equal(t, expr, rendered)
				if tc.cond.String() != `requestType eq "GRANT_ACCESS"` {
					assert.NoError(t, checkErr, "%s on %s", expr, l)
				}
				continue
			}
			require.Error(t, noteErr(err), "%s on %s", expr, l)
			assert.Contains(t, err.Error(), "not supported by "+string(l))
			assert.ErrorIs(t, checkErr, facade.ErrInvalidInput, "%s on %s", expr, l)
			assert.Contains(t, checkErr.Error(), "not supported by "+string(l))
		}
		// The package-level builders are the default generation's listing.
		_, v1Err := facade.ListingV1.Filters(tc.cond)
		_, defErr := facade.Filters(tc.cond)
		assert.Equal(t, v1Err == nil, defErr == nil, "%s", tc.cond)
		assert.Equal(t, facade.ListingV1.CheckFilters(tc.cond.String()) == nil, facade.CheckFilters(tc.cond.String()) == nil)
	}
	assert.Equal(t, facade.ListingV1, facade.DefaultAPI.StatusListing())
	assert.Equal(t, facade.ListingBeta, facade.APIBeta.StatusListing())

	err := facade.ListingV1.CheckFilters(`accessRequestId in ("a","b")`)
	require.ErrorIs(t, err, facade.ErrInvalidInput)
	assert.Contains(t, err.Error(), `filter accessRequestId: operator "in" is not supported by listAccessRequestStatusV1 (supported: eq, ge, gt, le, lt, ne, sw)`)
	err = facade.ListingV1.CheckFilters(`status eq "PENDING"`)
	assert.Contains(t, err.Error(), `filter field "status" is not supported by listAccessRequestStatusV1 (supported: accessRequestId, accountActivityItemId, created)`)
	assert.Equal(t, []string{"eq", "in", "ne"}, facade.ListingAdmin.FilterOperators()["status"])
	assert.NotContains(t, facade.FilterOperators()["accessRequestId"], "in", "the default listing's operators")

	for _, l := range all {
		_, err := l.Sorters(facade.Asc(facade.SortAccessRequestID))
		assert.Equal(t, l == facade.ListingAdmin, err == nil, "sorting %s by the request's id: %v", l, err)
		keys, err := l.ParseSorters("-created,name")
		require.NoError(t, err)
		assert.Len(t, keys, 2)
	}
	_, err = facade.ParseSorters("accessRequestId")
	assert.ErrorContains(t, err, `sorter "accessRequestId" is not supported by listAccessRequestStatusV1`)
}

// Each operator of a field writes its own name and the value given, quoted. Guards the
// arguments of FilterField's operator methods.
func TestEachOperatorWritesItsName(t *testing.T) {
	f := facade.FilterOn("name")
	for _, tc := range []struct {
		cond facade.Condition
		want string
	}{
		{f.Eq("v"), `name eq "v"`}, {f.Ne("v"), `name ne "v"`}, {f.Gt("v"), `name gt "v"`}, {f.Ge("v"), `name ge "v"`},
		{f.Lt("v"), `name lt "v"`}, {f.Le("v"), `name le "v"`}, {f.Sw("v"), `name sw "v"`},
		{f.In("v", "w"), `name in ("v","w")`}, {f.IsNull(), `name isnull`},
	} {
		got, err := facade.ListingBeta.Filters(tc.cond)
		if assert.NoError(t, err, tc.want) {
			assert.Equal(t, tc.want, got)
		}
	}
}
