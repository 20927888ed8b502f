package facade_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// hostileSize is the largest body the client reads (maxResponseBody).
const hostileSize = 16 << 20

// hostileShape is a body of about hostileSize bytes: a page of items whose identity is fine, made
// odd in one way.
type hostileShape struct {
	name  string
	build func(size int) []byte
	// twin, for a shape whose values the model keeps, is a clean body of the same shape and size:
	// its cost (the model's price, not the tolerance's) bounds the shape's, not the size.
	twin func(size int) []byte
}

// cleanMap is the clean page of 16 MiB the times are measured against: clientMetadata maps of
// short strings (a Go map holds about 3.5 times their JSON).
func cleanMap(size int) []byte {
	return fill(size, 250, `,"clientMetadata":{`, `}`, func(j int) string { return fmt.Sprintf(`"key-%07d":"value %07d"`, j, j) })
}

// identity is the start of an item that can be told apart and followed up.
func identity(i int) string {
	return fmt.Sprintf(`{"accessRequestId":"ar-%06d","accountActivityItemId":"aa-%06d","id":"role-%d","state":"EXECUTING"`, i, i, i)
}

// fill writes items of about per bytes each until size is reached: head, then body(j) for j =
// 0, 1, ... until the item is full, separated by commas, then tail.
func fill(size, items int, head, tail string, body func(j int) string) []byte {
	var b bytes.Buffer
	b.Grow(size + 4096)
	per := size / items
	b.WriteByte('[')
	for i := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		start := b.Len()
		b.WriteString(identity(i))
		b.WriteString(head)
		for j := 0; ; j++ {
			next := body(j)
			if b.Len()-start+len(next)+len(tail)+2 > per {
				break
			}
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(next)
		}
		b.WriteString(tail)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.Bytes()
}

var hostileShapes = []hostileShape{
	{"approvalIds of numbers", func(size int) []byte {
		return fill(size, 20, `,"approvalIds":[`, `]`, func(j int) string { return strconv.Itoa(1000000 + j) })
	}, nil},
	{"clientMetadata of numbers", func(size int) []byte {
		return fill(size, 250, `,"clientMetadata":{`, `}`, func(j int) string { return fmt.Sprintf(`"key-%07d":%d`, j, j) })
	}, nil},
	{"clientMetadata of odd values, one in two", func(size int) []byte {
		return fill(size, 250, `,"clientMetadata":{`, `}`, func(j int) string {
			if j%2 == 0 {
				return fmt.Sprintf(`"key-%07d":{"n":%d}`, j, j)
			}
			return fmt.Sprintf(`"key-%07d":"value %07d"`, j, j)
		})
	}, cleanMap},
	{"accessRequestPhases of numbers", func(size int) []byte {
		return fill(size, 20, `,"accessRequestPhases":[`, `]`, func(j int) string { return strconv.Itoa(j) })
	}, nil},
	{"approvalDetails with every field odd", func(size int) []byte {
		return fill(size, 250, `,"approvalDetails":[`, `]`, func(j int) string {
			return `{"approvalId":1,"comment":[2],"modified":3,"currentOwner":"me","approvalScheme":{}}`
		})
	}, func(size int) []byte {
		return fill(size, 250, `,"approvalDetails":[`, `]`, func(j int) string {
			return `{"approvalId":"1","comment":"22","modified":"2026-01-02T03:04:05Z","approvalScheme":"x"}`
		})
	}},
	{"approvalDetails whose dates are not dates (of the right kind: a string)", func(size int) []byte {
		return fill(size, 250, `,"approvalDetails":[`, `]`, func(j int) string {
			return `{"approvalId":"2c91808b7c28b350017c2a2ec5790aa1","comment":"approved by the manager","modified":"not a date"}`
		})
	}, func(size int) []byte {
		return fill(size, 250, `,"approvalDetails":[`, `]`, func(j int) string {
			return `{"approvalId":"2c91808b7c28b350017c2a2ec5790aa1","comment":"approved by the manager","modified":"2026-01-02T03:04:05Z"}`
		})
	}},
	{"one string where an object belongs", func(size int) []byte {
		return []byte(`[` + identity(0) + `,"requester":"` + strings.Repeat("x", size-200) + `"}]`)
	}, nil},
	{"long strings where objects belong, every field", func(size int) []byte {
		long := strings.Repeat("y", size/250/8-64)
		return fill(size, 250, `,`, ``, func(j int) string {
			fields := []string{"requester", "requestedFor", "sodViolationContext", "cancelledRequestDetails", "provisioningDetails",
				"preApprovalTriggerDetails", "requesterComment", "clientMetadata"}
			return fmt.Sprintf(`"%s":"%s"`, fields[j%len(fields)], long)
		})
	}, nil},
	{"names of a megabyte in clientMetadata, numbers as values", func(size int) []byte {
		key := strings.Repeat("k", 1<<20)
		return fill(size, 4, `,"clientMetadata":{`, `}`, func(j int) string { return fmt.Sprintf(`"%s%d":%d`, key, j, j) })
	}, nil},
	{"nesting 9,990 deep where a string belongs (encoding/json's limit is 10,000)", func(size int) []byte {
		deep := strings.Repeat("[", 9990) + strings.Repeat("]", 9990)
		return fill(size, 250, `,"clientMetadata":{`, `}`, func(j int) string { return fmt.Sprintf(`"key-%07d":%s`, j, deep) })
	}, nil},
}

