// Command otel shows OpenTelemetry spans made from the facade's hooks. It runs against the
// in-memory fake tenant, so it needs no network and no credentials:
//
//	cd examples/otel && go run .
//
// A real program would install its own TracerProvider (with an OTLP exporter, say) and pass
// otel.Tracer("...") to Hooks.
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

func main() {
	spans := tracetest.NewSpanRecorder()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer func() { _ = provider.Shutdown(context.Background()) }()

	srv := fake.NewServer()
	defer srv.Close()
	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret),
		facade.WithHooks(Hooks(provider.Tracer("github.com/sailkit/accessrequests/examples/otel"))))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	req, err := facade.NewGrant().For("2c9180835d191a86015d28455b4b00a1").Role("2c918086749d78830174a1a40e121518").Build()
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.Create(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	ids := res.NewRequests[0].AccessRequestIDs
	if _, err := c.CloseRequests(ctx, facade.CloseRequestsParams{IDs: ids, ExecutionStatus: facade.ExecutionStatusCompleted,
		CompletionStatus: facade.CompletionStatusSuccess}); err != nil {
		log.Fatal(err)
	}
	if _, err := c.Wait(ctx, ids[0], facade.WaitParams{Interval: time.Millisecond}); err != nil {
		log.Fatal(err)
	}
	_ = c.Cancel(ctx, facade.CancelParams{ID: "no-such-request", Comment: "shows a failed operation"})

	for _, s := range spans.Ended() {
		fmt.Printf("%s %s", s.Name(), s.Status().Code)
		for _, a := range s.Attributes() {
			fmt.Printf(" %s=%s", a.Key, a.Value.Emit())
		}
		fmt.Println()
		for _, e := range s.Events() {
			fmt.Print("   ", e.Name)
			for _, a := range e.Attributes {
				fmt.Printf(" %s=%s", a.Key, a.Value.Emit())
			}
			fmt.Println()
		}
	}
}
