package facade_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

func TestStatusQuerySendsTheSameFiltersAndSortersOnEveryPage(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		tests := []struct {
			name                     string
			q                        facade.ListStatusParams
			wantFilters, wantSorters string
		}{
			{
				name: "typed values are rendered",
				q: facade.ListStatusParams{
					Filters: []facade.Condition{facade.AccessRequestID().Sw("ar-"), facade.Created().Lt(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))},
					Sorters: []facade.SortKey{facade.Desc(facade.SortModified), facade.Asc(facade.SortName)},
				},
				wantFilters: `accessRequestId sw "ar-" and created lt 2027-01-01T00:00:00.000Z`,
				wantSorters: "-modified,name",
			},
			{
				name:        "raw strings are sent as given",
				q:           facade.ListStatusParams{RawFilters: `accountActivityItemId isnull`, RawSorters: "-priority"},
				wantFilters: `accountActivityItemId isnull`,
				wantSorters: "-priority",
			},
			{
				name:        "no sorters means the stable default",
				q:           facade.ListStatusParams{},
				wantSorters: facade.DefaultSorters,
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api).lax() // "-priority" is not a sorter the spec allows
				p := &pager{total: 600, failAt: -1}
				var mu sync.Mutex
				var filters, sorters []string
				e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					filters = append(filters, r.URL.Query().Get("filters"))
					sorters = append(sorters, r.URL.Query().Get("sorters"))
					mu.Unlock()
					p.ServeHTTP(w, r)
				})
				got, err := e.client().CollectStatus(context.Background(), tc.q, 0)
				require.NoError(t, noteErr(err))
				require.Len(t, got, 600)
				assert.Equal(t, []string{tc.wantFilters, tc.wantFilters, tc.wantFilters}, filters)
				assert.Equal(t, []string{tc.wantSorters, tc.wantSorters, tc.wantSorters}, sorters)
			})
		}
	})
}

func TestStatusQueryRefusesTypedAndRawTogether(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		tests := []struct {
			name string
			q    facade.ListStatusParams
			want string
		}{
			{"filters twice", facade.ListStatusParams{Filters: []facade.Condition{facade.AccessRequestID().Eq("a")}, RawFilters: "x"},
				"filters set Filters or RawFilters, not both"},
			{"sorters twice", facade.ListStatusParams{Sorters: []facade.SortKey{facade.Asc(facade.SortName)}, RawSorters: "name"},
				"sorters set Sorters or RawSorters, not both"},
			{"a typed sorter the server does not sort on", facade.ListStatusParams{Sorters: []facade.SortKey{facade.Asc("priority")}},
				`sorters sorter "priority" is not supported`},
			{"a typed filter with an unsupported operator", facade.ListStatusParams{Filters: []facade.Condition{facade.AccessRequestID().IsNull()}},
				`filters filter accessRequestId: operator "isnull" is not supported`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api)
				c := e.client()
				_, err := c.ListStatusPage(context.Background(), tc.q, 0)
				require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
				assert.ErrorContains(t, err, tc.want)
				for _, err := range c.ListStatus(context.Background(), tc.q) {
					assert.ErrorContains(t, noteErr(err), tc.want, "the iterator refuses it too")
				}
				assert.Zero(t, e.calls.Load(), "nothing is sent")
			})
		}
	})
}
