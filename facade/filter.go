package facade

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sailkit/accessrequests/internal/filter"
)

// Condition is one term of a status filter, made with the field helpers (AccessRequestID,
// AccountActivityItemID, Created, AdminStatus) or FilterOn. Combine terms in
// ListStatusParams.Filters, or with Filters.
type Condition struct {
	field   string
	op      string
	values  []string
	quoted  bool
	checked bool // a documented field: its operators are checked
}

// FilterField makes conditions on one string field.
type FilterField struct {
	name    string
	checked bool
}

// AccessRequestID filters on the request's id, Status.AccessRequestID (eq, ne, gt, ge, lt, le,
// sw; in on the beta's and the administrators' listings, not the successor's user listing).
func AccessRequestID() FilterField { return FilterField{name: "accessRequestId", checked: true} }

// AccountActivityItemID filters on Status.AccountActivityItemID (eq, ne, gt, ge, le, sw, in; lt
// and isnull except on the successor's user listing).
func AccountActivityItemID() FilterField {
	return FilterField{name: "accountActivityItemId", checked: true}
}

// AdminStatus filters the administrators' listing (ListingAdmin) on the request's status, as
// Status.State reports it (eq, ne, in). The other listings do not filter on it.
func AdminStatus() FilterField { return FilterField{name: "status", checked: true} }

// FilterOn filters on a field this package does not know yet (one the vendor adds later).
// Its values are quoted and escaped like any other, but the field and operator are not checked.
func FilterOn(field string) FilterField { return FilterField{name: field} }

func (f FilterField) cond(op string, values ...string) Condition {
	return Condition{field: f.name, op: op, values: values, quoted: true, checked: f.checked}
}

// Eq matches the value exactly.
func (f FilterField) Eq(v string) Condition { return f.cond("eq", v) }

// Ne matches anything but the value.
func (f FilterField) Ne(v string) Condition { return f.cond("ne", v) }

// Gt matches values after v.
func (f FilterField) Gt(v string) Condition { return f.cond("gt", v) }

// Ge matches v and values after it.
func (f FilterField) Ge(v string) Condition { return f.cond("ge", v) }

// Lt matches values before v.
func (f FilterField) Lt(v string) Condition { return f.cond("lt", v) }

// Le matches v and values before it.
func (f FilterField) Le(v string) Condition { return f.cond("le", v) }

// Sw matches values that start with prefix.
func (f FilterField) Sw(prefix string) Condition { return f.cond("sw", prefix) }

// In matches any of the values.
func (f FilterField) In(values ...string) Condition { return f.cond("in", values...) }

// IsNull matches entries where the field has no value.
func (f FilterField) IsNull() Condition { return f.cond("isnull") }

// CreatedField makes conditions on the created date.
type CreatedField struct{}

// Created filters on the created date (eq, ne, gt, ge, lt, le with times; in, sw with a prefix
// such as "2026-03", and isnull except on the successor's user listing). Times are sent in UTC to the millisecond, as the API keeps
// them; a finer time is rounded so that a range means what it says (Ge and Lt round it up, Gt
// and Le down), and cut for Eq, Ne and In.
func Created() CreatedField { return CreatedField{} }

// wireTime is how the vendor writes a date: UTC, to the millisecond.
const wireTime = "2006-01-02T15:04:05.000Z07:00"

func (CreatedField) cond(op string, ts ...time.Time) Condition {
	vals := make([]string, len(ts))
	for i, t := range ts {
		t = t.UTC()
		ms := t.Truncate(time.Millisecond)
		if ms.Before(t) && (op == "ge" || op == "lt") {
			// Dates are kept to the millisecond: "at or after 12:00:00.0005" is "at or after
			// 12:00:00.001", and "before 12:00:00.0005" is "before 12:00:00.001".
			ms = ms.Add(time.Millisecond)
		}
		vals[i] = ms.Format(wireTime)
	}
	return Condition{field: "created", op: op, values: vals, checked: true}
}

// Eq matches that instant.
func (f CreatedField) Eq(t time.Time) Condition { return f.cond("eq", t) }

