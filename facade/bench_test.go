package facade_test

// Benchmarks: each figure is measured beside a plain net/http + encoding/json baseline in the
// same run, and ratios are reported as metrics. BENCHMARKS.md has the method and the numbers.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
	"github.com/sailkit/accessrequests/gen"
)

// cannedServer answers the three benchmarked operations with fixed bodies, so that the
// server's own cost is small and the same for the facade and the baseline.
func cannedServer(b *testing.B) *httptest.Server {
	b.Helper()
	page := make([]facade.Status, 250)
	for i := range page {
		id := fmt.Sprintf("2c9180835d2e5168015d32f8%08d", i)
		created := time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)
		state, typ := facade.StateExecuting, facade.RequestTypeGrant
		page[i] = facade.Status{Id: id, AccessRequestId: id, AccountActivityItemId: id, Created: created,
			State: state, RequestType: typ, Name: id, Requester: gen.AccessItemRequester{Id: id}}
	}
	pageJSON, _ := json.Marshal(page)
	serve := func(status int, body []byte, headers ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			for i := 0; i+1 < len(headers); i += 2 {
				w.Header().Set(headers[i], headers[i+1])
			}
			w.WriteHeader(status)
			_, _ = w.Write(body)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", serve(200, []byte(`{"access_token":"bench-token","token_type":"bearer","expires_in":3600}`)))
	mux.HandleFunc("GET /beta/access-request-config", serve(200, []byte(configJSON)))
	mux.HandleFunc("POST /beta/access-requests", serve(202, []byte(createdJSON)))
	mux.HandleFunc("GET /beta/access-request-status", serve(200, pageJSON, "X-Total-Count", "250"))
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	return srv
}

// baseline is what a careful user would write with net/http and encoding/json alone.
type baseline struct {
	hc    *http.Client
	base  string
	token string
}

func (c *baseline) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// pair runs the facade's and the baseline's version of one call alternately, in blocks, and
// reports each side's time and allocations per call and their ratios.
func pair(b *testing.B, facadeCall, baselineCall func() error) {
	b.Helper()
	const block = 32
	var ms runtime.MemStats
	var fTime, bTime time.Duration
	var fAllocs, bAllocs uint64
	measure := func(call func() error, d *time.Duration, allocs *uint64) {
		runtime.ReadMemStats(&ms)
		before := ms.Mallocs
		start := time.Now()
		for range block {
			if err := call(); err != nil {
				b.Fatal(err)
			}
		}
		*d += time.Since(start)
		runtime.ReadMemStats(&ms)
		*allocs += ms.Mallocs - before
	}
	// Warm both clients' connections and the token first.
	_ = facadeCall()
	_ = baselineCall()
	b.ResetTimer()
	rounds := 0
	for i := 0; i < b.N; i += block {
		measure(facadeCall, &fTime, &fAllocs)
		measure(baselineCall, &bTime, &bAllocs)
		rounds++
	}
	calls := float64(rounds * block)
	b.ReportMetric(float64(fTime.Nanoseconds())/calls, "facade-ns/call")
	b.ReportMetric(float64(bTime.Nanoseconds())/calls, "base-ns/call")
	b.ReportMetric(float64(fTime)/float64(bTime), "x-time")
	b.ReportMetric(float64(fAllocs)/calls, "facade-allocs/call")
	b.ReportMetric(float64(bAllocs)/calls, "base-allocs/call")
	b.ReportMetric(float64(fAllocs)/float64(bAllocs), "x-allocs")
}

func BenchmarkCallOverhead(b *testing.B) {
	srv := cannedServer(b)
	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials("id", "bench-secret-0123456789"), facade.WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	base := &baseline{hc: srv.Client(), base: srv.URL + "/beta", token: "bench-token"}
	ctx := context.Background()
	grant, err := facade.NewGrant().For("id-1").Role("role-1").Build()
	if err != nil {
		b.Fatal(err)
	}

	b.Run("get-config", func(b *testing.B) {
		pair(b, func() error { _, err := c.GetConfig(ctx); return err },
			func() error {
				var out facade.Config
				return base.do(ctx, "GET", "/access-request-config", nil, &out)
			})
	})
	b.Run("create", func(b *testing.B) {
		pair(b, func() error { _, err := c.Create(ctx, grant); return err },
			func() error {
				var out facade.CreateResult
				return base.do(ctx, "POST", "/access-requests", grant, &out)
			})
	})
	b.Run("list-page", func(b *testing.B) {
		pair(b, func() error { _, err := c.ListStatusPage(ctx, facade.ListStatusParams{Count: true}, 0); return err },
			func() error {
				var out []facade.Status
				return base.do(ctx, "GET", "/access-request-status?limit=250&offset=0&count=true&sorters=created,accountActivityItemId", nil, &out)
			})
	})
}

