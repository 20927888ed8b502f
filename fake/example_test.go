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
	if err := c.Cancel(context.Background(), ids[0], "no longer needed"); err != nil {
		log.Fatal(err)
	}
	st, _ := srv.Status(ids[0])
	fmt.Println(st.State)

	// Every create is processed, then its connection dropped: the client must not resend it.
	srv.SetFaults(fake.Faults{DropAfterProcessingRatio: 1, Paths: []string{"/access-requests"}})
	req, _ := facade.NewGrant().For("2c9180835d191a86015d28455b4b00a1").Role("2c9180835d2e5168015d32f890ca1581").Build()
	_, err = c.Create(context.Background(), req)
	fmt.Println(errors.Is(err, facade.ErrOutcomeUnknown), srv.Creates(), srv.Count("POST", "/access-requests", 0))
	// Output:
	// CANCELLED
	// true 1 1
}
