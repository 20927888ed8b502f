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
	cfg, err := c.GetConfigV2(context.Background()) // the successor's configuration (DefaultAPI)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.ReauthorizationEnabled)
}

// Construct a client for a tenant with a personal access token's client id and secret.
func ExampleWithClientCredentials() {
	c, err := facade.New(
		facade.WithTenant("acme"), // https://acme.api.identitynow.com, the successor's paths by default
		facade.WithClientCredentials("my-client-id", "my-client-secret"),
		facade.WithUserAgent("nightly-access-sync/1.0"),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL(), c.API())
	// Output: https://acme.api.identitynow.com v1
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

	err = c.Cancel(context.Background(), facade.CancelParams{ID: "2c9180835d2e5168015d32f890ca1581", Comment: "requested by mistake"})
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
	q := facade.ListStatusParams{RequestedFor: "2c9180835d191a86015d28455b4b00a1", Filters: []facade.Condition{since}}
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
	// accessrequests: invalid input for createAccessRequest: requestedItems[0].comment is required for REVOKE_ACCESS
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
	res, err := c.CloseRequests(context.Background(), facade.CloseRequestsParams{
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

// exampleClient starts an in-memory tenant and a client for it. Against a real tenant, use
// facade.NewFromEnv or facade.New with WithTenant and WithClientCredentials instead.
func exampleClient(opts ...facade.Option) (*fake.Server, *facade.Client) {
	srv := fake.NewServer()
	c, err := facade.New(append([]facade.Option{facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret)}, opts...)...)
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

// Submit a request and read which access requests the server created.
func ExampleClient_Create() {
	srv, c := exampleClient()
	defer srv.Close()

	req, err := facade.NewGrant().For("2c9180835d191a86015d28455b4b00a1").
		AccessProfile("2c91808570313110017040b06f344ec9").Build()
	if err != nil {
		log.Fatal(err) // a *ValidationError naming every broken rule; nothing was sent
	}
	res, err := c.Create(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range res.NewRequests {
		fmt.Println("for", t.RequestedFor, "created", len(t.AccessRequestIDs), "request(s)")
	}
	fmt.Println("already pending:", len(res.ExistingRequests))
	// Output:
	// for 2c9180835d191a86015d28455b4b00a1 created 1 request(s)
	// already pending: 0
}

// Revoke access from one identity: each item needs a comment, and Build says so before
// anything is sent.
func ExampleNewRevoke() {
	_, err := facade.NewRevoke("2c9180835d191a86015d28455b4b00a1").
		Role("2c9180835d2e5168015d32f890ca1581").Build()
	fmt.Println(err)

	req, err := facade.NewRevoke("2c9180835d191a86015d28455b4b00a1").
		Role("2c9180835d2e5168015d32f890ca1581", facade.Comment("Left the payments team")).Build()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(req.RequestType, req.RequestedItems[0].Type, req.RequestedItems[0].Comment)
	// Output:
	// accessrequests: invalid input for createAccessRequest: requestedItems[0].comment is required for REVOKE_ACCESS
	// REVOKE_ACCESS ROLE Left the payments team
}

// Cancel a pending request by its access request id, then see its state.
func ExampleClient_Cancel() {
	srv, c := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	ids := srv.SeedStatuses(1, "2c9180835d191a86015d28455b4b00a1", time.Now())

	if err := c.Cancel(ctx, facade.CancelParams{ID: ids[0], Comment: "Requested by mistake"}); err != nil {
		log.Fatal(err)
	}
	st, err := c.Wait(ctx, ids[0], facade.WaitParams{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.State, facade.IsFinal(st.State))
	// Output: CANCELLED true
}

// Change one setting of the tenant's configuration: UpdateConfig reads it, lets you edit it,
// and writes it back.
func ExampleClient_UpdateConfig() {
	srv, c := exampleClient(facade.WithAPI(facade.APIBeta)) // the beta's configuration; the successor's is UpdateConfigV2
	defer srv.Close()

	cfg, err := c.UpdateConfig(context.Background(), func(cfg *facade.Config) error {
		cfg.AutoApprovalEnabled = true
		cfg.EntitlementRequestConfig.RequestCommentsRequired = true
		cfg.ApprovalReminderAndEscalationConfig.MaxReminders = facade.Ptr[int32](3)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.AutoApprovalEnabled, cfg.EntitlementRequestConfig.RequestCommentsRequired,
		*cfg.ApprovalReminderAndEscalationConfig.MaxReminders)
	// Output: true true 3
}

// Change settings of the successor's configuration (v2) in a read-modify-write: what the
// function does not touch, settings this package does not know included, is written back as
// read.
func ExampleClient_UpdateConfigV2() {
	srv, c := exampleClient()
	defer srv.Close()

	cfg, err := c.UpdateConfigV2(context.Background(), func(cfg *facade.ConfigV2) error {
		cfg.GovGroupVisibilityEnabled = true
		cfg.EntitlementRequestConfig.AccessRequestConfig.RequireEndDate = true
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.GovGroupVisibilityEnabled, cfg.EntitlementRequestConfig.AccessRequestConfig.RequireEndDate)
	// Output: true true
}

// Cancel any number of requests with the successor's bulk cancel: 50 ids a call, and every id
// accounted for.
func ExampleClient_CancelRequests() {
	srv, c := exampleClient()
	defer srv.Close()
	ids := srv.SeedStatuses(120, "2c9180835d191a86015d28455b4b00a1", time.Now())

	res, err := c.CancelRequests(context.Background(), facade.CancelRequestsParams{IDs: ids, Comment: "The project was cancelled"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.Accepted), "accepted in", res.Calls, "calls;", len(res.NotAccepted()), "not")
	// Output: 120 accepted in 3 calls; 0 not
}

// A beta client refuses, before anything is sent, what only the successor has.
func ExampleErrNotInAPI() {
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithTenant("acme"), facade.WithAccessToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.CancelRequests(context.Background(), facade.CancelRequestsParams{IDs: []string{"2c91808a"}, Comment: "x"})
	fmt.Println(errors.Is(err, facade.ErrNotInAPI), errors.Is(err, facade.ErrInvalidInput))
	fmt.Println(err)
	// Output:
	// true true
	// accessrequests: CancelRequests is not in the beta API generation, and nothing was sent: cancel each request with Cancel, or make the client with WithAPI(APIV1)
}

// Wait until a request reaches a final state, polling with a growing interval.
func ExampleClient_Wait() {
	srv, c := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	ids := srv.SeedStatuses(1, "2c9180835d191a86015d28455b4b00a1", time.Now())
	// Someone closes the request as provisioned by hand.
	_, err := c.CloseRequests(ctx, facade.CloseRequestsParams{IDs: ids,
		ExecutionStatus: facade.ExecutionStatusCompleted, CompletionStatus: facade.CompletionStatusSuccess})
	if err != nil {
		log.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(ctx, time.Minute) // Wait stops when ctx ends
	defer cancel()
	st, err := c.Wait(ctx, ids[0], facade.WaitParams{Interval: time.Second, MaxInterval: 30 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.State)
	// Output: REQUEST_COMPLETED
}

// Filters quotes and escapes every value, so no value can change the filter's meaning; an
// operator the field does not support in the listing is an error. The package-level Filters is
// the default generation's listing; each Listing checks its own.
func ExampleFilters() {
	f, err := facade.Filters(
		facade.AccessRequestID().Eq(`odd "id"`),
		facade.Created().Ge(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)),
	)
	fmt.Println(f, err)

	_, err = facade.Filters(facade.AccessRequestID().In("2c91808a", "2c91808b"))
	fmt.Println(err)
	f, err = facade.ListingBeta.Filters(facade.AccessRequestID().In("2c91808a", "2c91808b"))
	fmt.Println(f, err)
	// Output:
	// accessRequestId eq "odd \"id\"" and created ge 2026-03-01T00:00:00.000Z <nil>
	// accessrequests: filter accessRequestId: operator "in" is not supported by listAccessRequestStatusV1 (supported: eq, ge, gt, le, lt, ne, sw)
	// accessRequestId in ("2c91808a","2c91808b") <nil>
}

// Hold filters and sorters as values in the query; they are checked and rendered once for the
// whole listing. RawFilters and RawSorters take an expression as is, for what the typed values
// cannot say yet.
func ExampleListStatusParams() {
	srv, c := exampleClient()
	defer srv.Close()
	srv.SeedStatuses(5, "2c9180835d191a86015d28455b4b00a1", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

	q := facade.ListStatusParams{
		Filters: []facade.Condition{facade.Created().Ge(time.Date(2026, 1, 1, 0, 0, 2, 0, time.UTC))},
		Sorters: []facade.SortKey{facade.Desc(facade.SortCreated)},
	}
	got, err := c.CollectStatus(context.Background(), q, 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, st := range got {
		fmt.Println(st.Created.Format(time.TimeOnly))
	}
	// Output:
	// 00:00:04
	// 00:00:03
	// 00:00:02
}

// Count operations and retries with the hooks; examples/otel turns them into OpenTelemetry
// spans.
func ExampleWithHooks() {
	srv, _ := exampleClient()
	defer srv.Close()
	var attempts, retries int
	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret),
		facade.WithHooks(facade.Hooks{
			Attempt: func(_ context.Context, a facade.Attempt) {
				attempts++
				if a.Retry != facade.RetryNone {
					retries++
				}
			},
			OperationDone: func(_ context.Context, op facade.Operation) {
				fmt.Println(op.Name, op.Status, op.Outcome)
			},
		}))
	if err != nil {
		log.Fatal(err)
	}
	_, _ = c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
	fmt.Println("attempts:", attempts, "retries:", retries)
	// Output:
	// listAccessRequestStatusV1 200 success
	// attempts: 1 retries: 0
}