// Ne matches any other instant.
func (f CreatedField) Ne(t time.Time) Condition { return f.cond("ne", t) }

// Gt matches after t.
func (f CreatedField) Gt(t time.Time) Condition { return f.cond("gt", t) }

// Ge matches t or after.
func (f CreatedField) Ge(t time.Time) Condition { return f.cond("ge", t) }

// Lt matches before t.
func (f CreatedField) Lt(t time.Time) Condition { return f.cond("lt", t) }

// Le matches t or before.
func (f CreatedField) Le(t time.Time) Condition { return f.cond("le", t) }

// In matches any of the instants.
func (f CreatedField) In(ts ...time.Time) Condition { return f.cond("in", ts...) }

// Sw matches dates whose text starts with prefix, e.g. "2026-03".
func (CreatedField) Sw(prefix string) Condition {
	return Condition{field: "created", op: "sw", values: []string{prefix}, quoted: true, checked: true}
}

// IsNull matches entries with no created date.
func (CreatedField) IsNull() Condition {
	return Condition{field: "created", op: "isnull", checked: true}
}

var anyOps = []string{"eq", "ne", "gt", "ge", "lt", "le", "sw", "in", "isnull", "co"}

// String renders the condition without checking it; Filters checks.
func (c Condition) String() string {
	render := func(v string) string {
		if c.quoted {
			return filter.Quote(v)
		}
		return v
	}
	switch c.op {
	case "isnull":
		return c.field + " isnull"
	case "in":
		parts := make([]string, len(c.values))
		for i, v := range c.values {
			parts[i] = render(v)
		}
		return c.field + " in (" + strings.Join(parts, ",") + ")"
	}
	return c.field + " " + c.op + " " + render(c.values[0])
}

// check checks the condition against what listing l filters on.
func (c Condition) check(l Listing) error {
	if !validFieldName(c.field) {
		return fmt.Errorf("filter field %q is not a field name (letters, digits, '.' and '_')", c.field)
	}
	ops := anyOps
	if c.checked {
		var known bool
		if ops, known = l.rules().operators[c.field]; !known {
			return fmt.Errorf("filter field %q is not supported by %s (supported: %s)", c.field, l, strings.Join(l.filterFields(), ", "))
		}
	}
	if !slices.Contains(ops, c.op) {
		return fmt.Errorf("filter %s: operator %q is not supported by %s (supported: %s)", c.field, c.op, l, strings.Join(ops, ", "))
	}
	switch {
	case c.op == "isnull" && len(c.values) != 0:
		return fmt.Errorf("filter %s isnull takes no value", c.field)
	case c.op == "in" && len(c.values) == 0:
		return fmt.Errorf("filter %s in needs at least one value", c.field)
	case c.op != "isnull" && c.op != "in" && len(c.values) != 1:
		return fmt.Errorf("filter %s %s takes exactly one value", c.field, c.op)
	}
	for _, v := range c.values {
		if !utf8.ValidString(v) {
			return fmt.Errorf("filter %s %s: value is not valid UTF-8", c.field, c.op)
		}
		if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return fmt.Errorf("filter %s %s: value contains a control character", c.field, c.op)
		}
	}
	return nil
}