// hostileClient is a client whose every listing request is answered with body.
func hostileClient(t testing.TB, body *[]byte) *facade.Client {
	c, err := facade.New(facade.WithBaseURL("https://tenant.invalid"), facade.WithAccessToken("bench-token-123"),
		facade.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
				ContentLength: int64(len(*body)), Body: io.NopCloser(bytes.NewReader(*body)), Request: req}, nil
		})}))
	require.NoError(t, err)
	return c
}

// heapObjects is the heap held by objects after two collections (the second empties the
// pools, which keep what they held through one).
func heapObjects() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// readPage reads the page body holds, and returns it with the bytes it allocated and the bytes
// it keeps (the page's heap after a collection).
func readPage(t testing.TB, c *facade.Client) (page *facade.StatusPage, allocated, kept uint64, took time.Duration) {
	var ms runtime.MemStats
	base := heapObjects()
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	start := time.Now()
	page, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
	took = time.Since(start)
	require.NoError(t, err)
	runtime.ReadMemStats(&ms)
	allocated = ms.TotalAlloc - before
	if after := heapObjects(); after > base {
		kept = after - base
	}
	runtime.KeepAlive(page)
	return page, allocated, kept, took
}

// A body of 16 MiB of any shape costs at most 3 times its size in allocations and keeps at most
// its size: every odd value costs a bounded warning (or a count), and a value that is not the
// shape the model wants is never decoded into it. A body whose good values the model keeps (a
// map of short strings: a Go map holds about 3.5 times their JSON) costs at most what the clean
// page of that shape and size costs, which is the model's price, not the tolerance's. (The
// time, against the clean page, is BenchmarkHostileBodies'.) Before: approvalIds of 400,000
// numbers in a 780 KB page allocated 633 MB and kept 63 MB.
func TestAHostileBodyCostsInProportionToItsSize(t *testing.T) {
	if testing.Short() {
		t.Skip("16 MiB bodies")
	}
	for _, shape := range hostileShapes {
		t.Run(shape.name, func(t *testing.T) {
			measure := func(build func(int) []byte) (*facade.StatusPage, float64, float64, float64) {
				body := build(hostileSize - 1<<16)
				require.LessOrEqual(t, len(body), hostileSize, "the body fits the read bound")
				c := hostileClient(t, &body)
				readPage(t, c) // first use: the decoders' types and pools
				page, allocated, kept, _ := readPage(t, c)
				return page, float64(allocated), float64(kept), float64(len(body))
			}
			page, allocated, kept, size := measure(shape.build)
			values := 0
			for _, w := range page.Warnings {
				values += max(w.Omitted, 1)
			}
			t.Logf("%d items, %d values set aside (%d warnings kept): allocated %.2fx the body, kept %.2fx",
				len(page.Items), values, len(page.Warnings), allocated/size, kept/size)
			assert.LessOrEqual(t, len(page.Warnings), facade.MaxWarnings+1)
			if shape.twin == nil {
				assert.LessOrEqual(t, allocated, 3*size)
				assert.LessOrEqual(t, kept, size)
				return
			}
			_, twinAllocated, twinKept, twinSize := measure(shape.twin)
			t.Logf("its clean twin: allocated %.2fx its body, kept %.2fx", twinAllocated/twinSize, twinKept/twinSize)
			assert.LessOrEqual(t, allocated/size, 1.1*twinAllocated/twinSize, "no more than the clean twin")
			assert.LessOrEqual(t, kept/size, 1.1*twinKept/twinSize, "no more than the clean twin")
		})
	}
}