// liveHeap is the heap held by reachable objects after a collection.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkListMemory iterates n statuses from the fake and reports the largest growth of the
// live heap seen while listing (sampled after every page) and items per second, beside a
// baseline that pages with net/http and decodes the same pages.
func BenchmarkListMemory(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			srv := fake.NewServer()
			defer srv.Close()
			srv.SeedStatuses(n, "id-bench", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret), facade.WithHTTPClient(srv.Client()))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var peak uint64
			var facadeTime time.Duration
			b.ResetTimer()
			for range b.N {
				start := liveHeap()
				t0 := time.Now()
				seen := 0
				for _, err := range c.ListStatus(ctx, facade.ListStatusParams{}) {
					if err != nil {
						b.Fatal(err)
					}
					seen++
					if seen%250 == 0 {
						facadeTime += time.Since(t0)
						// The fake runs in this process: give its handler a moment to return
						// the page it just sent, so the sample counts the client's memory.
						time.Sleep(2 * time.Millisecond)
						if h := liveHeap(); h > start && h-start > peak {
							peak = h - start
						}
						t0 = time.Now()
					}
				}
				facadeTime += time.Since(t0)
				if seen != n {
					b.Fatalf("listed %d of %d", seen, n)
				}
			}
			b.StopTimer()

			tok, err := token(srv)
			if err != nil {
				b.Fatal(err)
			}
			base := &baseline{hc: srv.Client(), base: srv.URL + "/beta", token: tok}
			t0 := time.Now()
			for range b.N {
				for off := 0; ; off += 250 {
					var page []facade.Status
					if err := base.do(ctx, "GET", fmt.Sprintf("/access-request-status?limit=250&offset=%d&sorters=created,accountActivityItemId", off), nil, &page); err != nil {
						b.Fatal(err)
					}
					if len(page) < 250 {
						break
					}
				}
			}
			baseTime := time.Since(t0)
			b.ReportMetric(float64(peak), "peak-live-B")
			b.ReportMetric(float64(n*b.N)/facadeTime.Seconds(), "facade-items/s")
			b.ReportMetric(float64(n*b.N)/baseTime.Seconds(), "base-items/s")
		})
	}
}

// token fetches a token from the fake's endpoint, as the baseline's own setup.
func token(srv *fake.Server) (string, error) {
	form := "grant_type=client_credentials&client_id=" + srv.ClientID + "&client_secret=" + srv.ClientSecret
	resp, err := srv.Client().Post(srv.URL+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	return out.AccessToken, json.NewDecoder(resp.Body).Decode(&out)
}

// BenchmarkLatencyBoundListing lists 10,000 statuses (40 pages) from a fake that adds 50 ms to
// every request, with and without a server rate limit of 50 requests per second (the vendor's
// 100 per 10 s, five times faster so the run stays short). The floor is pages / rate.
func BenchmarkLatencyBoundListing(b *testing.B) {
	const (
		items   = 10000
		pages   = items / 250
		latency = 50 * time.Millisecond
		perSec  = 50
	)
	floor := time.Duration(float64(pages) / perSec * float64(time.Second))
	for _, limited := range []bool{false, true} {
		for _, prefetch := range []int{1, 2, 4, 8} {
			name := fmt.Sprintf("server-limit=%v/prefetch=%d", limited, prefetch)
			b.Run(name, func(b *testing.B) {
				srv := fake.NewServer()
				defer srv.Close()
				srv.SeedStatuses(items, "id-bench", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
				opts := []facade.Option{facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret)}
				if limited {
					opts = append(opts, facade.WithRateLimit(rate.Limit(perSec), 1))
				}
				c, err := facade.New(opts...)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.GetConfig(context.Background()); err != nil { // token first
					b.Fatal(err)
				}
				f := fake.Faults{Latency: latency, Methods: []string{"GET"}}
				if limited {
					// The server's bucket holds 10, as the vendor's window allows bursts; that
					// absorbs the jitter between when the client sends and when a request lands.
					f.RateLimit, f.RateWindow, f.RateBurst = perSec, time.Second, 10
				}
				srv.SetFaults(f)
				var wall time.Duration
				b.ResetTimer()
				for range b.N {
					t0 := time.Now()
					n := 0
					for _, err := range c.ListStatus(context.Background(), facade.ListStatusParams{Prefetch: prefetch}) {
						if err != nil {
							b.Fatal(err)
						}
						n++
					}
					wall += time.Since(t0)
					if n != items {
						b.Fatalf("listed %d", n)
					}
				}
				b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s")
				b.ReportMetric(float64(srv.Count("GET", "/access-request-status", http.StatusTooManyRequests))/float64(b.N), "429s")
				if limited {
					b.ReportMetric(floor.Seconds(), "floor-s")
					b.ReportMetric(wall.Seconds()/float64(b.N)/floor.Seconds(), "x-floor")
				}
			})
		}
	}
}

// BenchmarkTokensAndBulk: 1,000 concurrent calls share one token request, and closing 10,000
// ids takes 20 calls.
func BenchmarkTokensAndBulk(b *testing.B) {
	b.Run("1000-concurrent-calls", func(b *testing.B) {
		srv := fake.NewServer()
		defer srv.Close()
		for range b.N {
			c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
			if err != nil {
				b.Fatal(err)
			}
			before := srv.TokenRequests()
			var wg sync.WaitGroup
			for range 1000 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := c.GetConfig(context.Background()); err != nil {
						b.Error(err)
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(srv.TokenRequests()-before), "token-requests")
		}
	})
	b.Run("close-10000-ids", func(b *testing.B) {
		srv := fake.NewServer()
		defer srv.Close()
		ids := srv.SeedStatuses(10000, "id-bench", time.Now())
		c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
		if err != nil {
			b.Fatal(err)
		}
		for range b.N {
			res, err := c.CloseRequests(context.Background(), facade.CloseRequestsParams{IDs: ids})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(res.Calls), "calls")
		}
	})
}
