package fake

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sailkit/accessrequests/gen"
	"github.com/sailkit/accessrequests/internal/filter"
)

type sortKey struct {
	field string
	desc  bool
}

// query is a parsed status listing request, of any of the three listings.
type query struct {
	p     gen.ListAccessRequestStatusParams
	conds filter.Expr
	sorts []sortKey
}

// newQuery parses a listing's parameters, holding its filters and sorters to what that
// listing accepts.
func newQuery(p gen.ListAccessRequestStatusParams, l *listing) (*query, error) {
	q := &query{p: p}
	if p.RegardingIdentity != nil && (p.RequestedFor != nil || p.RequestedBy != nil) {
		return nil, fmt.Errorf("regarding-identity cannot be combined with requested-for or requested-by")
	}
	if p.Filters != nil && strings.TrimSpace(*p.Filters) != "" {
		expr, err := filter.Parse(*p.Filters)
		if err != nil {
			return nil, fmt.Errorf("filters: %v", err)
		}
		for _, c := range expr {
			ops, ok := l.operators[c.Field]
			if !ok {
				return nil, fmt.Errorf("filters: field %q is not supported", c.Field)
			}
			if !slices.Contains(ops, c.Op) {
				return nil, fmt.Errorf("filters: operator %q is not supported for %s", c.Op, c.Field)
			}
			if c.Field == "created" && c.Op != "sw" && c.Op != "isnull" {
				for _, v := range c.Values {
					if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
						return nil, fmt.Errorf("filters: created %s: %q is not an RFC 3339 date-time", c.Op, v)
					}
				}
			}
		}
		q.conds = expr
	}
	if p.Sorters != nil && strings.TrimSpace(*p.Sorters) != "" {
		for _, raw := range strings.Split(*p.Sorters, ",") {
			key := sortKey{field: strings.TrimSpace(raw)}
			if strings.HasPrefix(key.field, "-") {
				key.field, key.desc = key.field[1:], true
			}
			if !slices.Contains(l.sortFields, key.field) {
				return nil, fmt.Errorf("sorters: %q is not a sortable field (%s)", raw, strings.Join(l.sortFields, ", "))
			}
			q.sorts = append(q.sorts, key)
		}
	}
	return q, nil
}

func me(v string) string {
	if v == "me" {
		return CallerID
	}
	return v
}

func (q *query) match(s *gen.Status) bool {
	p := q.p
	forID, byID := s.RequestedFor.ID, s.Requester.ID
	switch {
	case p.RequestedFor != nil && forID != me(*p.RequestedFor):
		return false
	case p.RequestedBy != nil && byID != me(*p.RequestedBy):
		return false
	case p.RegardingIdentity != nil && forID != me(*p.RegardingIdentity) && byID != me(*p.RegardingIdentity):
		return false
	case p.AssignedTo != nil && !assignedTo(s, me(*p.AssignedTo)):
		return false
	case p.RequestState != nil && string(s.State) != string(*p.RequestState):
		return false
	}
	for _, c := range q.conds {
		if !matchCondition(s, c) {
			return false
		}
	}
	return true
}

// assignedTo reports whether identity owns one of the status's pending approvals.
func assignedTo(s *gen.Status, identity string) bool {
	for _, a := range s.ApprovalDetails {
		if a.CurrentOwner.ID != "" && a.CurrentOwner.ID == identity {
			return true
		}
	}
	return false
}

func matchCondition(s *gen.Status, c filter.Condition) bool {
	var value string // empty: the field is absent (null)
	switch c.Field {
	case "accessRequestId":
		value = s.AccessRequestID
	case "accountActivityItemId":
		value = s.AccountActivityItemID
	case "status":
		value = string(s.State)
	case "created":
		if !s.Created.IsZero() {
			value = s.Created.UTC().Format(time.RFC3339Nano)
		}
	}
	if c.Op == "isnull" {
		return value == ""
	}
	if value == "" {
		return false
	}
	compare := func(want string) int {
		if c.Field == "created" {
			w, err := time.Parse(time.RFC3339Nano, want)
			if err != nil {
				return strings.Compare(value, want)
			}
			return s.Created.Compare(w)
		}
		return strings.Compare(value, want)
	}
	switch c.Op {
	case "eq":
		return compare(c.Values[0]) == 0
	case "ne":
		return compare(c.Values[0]) != 0
	case "gt":
		return compare(c.Values[0]) > 0
	case "ge":
		return compare(c.Values[0]) >= 0
	case "lt":
		return compare(c.Values[0]) < 0
	case "le":
		return compare(c.Values[0]) <= 0
	case "sw":
		return strings.HasPrefix(value, c.Values[0])
	case "in":
		return slices.ContainsFunc(c.Values, func(v string) bool { return compare(v) == 0 })
	}
	return false
}

// sort orders statuses by the sorters, then by creation order (the stable default).
func (q *query) sort(list []*gen.Status) {
	if len(q.sorts) == 0 {
		return // insertion order is creation order
	}
	slices.SortStableFunc(list, func(a, b *gen.Status) int {
		for _, k := range q.sorts {
			var c int
			switch k.field {
			case "created":
				c = compareTime(a.Created, b.Created)
			case "modified":
				c = compareTime(a.Modified, b.Modified)
			case "accountActivityItemId":
				c = cmp.Compare(a.AccountActivityItemID, b.AccountActivityItemID)
			case "name":
				c = cmp.Compare(a.Name, b.Name)
			case "accessRequestId":
				c = cmp.Compare(a.AccessRequestID, b.AccessRequestID)
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}

// compareTime orders an absent (zero) time first.
func compareTime(a, b time.Time) int { return a.Compare(b) }
