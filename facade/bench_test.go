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
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"
	"golang.org/x/time/rate"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// baseline is what a careful user would write with net/http and encoding/json alone.
type baseline struct {
	hc    *http.Client
	base  string
	token string
}

func (c *baseline) do(ctx context.Context, method, path string, in, out any) error {
	return c.doWith(ctx, method, path, in, out, func(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) })
}

// doFast is do decoding with github.com/goccy/go-json, the decoder the facade uses for a body
// that matches the spec: the baseline for the facade's own work beside its decoder.
func (c *baseline) doFast(ctx context.Context, method, path string, in, out any) error {
	return c.doWith(ctx, method, path, in, out, func(r io.Reader, v any) error { return gojson.NewDecoder(r).Decode(v) })
}

func (c *baseline) doWith(ctx context.Context, method, path string, in, out any, decode func(io.Reader, any) error) error {
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
	return decode(resp.Body, out)
}

// pair runs the facade's and the baseline's version of one call alternately, in blocks, and
// reports each side's time and allocations per call and their ratios.
func pair(b *testing.B, facadeCall, baselineCall func() error) {
	b.Helper()
	const block = 32
	var ms runtime.MemStats
	var fTime, bTime time.Duration
	var fAllocs, bAllocs, fBytes, bBytes uint64
	measure := func(call func() error, d *time.Duration, allocs, bytes *uint64) {
		runtime.ReadMemStats(&ms)
		before, beforeBytes := ms.Mallocs, ms.TotalAlloc
		start := time.Now()
		for range block {
			if err := call(); err != nil {
				b.Fatal(err)
			}
		}
		*d += time.Since(start)
		runtime.ReadMemStats(&ms)
		*allocs += ms.Mallocs - before
		*bytes += ms.TotalAlloc - beforeBytes
	}
	// Warm both clients' connections and the token first.
	_ = facadeCall()
	_ = baselineCall()
	b.ResetTimer()
	rounds := 0
	for i := 0; i < b.N; i += block {
		measure(facadeCall, &fTime, &fAllocs, &fBytes)
		measure(baselineCall, &bTime, &bAllocs, &bBytes)
		rounds++
	}
	calls := float64(rounds * block)
	b.ReportMetric(float64(fTime.Nanoseconds())/calls, "facade-ns/call")
	b.ReportMetric(float64(bTime.Nanoseconds())/calls, "base-ns/call")
	b.ReportMetric(float64(fTime)/float64(bTime), "x-time")
	b.ReportMetric(float64(fAllocs)/calls, "facade-allocs/call")
	b.ReportMetric(float64(bAllocs)/calls, "base-allocs/call")
	b.ReportMetric(float64(fAllocs)/float64(bAllocs), "x-allocs")
	b.ReportMetric(float64(fBytes)/calls, "facade-B/call")
	b.ReportMetric(float64(bBytes)/calls, "base-B/call")
	b.ReportMetric(float64(fBytes)/float64(bBytes), "x-bytes")
}

// baselineHTTP is the baseline's own client: http.DefaultTransport's settings, in a transport
// of its own so it does not share connections with anything else, and the same overall
// timeout as the facade's default client (a careful user sets one; it costs a timer and a
// context per request on both sides).
func baselineHTTP() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: 60 * time.Second}
}

