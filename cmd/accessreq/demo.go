package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// Identities and items of the demo tenant.
const (
	demoAlice   = "2c9180835d191a86015d28455b4b00a1"
	demoBob     = "2c9180835d191a86015d28455b4b00b2"
	demoRole    = "2c9180835d2e5168015d32f890ca1581"
	demoProfile = "2c91808f7892918f0178b78da4a305a1"
	demoEnt     = "779c6fd7171540bba1184e5946112c28"
)

func (a *app) demoCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "demo",
		Short:   "Run the whole lifecycle against an in-memory fake tenant",
		Example: "  accessreq demo\n  accessreq fake --tls    a fake tenant that stays up, for your own commands",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return a.demo(cmd.Context()) },
	}
}

// demo runs the whole lifecycle against an in-memory fake tenant: the same client, the same
// wire format, no network beyond loopback.
func (a *app) demo(ctx context.Context) error {
	srv := fake.NewServer()
	defer srv.Close()
	out := a.io.out
	step := func(n int, title string) { fmt.Fprintf(out, "\n%d. %s\n", n, title) }

	fmt.Fprintf(out, "accessreq demo: a fake tenant is running at %s\n", srv.URL)
	api := a.api.get()
	fmt.Fprintf(out, "The client below is the one you would use against a real tenant (facade.NewFromEnv), speaking the %s API (--api).\n", api)
	c, err := facade.New(append([]facade.Option{facade.WithAPI(api), facade.WithBaseURL(srv.URL),
		facade.WithClientCredentials(srv.ClientID, srv.ClientSecret), facade.WithUserAgent("accessreq-demo")}, a.demoOptions...)...)
	if err != nil {
		return err
	}
	seeded := srv.SeedStatuses(7, demoBob, time.Now().Add(-time.Hour))
	fmt.Fprintf(out, "Seeded %d earlier requests for Bob.\n", len(seeded))

	step(1, "Read and change the access request configuration")
	if err := demoConfig(ctx, c, out); err != nil {
		return err
	}

	step(2, "Grant a role and an entitlement to Alice and Bob")
	grant, err := facade.NewGrant().For(demoAlice, demoBob).
		Role(demoRole, facade.Comment("Joining the payments team")).
		Entitlement(demoEnt, facade.RemoveOn(time.Now().AddDate(0, 3, 0))).
		Metadata("ticket", "CHG-1234").
		Build()
	if err != nil {
		return err
	}
	res, err := c.Create(ctx, grant)
	if err != nil {
		return err
	}
	var aliceIDs []string
	for _, t := range res.NewRequests {
		fmt.Fprintf(out, "   new requests for %s: %v\n", t.RequestedFor, t.AccessRequestIDs)
		if t.RequestedFor == demoAlice {
			aliceIDs = t.AccessRequestIDs
		}
	}
	again, err := c.Create(ctx, grant)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   sending the same grant again creates %d and finds %d already pending\n",
		len(again.NewRequests), len(again.ExistingRequests))

	step(3, "Refuse a bad revoke before it is sent, then revoke properly")
	_, err = facade.NewRevoke(demoBob).Entitlement(demoEnt).Entitlement("another-entitlement").Build()
	fmt.Fprintf(out, "   %v\n", err)
	revoke, err := facade.NewRevoke(demoBob).Role(demoProfile, facade.Comment("Moved to another team")).Build()
	if err != nil {
		return err
	}
	if _, err := c.Create(ctx, revoke); err != nil {
		return err
	}
	fmt.Fprintln(out, "   revoke submitted for Bob")

	step(4, "List statuses, five per page, with the total")
	q := facade.ListStatusParams{PageSize: 5, Count: true, Sorters: []facade.SortKey{facade.Desc(facade.SortCreated)}}
	for offset := 0; ; {
		page, err := c.ListStatusPage(ctx, q, offset)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "   page at offset %d: %d of %d statuses\n", page.Offset, len(page.Items), page.Total)
		if page.Last {
			break
		}
		offset = page.NextOffset
	}
	all, err := c.CollectStatus(ctx, facade.ListStatusParams{RequestedFor: demoAlice}, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   the iterator over Alice's requests yields %d:\n", len(all))
	table := &tableWriter{w: newIndent(out)}
	for _, st := range all {
		if err := table.row(st); err != nil {
			return err
		}
	}
	if err := table.end(); err != nil {
		return err
	}

	step(5, "Cancel Alice's role request")
	if err := c.Cancel(ctx, facade.CancelParams{ID: aliceIDs[0], Comment: "Requested by mistake"}); err != nil {
		return err
	}
	st, _ := srv.Status(aliceIDs[0])
	fmt.Fprintf(out, "   %s is now %s\n", aliceIDs[0], st.State)
	err = c.Cancel(ctx, facade.CancelParams{ID: "no-such-request", Comment: "typo"})
	fmt.Fprintf(out, "   cancelling an unknown id: %v\n", err)

	step(6, "Close Bob's earlier requests as completed")
	closed, err := c.CloseRequests(ctx, facade.CloseRequestsParams{IDs: seeded, ExecutionStatus: facade.ExecutionStatusCompleted,
		CompletionStatus: facade.CompletionStatusSuccess, Message: "Provisioned by hand"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   closed %d requests in %d call(s)\n", len(closed.Accepted), closed.Calls)

	step(7, "Wait for a request to reach a final state")
	done, err := c.Wait(ctx, seeded[0], facade.WaitParams{Interval: 10 * time.Millisecond})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   %s finished as %s\n", seeded[0], done.State)

	executing, err := c.CollectStatus(ctx, facade.ListStatusParams{OnlyExecuting: true}, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nDone: %d requests still executing; the fake received %d API calls and issued %d token(s).\n",
		len(executing), len(srv.Received())-srv.TokenRequests(), srv.TokenRequests())
	return nil
}

// indent prefixes every line written with three spaces.
type indent struct {
	w       io.Writer
	midLine *bool
}

func newIndent(w io.Writer) indent { return indent{w: w, midLine: new(bool)} }

func (i indent) Write(p []byte) (int, error) {
	var b []byte
	for _, c := range p {
		if !*i.midLine {
			b = append(b, "   "...)
			*i.midLine = true
		}
		b = append(b, c)
		if c == '\n' {
			*i.midLine = false
		}
	}
	if _, err := i.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// demoConfig changes a setting of the generation's configuration: the successor's (v2), or the
// beta's, which the vendor has deprecated.
func demoConfig(ctx context.Context, c *facade.Client, out io.Writer) error {
	if c.API() == facade.APIV1 {
		cfg, err := c.UpdateConfigV2(ctx, func(cfg *facade.ConfigV2) error {
			cfg.EntitlementRequestConfig.AccessRequestConfig.RequireEndDate = true
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "   entitlement requests now need an end date: %v; requests on behalf of reports: %v\n",
			cfg.EntitlementRequestConfig.AccessRequestConfig.RequireEndDate, cfg.RequestOnBehalfOfConfig.AllowRequestOnBehalfOfEmployeeByManager)
		return nil
	}
	cfg, err := c.UpdateConfig(ctx, func(cfg *facade.Config) error {
		cfg.AutoApprovalEnabled = true
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   autoApprovalEnabled is now %v; requests on behalf of reports: %v\n",
		cfg.AutoApprovalEnabled, cfg.RequestOnBehalfOfConfig.AllowRequestOnBehalfOfEmployeeByManager)
	return nil
}
