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
	"time"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
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
	fmt.Println(cfg.AutoApprovalEnabled)
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

// List every status a query selects, across pages, with the iterator.
func ExampleClient_ListStatus() {
	srv := fake.NewServer() // an in-memory tenant; use facade.NewFromEnv against a real one
	defer srv.Close()
	srv.SeedStatuses(600, "2c9180835d191a86015d28455b4b00a1", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}

	since := facade.Created().Ge(time.Date(2026, 1, 1, 0, 5, 0, 0, time.UTC))
	n := 0
	q := facade.StatusQuery{RequestedFor: "2c9180835d191a86015d28455b4b00a1", Filters: []facade.Condition{since}}
	for st, err := range c.ListStatus(context.Background(), q) {
		if err != nil {
			log.Fatal(err)
		}
		if n == 0 {
			fmt.Println("first:", st.Created.Format(time.RFC3339), st.State)
		}
		n++
	}
	fmt.Println("statuses:", n)
	// Output:
	// first: 2026-01-01T00:05:00Z EXECUTING
	// statuses: 300
}

// Build and submit a grant, then a revoke; Build checks every documented rule first.
func ExampleNewGrant() {
	srv := fake.NewServer()
	defer srv.Close()
	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	grant, err := facade.NewGrant().
		For("2c9180835d191a86015d28455b4b00a1", "2c9180835d191a86015d28455b4b00b2").
		Role("2c9180835d2e5168015d32f890ca1581", facade.Comment("Joining the payments team")).
		Entitlement("779c6fd7171540bba1184e5946112c28", facade.RemoveOn(time.Now().AddDate(0, 3, 0))).
		Metadata("ticket", "CHG-1234").
		Build()
	if err != nil {
		log.Fatal(err) // lists every broken rule, naming the field
	}
	res, err := c.Create(ctx, grant)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new requests:", len(res.NewRequests))

	revoke, err := facade.NewRevoke("2c9180835d191a86015d28455b4b00a1").
		Entitlement("779c6fd7171540bba1184e5946112c28", facade.Comment("Left the payments team")).
		Build()
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Create(ctx, revoke); err != nil {
		log.Fatal(err)
	}

	_, err = facade.NewRevoke("2c9180835d191a86015d28455b4b00a1").Role("2c9180835d2e5168015d32f890ca1581").Build()
	fmt.Println(err)
	// Output:
	// new requests: 2
	// accessrequests: createAccessRequest: invalid input, nothing was sent: requestedItems[0].comment is required for REVOKE_ACCESS
}

// Close any number of requests; the result accounts for every id, even when a call fails.
func ExampleClient_CloseRequests() {
	srv := fake.NewServer()
	defer srv.Close()
	ids := srv.SeedStatuses(1200, "2c9180835d191a86015d28455b4b00a1", time.Now())
	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.CloseRequests(context.Background(), facade.CloseRequest{
		IDs:              ids,
		ExecutionStatus:  facade.ExecutionStatusCompleted,
		CompletionStatus: facade.CompletionStatusSuccess,
		Message:          "Provisioned by hand",
	})
	if err != nil {
		log.Printf("closed %d; not closed: %d; failed call: %v", len(res.Accepted), len(res.NotAccepted()), err)
		return
	}
	fmt.Println("calls:", res.Calls, "closed:", len(res.Accepted))
	// Output: calls: 3 closed: 1200
}
