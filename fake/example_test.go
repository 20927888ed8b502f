package fake_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// Use the fake tenant in your own tests: seed it, point a client at it, switch on a fault,
// and inspect what it received.
func ExampleNewServer() {
	srv := fake.NewServer()
	defer srv.Close()
	ids := srv.SeedStatuses(3, "2c9180835d191a86015d28455b4b00a1", time.Now())

	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Cancel(context.Background(), facade.CancelParams{ID: ids[0], Comment: "no longer needed"}); err != nil {
		log.Fatal(err)
	}
	st, _ := srv.Status(ids[0])
	fmt.Println(st.State)

	// Every create is processed, then its connection dropped: the client must not resend it,
	// and finds what it created by the key it put in the create's clientMetadata.
	srv.SetFaults(fake.Faults{DropAfterProcessingRatio: 1, Paths: []string{"/access-requests/v1"}})
	req, _ := facade.NewGrant().For("2c9180835d191a86015d28455b4b00a1").Role("2c9180835d2e5168015d32f890ca1581").Build()
	res, err := c.Create(context.Background(), req)
	fmt.Println(err == nil && res.Settled != nil, srv.Creates(), srv.Count("POST", "/access-requests/v1", 0))
	// Output:
	// CANCELLED
	// true 1 1
}

// Serve the fake over TLS with HTTP/2, as the real API is served, and reset a create's stream
// after the tenant acted on it: the client sends it once, its outcome unknown, and settles it by
// looking up its key in the status listing.
func ExampleWithTLS() {
	srv := fake.NewServer(fake.WithTLS())
	defer srv.Close()
	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret),
		facade.WithHTTPClient(srv.Client())) // trusts the server's certificate
	if err != nil {
		log.Fatal(err)
	}
	srv.SetFaults(fake.Faults{ResetAfterProcessingRatio: 1, Methods: []string{"POST"}})
	req, _ := facade.NewGrant().For("2c9180835d191a86015d28455b4b00a1").Role("2c9180835d2e5168015d32f890ca1581").Build()
	res, err := c.Create(context.Background(), req)
	post := srv.Received()[len(srv.Received())-2] // the last is the lookup
	fmt.Println(post.Proto, post.Fault, err == nil && errors.Is(res.Settled.Cause, facade.ErrOutcomeUnknown), srv.Creates())
	// Output:
	// HTTP/2.0 reset true 1
}

// Script a request's life: approved after it has been listed twice, completed after one more
// listing. A client waiting on it sees it move, whichever generation it lists through.
func ExampleServer_Script() {
	srv := fake.NewServer()
	defer srv.Close()
	ids := srv.SeedStatuses(1, "2c9180835d191a86015d28455b4b00a1", time.Now())
	srv.Script(ids[0], fake.Step{Polls: 2, Outcome: fake.Approve}, fake.Step{Polls: 1, Outcome: fake.Complete})

	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}
	st, err := c.Wait(context.Background(), ids[0], facade.WaitParams{Interval: time.Millisecond, MaxInterval: time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.State, st.ApprovalDetails[0].Status)
	// Output:
	// REQUEST_COMPLETED APPROVED
}

// Answer the next create as a gateway does when the tenant acted but its answer was lost:
// the client cannot know the outcome until it finds the create by its key in the status
// listing, and the tenant counts one create.
func ExampleServer_FailNext() {
	srv := fake.NewServer()
	defer srv.Close()
	srv.FailNext(fake.NextFault{Method: "POST", Path: "/access-requests/v1", Status: 502, AfterProcessing: true})

	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}
	req, _ := facade.NewGrant().For("2c9180835d191a86015d28455b4b00a1").Role("2c9180835d2e5168015d32f890ca1581").Build()
	res, err := c.Create(context.Background(), req)
	fmt.Println(err == nil && res.Settled != nil, srv.Creates())
	_, err = c.Create(context.Background(), req) // the fault is used up: answered, and found pending
	fmt.Println(err, srv.Creates())
	// Output:
	// true 1
	// <nil> 2
}
