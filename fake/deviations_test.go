package fake_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
	"github.com/sailkit/accessrequests/internal/contract"
)

// TestEachDeviationDoesWhatItSays: every switch departs from the spec as documented (the
// contract harness sees the departures), and each can be seen through the facade.
func TestEachDeviationDoesWhatItSays(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	srv.SeedStatuses(10, alice, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	h, err := contract.New(context.Background())
	require.NoError(t, err)
	hc := &http.Client{Transport: h.RoundTripper(srv.Client().Transport), Timeout: 10 * time.Second}
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret), facade.WithHTTPClient(hc))
	require.NoError(t, err)
	ctx := context.Background()
	q := facade.ListStatusParams{PageSize: 10, Count: true}

	page, err := c.ListStatusPage(ctx, q, 10)
	require.NoError(t, err, "off by default: an empty page at the end")
	assert.Empty(t, page.Items)
	assert.Empty(t, h.Violations(), "off by default: the spec, exactly")

	srv.SetDeviations(fake.Deviations{EndOffset400: true})
	_, err = c.ListStatusPage(ctx, q, 10)
	assert.ErrorIs(t, err, facade.ErrBadRequest)
	_, err = c.ListStatusPage(ctx, q, 11)
	assert.ErrorIs(t, err, facade.ErrBadRequest, "past the end too")

	srv.SetDeviations(fake.Deviations{ClaimedTotal: math.MaxInt32})
	page, err = c.ListStatusPage(ctx, q, 0)
	require.NoError(t, err)
	assert.Equal(t, math.MaxInt32, page.Total)
	assert.Len(t, page.Items, 10)

	srv.SetDeviations(fake.Deviations{UnknownFields: true, OtherShapes: true})
	page, err = c.ListStatusPage(ctx, q, 0)
	require.NoError(t, err)
	require.Len(t, page.Items, 10)
	assert.Equal(t, "EXTEND_ACCESS", string(page.Items[0].RequestType), "an enum value the spec lacks")
	assert.Len(t, facade.SodMessages(page.Items[0]), 1, "the message served as a list")
	paths := map[string]int{}
	for _, w := range page.Warnings {
		paths[w.Path]++
	}
	assert.Equal(t, map[string]int{"approvalIds": 10, "clientMetadata.attempt": 10}, paths, "fields in other shapes")
	cfg, err := c.GetConfig(ctx)
	require.NoError(t, err)
	assert.Equal(t, fake.UnknownConfigFields["futureTopLevel"], string(cfg.AdditionalProperties["futureTopLevel"]))
	assert.Equal(t, fake.UnknownConfigFields["entitlementRequestConfig.futureNested"],
		string(cfg.EntitlementRequestConfig.AdditionalProperties["futureNested"]))

	// Settings the spec lacks that a client writes are stored and served back as written,
	// one it changes included.
	_, err = c.UpdateConfig(ctx, func(cfg *facade.Config) error {
		cfg.AdditionalProperties["futureTopLevel"] = json.RawMessage(`7`)
		cfg.AdditionalProperties["zzStored"] = json.RawMessage(`{"n":2.50}`)
		cfg.EntitlementRequestConfig.AdditionalProperties["zzNested"] = json.RawMessage(`true`)
		return nil
	})
	require.NoError(t, err)
	cfg, err = c.GetConfig(ctx)
	require.NoError(t, err)
	assert.Equal(t, `7`, string(cfg.AdditionalProperties["futureTopLevel"]))
	assert.Equal(t, `{"n":2.50}`, string(cfg.AdditionalProperties["zzStored"]))
	assert.Equal(t, `true`, string(cfg.EntitlementRequestConfig.AdditionalProperties["zzNested"]))
	srv.SetDeviations(fake.Deviations{})
	cfg, err = c.GetConfig(ctx)
	require.NoError(t, err)
	assert.Empty(t, cfg.AdditionalProperties, "without the deviation, the spec's settings only")

	var violations string
	for _, v := range h.Violations() {
		violations += v.Error()
	}
	assert.True(t, strings.Contains(violations, `"/0/approvalIds": value must be an array`), "the harness sees a field in another shape")
	assert.True(t, strings.Contains(violations, "futureTopLevel"), "the harness sees a field the spec lacks")
}