func validFieldName(s string) bool {
	if s == "" || strings.EqualFold(s, "and") {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Listing is one of the status listings. Their filters and sorters differ: the successor's
// user listing has no "in" on the request's id, fewer operators on the account activity item's
// id and on created; the administrators' listing filters on the status too and sorts on the
// request's id. A Client checks a ListStatusParams against the listing it lists (its
// generation's, or ListingAdmin); a Listing's methods make the same checks without a client.
// Its value is the operation's name in the spec.
type Listing string

// The listings.
const (
	ListingBeta  Listing = "listAccessRequestStatus"                 // the beta's
	ListingV1    Listing = "listAccessRequestStatusV1"               // the successor's
	ListingAdmin Listing = "listAdministratorsAccessRequestStatusV1" // the successor's administrators' (ListStatusParams.Admin)
)

// listingRules are what one listing filters and sorts on.
type listingRules struct {
	operators map[string][]string // field -> the operators it takes
	sorts     []string            // the fields it sorts on
}

// listings holds each listing's rules: the beta's are the union of what the vendor's two beta
// documents list (internal/filter, which the fake also evaluates), the successor's what its
// document's prose says. The fake keeps its own copy of the successor's, so that it holds the
// client to the vendor's word rather than to these tables.
var listings = map[Listing]listingRules{
	ListingBeta: {operators: filter.Operators, sorts: filter.SortFields},
	ListingV1: {
		operators: map[string][]string{
			"accessRequestId":       {"eq", "ge", "gt", "le", "lt", "ne", "sw"},
			"accountActivityItemId": {"eq", "in", "ge", "gt", "le", "ne", "sw"},
			"created":               {"eq", "ge", "gt", "le", "lt", "ne"},
		},
		sorts: []string{SortCreated, SortModified, SortAccountActivityItemID, SortName},
	},
	ListingAdmin: {
		operators: map[string][]string{
			"accessRequestId":       {"eq", "in", "ge", "gt", "le", "lt", "ne", "sw"},
			"accountActivityItemId": {"eq", "in", "ge", "gt", "le", "lt", "ne", "isnull", "sw"},
			"created":               {"eq", "in", "ge", "gt", "le", "lt", "ne", "isnull", "sw"},
			"status":                {"eq", "in", "ne"},
		},
		sorts: []string{SortCreated, SortModified, SortAccountActivityItemID, SortName, SortAccessRequestID},
	},
}

// StatusListing is the generation's user listing: ListingBeta or ListingV1.
func (api API) StatusListing() Listing {
	if api == APIBeta {
		return ListingBeta
	}
	return ListingV1
}

// rules returns the listing's rules; an unknown Listing has none, so every checked field is
// refused.
func (l Listing) rules() listingRules { return listings[l] }

func (l Listing) filterFields() []string { return slices.Sorted(maps.Keys(l.rules().operators)) }

// Filters joins conditions with "and" into a filter expression for this listing, as
// ListStatusParams does with its Filters (so a query needs the conditions, not this string; use
// it to show or log a filter, or to extend one in RawFilters). Every value is quoted and
// escaped, so no value can change the filter's meaning; a field the listing does not filter on,
// or an operator the field does not take there, is an error naming both and what is supported.
func (l Listing) Filters(conds ...Condition) (string, error) {
	if len(conds) == 0 {
		return "", nil
	}
	parts := make([]string, len(conds))
	for i, c := range conds {
		if err := c.check(l); err != nil {
			return "", fmt.Errorf("accessrequests: %w", err)
		}
		parts[i] = c.String()
	}
	return strings.Join(parts, " and "), nil
}

// Filters is DefaultAPI.StatusListing().Filters: the conditions checked against the default
// generation's user listing. A beta client's listing is ListingBeta.
func Filters(conds ...Condition) (string, error) { return DefaultAPI.StatusListing().Filters(conds...) }

// CheckFilters checks a filter expression in the vendor's syntax, as RawFilters sends it, against
// what this listing supports: every field must be one it filters on, every operator one that
// field takes there, with the number of values the operator needs, and no value may hold a
// control character. The error names the field or operator and what is supported, and matches
// ErrInvalidInput. An empty expression is valid. RawFilters itself stays unchecked, for fields
// the vendor adds later.
func (l Listing) CheckFilters(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return nil
	}
	parsed, err := filter.Parse(expr)
	if err != nil {
		return fmt.Errorf("accessrequests: filter: %v: %w", err, ErrInvalidInput)
	}
	fields := l.filterFields()
	for _, c := range parsed {
		if _, ok := l.rules().operators[c.Field]; !ok {
			hint := ""
			for _, f := range fields {
				if strings.EqualFold(f, c.Field) {
					hint = fmt.Sprintf(" (did you mean %q?)", f)
				}
			}
			return fmt.Errorf("accessrequests: filter field %q is not supported by %s%s (supported: %s): %w", c.Field, l, hint, strings.Join(fields, ", "), ErrInvalidInput)
		}
		cond := Condition{field: c.Field, op: c.Op, values: c.Values, checked: true}
		if err := cond.check(l); err != nil {
			return fmt.Errorf("accessrequests: %v: %w", err, ErrInvalidInput)
		}
	}
	return nil
}

// CheckFilters is DefaultAPI.StatusListing().CheckFilters: the expression checked against the
// default generation's user listing.
func CheckFilters(expr string) error { return DefaultAPI.StatusListing().CheckFilters(expr) }

// FilterOperators returns, for each field the listing filters on, the operators that field
// takes there (a copy, for completion and help).
func (l Listing) FilterOperators() map[string][]string {
	ops := l.rules().operators
	out := make(map[string][]string, len(ops))
	for f, o := range ops {
		out[f] = slices.Clone(o)
	}
	return out
}

// FilterOperators is DefaultAPI.StatusListing().FilterOperators.
func FilterOperators() map[string][]string { return DefaultAPI.StatusListing().FilterOperators() }

// SortFields lists the fields the listing sorts on (a copy).
func (l Listing) SortFields() []string { return slices.Clone(l.rules().sorts) }

// SortKey is one key of ListStatusParams.Sorters.
type SortKey struct {
	Field string // one of the Sort constants
	Desc  bool   // descending order
}

// Sortable fields of the status listings.
const (
	SortCreated               = "created"
	SortModified              = "modified"
	SortAccountActivityItemID = "accountActivityItemId"
	SortName                  = "name"
	SortAccessRequestID       = "accessRequestId" // the administrators' listing only
)

// Asc sorts by field, ascending.
func Asc(field string) SortKey { return SortKey{Field: field} }

// Desc sorts by field, descending.
func Desc(field string) SortKey { return SortKey{Field: field, Desc: true} }

// Sorters renders sort keys as the sorters parameter of this listing, as ListStatusParams does
// with its Sorters (so a query needs the keys, not this string), refusing fields the listing
// does not sort on and a field named twice.
func (l Listing) Sorters(keys ...SortKey) (string, error) {
	sorts := l.rules().sorts
	parts := make([]string, 0, len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		if !slices.Contains(sorts, k.Field) {
			return "", fmt.Errorf("accessrequests: sorter %q is not supported by %s (supported: %s)", k.Field, l, strings.Join(sorts, ", "))
		}
		if seen[k.Field] {
			return "", fmt.Errorf("accessrequests: sorter %q is named twice", k.Field)
		}
		seen[k.Field] = true
		if k.Desc {
			parts = append(parts, "-"+k.Field)
		} else {
			parts = append(parts, k.Field)
		}
	}
	return strings.Join(parts, ","), nil
}

// Sorters is DefaultAPI.StatusListing().Sorters (the user listings of both generations sort on
// the same fields).
func Sorters(keys ...SortKey) (string, error) { return DefaultAPI.StatusListing().Sorters(keys...) }

// ParseSorters checks a sorters string such as "-created,name" against this listing.
func (l Listing) ParseSorters(s string) ([]SortKey, error) {
	var keys []SortKey
	for _, raw := range strings.Split(s, ",") {
		raw = strings.TrimSpace(raw)
		k := SortKey{Field: strings.TrimPrefix(raw, "-"), Desc: strings.HasPrefix(raw, "-")}
		keys = append(keys, k)
	}
	if _, err := l.Sorters(keys...); err != nil {
		return nil, err
	}
	return keys, nil
}

// ParseSorters is DefaultAPI.StatusListing().ParseSorters.
func ParseSorters(s string) ([]SortKey, error) { return DefaultAPI.StatusListing().ParseSorters(s) }

// DefaultSorters is used when a ListStatusParams names none: creation order, ties broken by
// the account activity item's id, so offset paging sees a stable order.
const DefaultSorters = SortCreated + "," + SortAccountActivityItemID