// BenchmarkHostileBodies reads a page of 16 MiB of each shape and, in the same rounds, the clean
// page of that size (the first shape), and reports for the shape the bytes allocated and kept
// over the body's size and its time over the clean page's.
func BenchmarkHostileBodies(b *testing.B) {
	clean := cleanMap(hostileSize - 1<<16)
	cleanClient := hostileClient(b, &clean)
	for _, shape := range hostileShapes {
		b.Run(shape.name, func(b *testing.B) {
			body := shape.build(hostileSize - 1<<16)
			c := hostileClient(b, &body)
			readPage(b, c)
			readPage(b, cleanClient)
			var took, cleanTook time.Duration
			var allocated, kept uint64
			b.ResetTimer()
			for range b.N {
				_, a, k, d := readPage(b, c)
				_, _, _, cd := readPage(b, cleanClient)
				allocated, kept, took, cleanTook = allocated+a, max(kept, k), took+d, cleanTook+cd
			}
			size := float64(len(body))
			b.ReportMetric(float64(allocated)/float64(b.N)/size, "x-size-allocated")
			b.ReportMetric(float64(kept)/size, "x-size-kept")
			b.ReportMetric(float64(took)/float64(cleanTook), "x-time-clean")
			b.ReportMetric(float64(took.Milliseconds())/float64(b.N), "ms/page")
		})
	}
}

// A body the spec calls valid but that would swell when decoded (16 MiB of empty phases, each a
// struct of a few hundred bytes) is refused with an error saying so, before it is decoded.
func TestABodyMadeToSwellIsRefused(t *testing.T) {
	body := fill(hostileSize-1<<16, 20, `,"accessRequestPhases":[`, `]`, func(int) string { return `{}` })
	c := hostileClient(t, &body)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	_, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
	runtime.ReadMemStats(&ms)
	require.ErrorIs(t, noteErr(err), facade.ErrUndecodable)
	assert.Contains(t, err.Error(), "times its size")
	assert.LessOrEqual(t, float64(ms.TotalAlloc-before), 1.5*float64(len(body)), "refused before it was decoded")
}

// Past MaxWarnings, the handler gets the summary (its Omitted counts the rest), and the call's
// warn-level line counts every value and names at most 20 paths.
func TestTheWarningsOfACallAreCountedWhenNotKept(t *testing.T) {
	var b strings.Builder
	b.WriteString(`[` + identity(0) + `,"clientMetadata":{`)
	for j := range 3000 {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"key-%d":%d`, j, j)
	}
	b.WriteString(`}}]`)
	body := []byte(b.String())
	logs := &logWriter{}
	values, calls := 0, 0
	c, err := facade.New(facade.WithBaseURL("https://tenant.invalid"), facade.WithAccessToken("bench-token-123"),
		facade.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(bytes.NewReader(body)), Request: req}, nil
		})}),
		facade.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
		facade.WithWarningHandler(func(w facade.Warning) { calls++; values += max(w.Omitted, 1) }))
	require.NoError(t, err)
	page, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
	require.NoError(t, noteErr(err))
	assert.Len(t, page.Warnings, facade.MaxWarnings+1)
	assert.Equal(t, facade.MaxWarnings+1, calls)
	assert.Equal(t, 3000, values)
	assert.Equal(t, 2000, page.Warnings[facade.MaxWarnings].Omitted)
	assert.Contains(t, logs.String(), "values=3000")
	assert.Contains(t, logs.String(), ",… 980 more")
}
