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
// AccountActivityItemID, Created) or FilterOn. Combine terms with Filters.
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
// sw, in).
func AccessRequestID() FilterField { return FilterField{name: "accessRequestId", checked: true} }

// AccountActivityItemID filters on Status.AccountActivityItemID (eq, ne, gt, ge, lt, le, sw, in,
// isnull).
func AccountActivityItemID() FilterField {
	return FilterField{name: "accountActivityItemId", checked: true}
}

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

// Created filters on the created date (eq, ne, gt, ge, lt, le, in with times; sw with a
// prefix such as "2026-03"; isnull). Times are sent in UTC to the millisecond, as the API keeps
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

func (c Condition) check() error {
	if !validFieldName(c.field) {
		return fmt.Errorf("filter field %q is not a field name (letters, digits, '.' and '_')", c.field)
	}
	ops := anyOps
	if c.checked {
		ops = filter.Operators[c.field]
	}
	if !slices.Contains(ops, c.op) {
		return fmt.Errorf("filter %s: operator %q is not supported (supported: %s)", c.field, c.op, strings.Join(ops, ", "))
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

// Filters joins conditions with "and" into a filter expression, as ListStatusParams does with
// its Filters (so a query needs the conditions, not this string; use it to show or log a filter,
// or to extend one in RawFilters). Every value is quoted and escaped, so no value can change the
// filter's meaning; an unsupported field and operator pair is an error naming both.
func Filters(conds ...Condition) (string, error) {
	if len(conds) == 0 {
		return "", nil
	}
	parts := make([]string, len(conds))
	for i, c := range conds {
		if err := c.check(); err != nil {
			return "", fmt.Errorf("accessrequests: %w", err)
		}
		parts[i] = c.String()
	}
	return strings.Join(parts, " and "), nil
}

// CheckFilters checks a filter expression in the vendor's syntax, as RawFilters sends it, against
// what listAccessRequestStatus supports: every field must be one it filters on, every operator
// one that field takes, with the number of values the operator needs, and no value may hold a
// control character. The error names the field or operator and what is supported. An empty
// expression is valid. RawFilters itself stays unchecked, for fields the vendor adds later.
func CheckFilters(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return nil
	}
	parsed, err := filter.Parse(expr)
	if err != nil {
		return fmt.Errorf("accessrequests: filter: %v: %w", err, ErrInvalidInput)
	}
	fields := slices.Sorted(maps.Keys(filter.Operators))
	for _, c := range parsed {
		if _, ok := filter.Operators[c.Field]; !ok {
			hint := ""
			for _, f := range fields {
				if strings.EqualFold(f, c.Field) {
					hint = fmt.Sprintf(" (did you mean %q?)", f)
				}
			}
			return fmt.Errorf("accessrequests: filter field %q is not supported%s (supported: %s): %w", c.Field, hint, strings.Join(fields, ", "), ErrInvalidInput)
		}
		cond := Condition{field: c.Field, op: c.Op, values: c.Values, checked: true}
		if err := cond.check(); err != nil {
			return fmt.Errorf("accessrequests: %v: %w", err, ErrInvalidInput)
		}
	}
	return nil
}

// FilterOperators returns, for each field listAccessRequestStatus filters on, the operators
// that field takes (a copy, for completion and help).
func FilterOperators() map[string][]string {
	out := make(map[string][]string, len(filter.Operators))
	for f, ops := range filter.Operators {
		out[f] = slices.Clone(ops)
	}
	return out
}

// SortKey is one key of ListStatusParams.Sorters.
type SortKey struct {
	Field string // one of the Sort constants
	Desc  bool   // descending order
}

// Sortable fields of listAccessRequestStatus.
const (
	SortCreated               = "created"
	SortModified              = "modified"
	SortAccountActivityItemID = "accountActivityItemId"
	SortName                  = "name"
)

// Asc sorts by field, ascending.
func Asc(field string) SortKey { return SortKey{Field: field} }

// Desc sorts by field, descending.
func Desc(field string) SortKey { return SortKey{Field: field, Desc: true} }

// Sorters renders sort keys as the sorters parameter, as ListStatusParams does with its Sorters
// (so a query needs the keys, not this string), refusing fields the server does not sort on and a
// field named twice.
func Sorters(keys ...SortKey) (string, error) {
	parts := make([]string, 0, len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		if !slices.Contains(filter.SortFields, k.Field) {
			return "", fmt.Errorf("accessrequests: sorter %q is not supported (supported: %s)", k.Field, strings.Join(filter.SortFields, ", "))
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

// ParseSorters checks a sorters string such as "-created,name".
func ParseSorters(s string) ([]SortKey, error) {
	var keys []SortKey
	for _, raw := range strings.Split(s, ",") {
		raw = strings.TrimSpace(raw)
		k := SortKey{Field: strings.TrimPrefix(raw, "-"), Desc: strings.HasPrefix(raw, "-")}
		keys = append(keys, k)
	}
	if _, err := Sorters(keys...); err != nil {
		return nil, err
	}
	return keys, nil
}

// DefaultSorters is used when a ListStatusParams names none: creation order, ties broken by
// the account activity item's id, so offset paging sees a stable order.
const DefaultSorters = SortCreated + "," + SortAccountActivityItemID