// BenchmarkCallOverhead runs each operation through the facade (default options) and the
// baseline, against the canned server in its own process, so the allocations counted are the
// client's alone.
func BenchmarkCallOverhead(b *testing.B) {
	url := benchServer(b, facade.MaxPageSize)
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(url), facade.WithClientCredentials("id", "bench-secret-0123456789"))
	if err != nil {
		b.Fatal(err)
	}
	base := &baseline{hc: baselineHTTP(), base: url + "/beta", token: "bench-token-0123456789"}
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
	b.Run("list-page-same-decoder", func(b *testing.B) {
		pair(b, func() error { _, err := c.ListStatusPage(ctx, facade.ListStatusParams{Count: true}, 0); return err },
			func() error {
				var out []facade.Status
				return base.doFast(ctx, "GET", "/access-request-status?limit=250&offset=0&count=true&sorters=created,accountActivityItemId", nil, &out)
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

// minimalStatus is what a hand-written loop that needs a few fields decodes into: the
// physical limit of decoding these pages with encoding/json.
type minimalStatus struct {
	ID                    string    `json:"id"`
	AccessRequestID       string    `json:"accessRequestId"`
	AccountActivityItemID string    `json:"accountActivityItemId"`
	Name                  string    `json:"name"`
	State                 string    `json:"state"`
	Created               time.Time `json:"created"`
}

// plainList pages through every status with the baseline, decoding each page into []T, and
// calls afterPage after each page. It asks for what the facade asks for by default.
func plainList[T any](ctx context.Context, base *baseline, afterPage func()) (int, error) {
	return plainListWith[T](ctx, base.do, afterPage)
}

// plainListWith is plainList with the baseline's do or doFast.
func plainListWith[T any](ctx context.Context, do func(ctx context.Context, method, path string, in, out any) error, afterPage func()) (int, error) {
	n := 0
	for off := 0; ; off += facade.MaxPageSize {
		var page []T
		path := "/access-request-status?limit=250&offset=" + strconv.Itoa(off) + "&sorters=created,accountActivityItemId"
		if err := do(ctx, "GET", path, nil, &page); err != nil {
			return n, err
		}
		n += len(page)
		afterPage()
		if len(page) < facade.MaxPageSize {
			return n, nil
		}
	}
}

// facadeList lists every status with the facade, calling afterPage after each page's items.
func facadeList(ctx context.Context, c *facade.Client, q facade.ListStatusParams, afterPage func()) (int, error) {
	n := 0
	for _, err := range c.ListStatus(ctx, q) {
		if err != nil {
			return n, err
		}
		n++
		if n%facade.MaxPageSize == 0 {
			afterPage()
		}
	}
	afterPage()
	return n, nil
}

// side is one way of listing, and what it cost over the rounds.
type side struct {
	name    string
	list    func() (int, error)
	items   int
	elapsed time.Duration
	bytes   uint64
	allocs  uint64
}

func (s *side) run(b *testing.B) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	bytes0, allocs0 := ms.TotalAlloc, ms.Mallocs
	t0 := time.Now()
	n, err := s.list()
	s.elapsed += time.Since(t0)
	if err != nil {
		b.Fatal(err)
	}
	runtime.ReadMemStats(&ms)
	s.items += n
	s.bytes += ms.TotalAlloc - bytes0
	s.allocs += ms.Mallocs - allocs0
}

// BenchmarkListThroughput lists 100,000 statuses sequentially three ways, in rotating order
// within every round, against the canned server in its own process (pages of 250 realistic
// statuses): the facade with default options, a plain net/http loop decoding into the same
// generated model, and a plain loop decoding into a minimal struct. It reports items/s, bytes
// and allocations per item for each, and the facade's ratios to both loops.
func BenchmarkListThroughput(b *testing.B) {
	const total = 100000
	url := benchServer(b, total)
	ctx := context.Background()
	c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(url), facade.WithClientCredentials("id", "bench-secret-0123456789"))
	if err != nil {
		b.Fatal(err)
	}
	base := &baseline{hc: baselineHTTP(), base: url + "/beta", token: "bench-token-0123456789"}
	nothing := func() {}
	sides := []*side{
		{name: "facade", list: func() (int, error) { return facadeList(ctx, c, facade.ListStatusParams{}, nothing) }},
		{name: "plain-model", list: func() (int, error) { return plainList[facade.Status](ctx, base, nothing) }},
		{name: "plain-minimal", list: func() (int, error) { return plainList[minimalStatus](ctx, base, nothing) }},
		{name: "plain-fast", list: func() (int, error) { return plainListWith[facade.Status](ctx, base.doFast, nothing) }},
	}
	if _, err := c.GetConfig(ctx); err != nil { // token and connection first, as the baseline has them
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		for k := range sides {
			sides[(i+k)%len(sides)].run(b)
		}
	}
	b.StopTimer()
	for _, s := range sides {
		if s.items != total*b.N {
			b.Fatalf("%s listed %d of %d", s.name, s.items, total*b.N)
		}
		b.ReportMetric(float64(s.items)/s.elapsed.Seconds(), s.name+"-items/s")
		b.ReportMetric(float64(s.bytes)/float64(s.items), s.name+"-B/item")
		b.ReportMetric(float64(s.allocs)/float64(s.items), s.name+"-allocs/item")
	}
	f, model, minimal, fast := sides[0], sides[1], sides[2], sides[3]
	b.ReportMetric(float64(f.elapsed)/float64(fast.elapsed), "x-time-same-decoder")
	b.ReportMetric(float64(f.bytes)/float64(fast.bytes), "x-bytes-same-decoder")
	b.ReportMetric(float64(f.allocs)/float64(fast.allocs), "x-allocs-same-decoder")
	b.ReportMetric(float64(f.elapsed)/float64(model.elapsed), "x-time-model")
	b.ReportMetric(float64(f.bytes)/float64(model.bytes), "x-bytes-model")
	b.ReportMetric(float64(f.allocs)/float64(model.allocs), "x-allocs-model")
	b.ReportMetric(float64(f.elapsed)/float64(minimal.elapsed), "x-time-minimal")
	b.ReportMetric(float64(f.allocs)/float64(minimal.allocs), "x-allocs-minimal")
}

// BenchmarkListMemory iterates n statuses from the fake three ways (the facade, and plain
// loops into the generated model and into a minimal struct) and reports, for each, the
// largest growth of the live heap seen while listing and items per second. All three are
// treated alike: after every page the same sample (a pause for the in-process fake's handler
// to return, then a forced collection) runs outside their timers.
func BenchmarkListMemory(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			srv := fake.NewServer()
			defer srv.Close()
			srv.SeedStatuses(n, "id-bench", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
			if err != nil {
				b.Fatal(err)
			}
			tok, err := token(srv)
			if err != nil {
				b.Fatal(err)
			}
			base := &baseline{hc: baselineHTTP(), base: srv.URL + "/beta", token: tok}
			ctx := context.Background()
			type heapSide struct {
				name    string
				list    func(afterPage func()) (int, error)
				elapsed time.Duration
				peak    uint64
			}
			sides := []*heapSide{
				{name: "facade", list: func(f func()) (int, error) { return facadeList(ctx, c, facade.ListStatusParams{}, f) }},
				{name: "plain-model", list: func(f func()) (int, error) { return plainList[facade.Status](ctx, base, f) }},
				{name: "plain-minimal", list: func(f func()) (int, error) { return plainList[minimalStatus](ctx, base, f) }},
			}
			b.ResetTimer()
			for i := range b.N {
				for k := range sides {
					s := sides[(i+k)%len(sides)]
					start := liveHeap()
					t0 := time.Now()
					seen, err := s.list(func() {
						s.elapsed += time.Since(t0)
						// The fake runs in this process: give its handler a moment to return
						// the page it just sent, so the sample counts the client's memory.
						time.Sleep(2 * time.Millisecond)
						if h := liveHeap(); h > start && h-start > s.peak {
							s.peak = h - start
						}
						t0 = time.Now()
					})
					if err != nil {
						b.Fatal(err)
					}
					if seen != n {
						b.Fatalf("%s listed %d of %d", s.name, seen, n)
					}
				}
			}
			b.StopTimer()
			for _, s := range sides {
				b.ReportMetric(float64(s.peak), s.name+"-peak-live-B")
				b.ReportMetric(float64(n*b.N)/s.elapsed.Seconds(), s.name+"-items/s")
			}
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
				opts := []facade.Option{facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret)}
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
			c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
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
		c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
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

// BenchmarkAdaptiveRateLimit lists with default options (no WithRateLimit: the client learns
// the limit) and 8 pages in flight from a fake that allows perSec requests per second as a
// token bucket of 10 (the vendor's 100 per 10 s, five times faster so the run stays short) and
// adds 50 ms to every request. It reports the wall time over the floor (pages / perSec) and
// the share of requests answered 429. Pages hold 20 statuses, so the fake's own work stays
// small; the Retry-After of its 429s is whole seconds, as a real server's is.
func BenchmarkAdaptiveRateLimit(b *testing.B) {
	const (
		pageSize = 20
		perSec   = 50
		latency  = 50 * time.Millisecond
		prefetch = 8
	)
	for _, pages := range []int{500, 1000} {
		b.Run(fmt.Sprintf("pages=%d", pages), func(b *testing.B) {
			floor := time.Duration(float64(pages) / perSec * float64(time.Second))
			var wall time.Duration
			var requests, limited int
			for range b.N {
				b.StopTimer()
				srv := fake.NewServer()
				srv.SeedStatuses(pages*pageSize, "id-bench", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
				c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret))
				if err != nil {
					b.Fatal(err)
				}
				srv.SetFaults(fake.Faults{Latency: latency, Methods: []string{"GET"}, RateLimit: perSec, RateWindow: time.Second, RateBurst: 10})
				b.StartTimer()
				t0 := time.Now()
				n := 0
				for _, err := range c.ListStatus(context.Background(), facade.ListStatusParams{PageSize: pageSize, Prefetch: prefetch}) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				wall += time.Since(t0)
				b.StopTimer()
				if n != pages*pageSize {
					b.Fatalf("listed %d", n)
				}
				requests += srv.Count("GET", "/access-request-status", 0)
				limited += srv.Count("GET", "/access-request-status", http.StatusTooManyRequests)
				srv.Close()
				b.StartTimer()
			}
			b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s")
			b.ReportMetric(floor.Seconds(), "floor-s")
			b.ReportMetric(wall.Seconds()/float64(b.N)/floor.Seconds(), "x-floor")
			b.ReportMetric(float64(limited)/float64(requests), "429-share")
			b.ReportMetric(float64(requests)/float64(b.N), "requests")
		})
	}
}
