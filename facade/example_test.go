package facade_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/sailkit/accessrequests/facade"
)

// Construct a client from SAIL_BASE_URL, SAIL_CLIENT_ID and SAIL_CLIENT_SECRET, the variables
// the vendor's CLI and SDKs use.
func ExampleNewFromEnv() {
	c, err := facade.NewFromEnv(
		facade.WithVendorRateLimit(), // stay under 100 requests per 10 seconds
		facade.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))),
	)
	if err != nil {
		log.Fatal(err) // names every missing variable
	}
	cfg, err := c.GetConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*cfg.AutoApprovalEnabled)
}

// Construct a client for a tenant with a personal access token's client id and secret.
func ExampleWithClientCredentials() {
	c, err := facade.New(
		facade.WithTenant("acme"), // https://acme.api.identitynow.com/beta
		facade.WithClientCredentials("my-client-id", "my-client-secret"),
		facade.WithUserAgent("nightly-access-sync/1.0"),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL())
	// Output: https://acme.api.identitynow.com/beta
}

// Inspect a failed call: errors.Is for the kind, errors.As for the vendor's details.
func ExampleAPIError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"detailCode":"404 Not found","trackingId":"b21b1f7ce4da4d639f2c62a57171b427",
			"messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"No such access request."}]}`)
	}))
	defer srv.Close()
	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithAccessToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}

	err = c.Cancel(context.Background(), "2c9180835d2e5168015d32f890ca1581", "requested by mistake")
	if errors.Is(err, facade.ErrNotFound) {
		var apiErr *facade.APIError
		errors.As(err, &apiErr)
		fmt.Println(apiErr.StatusCode, apiErr.DetailCode)
		fmt.Println(apiErr.Messages[0].Text)
		fmt.Println("tracking id:", apiErr.TrackingID)
	}
	// Output:
	// 404 404 Not found
	// No such access request.
	// tracking id: b21b1f7ce4da4d639f2c62a57171b427
}
