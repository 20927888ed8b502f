package facade

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cleanPage is a full page of statuses that match the spec.
func cleanPage() []byte {
	var b strings.Builder
	b.WriteByte('[')
	for i := range MaxPageSize {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"accessRequestId":"ar-%06d","accountActivityItemId":"aa-%06d","id":"role-%d","name":"Role %d",`+
			`"state":"EXECUTING","requestType":"GRANT_ACCESS","created":"2026-01-02T03:04:05Z","cancelable":true,`+
			`"requester":{"type":"IDENTITY","id":"me","name":"Me"},"clientMetadata":{"app":"sync"},"approvalDetails":[]}`, i, i, i, i)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// TestAPageThatMatchesTheSpecIsDecodedOnce: tolerance costs nothing on the normal path. The
// decode allocates exactly what one fast decode (fastDecode, github.com/goccy/go-json) into a
// list made for the page's items allocates: no encoding/json pass, no second pass, no copy, no
// growing list. And that is fewer allocations, and fewer bytes, than one fast decode into an
// empty list, and than one json.Unmarshal, the baseline's decoder.
func TestAPageThatMatchesTheSpecIsDecodedOnce(t *testing.T) {
	data := cleanPage()
	count := func(decode func([]byte, *[]Status) error) (allocs, bytes float64) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		allocs = testing.AllocsPerRun(20, func() {
			var out []Status
			if err := decode(data, &out); err != nil {
				t.Fatal(err)
			}
		})
		runtime.ReadMemStats(&ms)
		return allocs, float64(ms.TotalAlloc-before) / 21
	}
	std, _ := count(func(d []byte, out *[]Status) error { return json.Unmarshal(d, out) })
	fast, fastBytes := count(func(d []byte, out *[]Status) error { return fastDecode(d, out) })
	sized, _ := count(func(d []byte, out *[]Status) error {
		*out = make([]Status, 0, MaxPageSize)
		return fastDecode(d, out)
	})
	tolerant, tolerantBytes := count(func(d []byte, out *[]Status) error {
		warnings, err := decodeBody(d, out, decodeOptions{critical: statusIdentity, maxItems: MaxPageSize})
		if err != nil || len(warnings) != 0 || len(*out) != MaxPageSize {
			t.Fatalf("%d items, %v, %v", len(*out), warnings, err)
		}
		return nil
	})
	t.Logf("a page of %d statuses: %.0f allocations with json.Unmarshal, %.0f with the fast decoder (%.0f bytes), %.0f into a list made for the page, %.0f with decodeBody (%.0f bytes)",
		MaxPageSize, std, fast, fastBytes, sized, tolerant, tolerantBytes)
	if fast >= std {
		t.Fatalf("the fast decoder allocates %.0f times, json.Unmarshal %.0f", fast, std)
	}
	if tolerantBytes >= fastBytes {
		t.Fatalf("decodeBody allocates %.0f bytes, a fast decode into an empty list %.0f", tolerantBytes, fastBytes)
	}
	if underRace && math.Abs(tolerant-sized) <= sized/50 {
		return // the fast decoder's pools drop objects at random under the race detector
	}
	if tolerant != sized {
		t.Fatalf("decodeBody allocates %.0f times, one fast decode into a list made for the page %.0f: the normal path does extra work", tolerant, sized)
	}
}

// TestAFastDecoderThatFailsOrPanicsFallsBackToEncodingJSON: whatever the fast decoder does
// with a body (an error, a panic, a half-filled value), decodeBody's result is encoding/json's:
// the same items, and for a page with a field of another shape, the same warning.
func TestAFastDecoderThatFailsOrPanicsFallsBackToEncodingJSON(t *testing.T) {
	clean := cleanPage()
	odd := []byte(strings.Replace(string(clean), `"approvalDetails":[]`, `"approvalDetails":"none"`, 1))
	var wantClean []Status
	if err := json.Unmarshal(clean, &wantClean); err != nil {
		t.Fatal(err)
	}
	defer func(d func([]byte, any) error) { fastDecode = d }(fastDecode)
	for name, broken := range map[string]func([]byte, any) error{
		"panics": func([]byte, any) error { panic("fast decoder bug") },
		"fails after filling part": func(_ []byte, v any) error {
			*v.(*[]Status) = []Status{{ID: "half", Description: "filled by a failed attempt"}}
			return errors.New("fast decoder error")
		},
	} {
		fastDecode = broken
		var got []Status
		warnings, err := decodeBody(clean, &got, decodeOptions{critical: statusIdentity})
		if err != nil || len(warnings) != 0 || !reflect.DeepEqual(got, wantClean) {
			t.Fatalf("%s, clean page: %d items, %v, %v", name, len(got), warnings, err)
		}
		got = nil
		warnings, err = decodeBody(odd, &got, decodeOptions{critical: statusIdentity})
		if err != nil || len(got) != MaxPageSize || len(warnings) != 1 || warnings[0].Path != "approvalDetails" {
			t.Fatalf("%s, odd page: %d items, %v, %v", name, len(got), warnings, err)
		}
		got = nil
		if _, err := decodeBody([]byte(`[{"id":`), &got, decodeOptions{critical: statusIdentity}); err == nil {
			t.Fatalf("%s: a truncated body decoded", name)
		}
	}
}

// BenchmarkDecodePage compares decoding a clean page, and a page with one odd value per item,
// with json.Unmarshal of the clean page.
func BenchmarkDecodePage(b *testing.B) {
	clean := cleanPage()
	odd := []byte(strings.ReplaceAll(string(clean), `"approvalDetails":[]`, `"approvalDetails":"none"`))
	b.Run("json.Unmarshal clean", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var out []Status
			_ = json.Unmarshal(clean, &out)
		}
	})
	for name, data := range map[string][]byte{"decodeBody clean": clean, "decodeBody odd": odd} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				var out []Status
				if _, err := decodeBody(data, &out, decodeOptions{critical: statusIdentity}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestABodyBufferIsReusedWithoutAliasing: the buffer a body is read into is kept (by a listing
// or the client) and is overwritten by the next body, so nothing decoded may refer to it: not the strings and
// raw values of a clean page or of the configuration's unknown settings, not the raw values of
// warnings. Each result is compared after the next body was read into the same buffer.
func TestABodyBufferIsReusedWithoutAliasing(t *testing.T) {
	clean := string(cleanPage())
	other := strings.NewReplacer("ar-", "xx-", "Role", "Xxxx", "sync", "xxxx", "role-", "xxxx-").Replace(clean)
	odd := strings.Replace(clean, `"approvalDetails":[]`, `"approvalDetails":"none"`, 1)
	config := `{"approvalsMustBeExternal":true,"futureTopLevel":{"mode":"strict"},"entitlementRequestConfig":{"futureNested":["a"]}}`
	buf := new([]byte) // every body is read into it, as a listing's are
	decode := func(body string, out any) []Warning {
		t.Helper()
		warnings, err := decodeJSON(response(200, "application/json", body), out, readOptions{decodeOptions: decodeOptions{critical: statusIdentity}, buf: buf})
		if err != nil {
			t.Fatal(err)
		}
		return warnings
	}
	for _, body := range []string{clean, odd, config} {
		var got, want any = new([]Status), new([]Status)
		if body == config {
			got, want = new(Config), new(Config)
		}
		warnings := decode(body, got)
		raws := make([]string, len(warnings))
		for i, w := range warnings {
			raws[i] = string(w.Raw)
		}
		wantWarnings, err := decodeBody([]byte(body), want, decodeOptions{critical: statusIdentity})
		if err != nil {
			t.Fatal(err)
		}
		decode(other, new([]Status)) // into the same buffer, over the body above
		decode(other, new([]Status))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("a value decoded from %.40q changed when the buffer was reused", body)
		}
		if len(warnings) != len(wantWarnings) {
			t.Fatalf("%d warnings, want %d", len(warnings), len(wantWarnings))
		}
		for i, w := range warnings {
			if string(w.Raw) != raws[i] || string(w.Raw) != string(wantWarnings[i].Raw) {
				t.Fatalf("warning %d's raw value changed to %s when the buffer was reused", i, w.Raw)
			}
		}
	}
}

// TestResponseBuffersAreReusedAcrossCalls: a body is read into a buffer kept for the next
// response (the client's, or a listing's), so reading page after page does not allocate a
// page-sized buffer each time, one page at a time or listing, whether the body's length is
// declared or not. The body is a page of one status padded to 256 KB, so nearly all a call could
// allocate is the buffer. Before, a sync.Pool missed whenever the goroutine moved to another
// processor between calls, and a body of unknown length was read into a buffer doubling from
// 4 KiB (about 1 MB for this one).
func TestResponseBuffersAreReusedAcrossCalls(t *testing.T) {
	body := append([]byte(`[{"accessRequestId":"ar-1","accountActivityItemId":"aa-1","id":"r","state":"EXECUTING"}]`), strings.Repeat(" ", 256<<10)...)
	for _, declared := range []bool{true, false} {
		c, err := New(WithBaseURL("https://tenant.invalid"), WithAccessToken("token-123456"),
			WithHTTPClient(&http.Client{Transport: roundTrip(func(req *http.Request) (*http.Response, error) {
				length := int64(len(body))
				if !declared {
					length = -1
				}
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: req,
					Body: io.NopCloser(bytes.NewReader(body)), ContentLength: length}, nil
			})}))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		const calls = 50
		for name, call := range map[string]func(){
			"one page at a time": func() {
				if _, err := c.ListStatusPage(ctx, ListStatusParams{}, 0); err != nil {
					t.Fatal(err)
				}
			},
			"a listing": func() {
				for _, err := range c.ListStatusPages(ctx, ListStatusParams{}) {
					if err != nil {
						t.Fatal(err)
					}
				}
			},
		} {
			call() // the first call makes the buffer
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range calls {
				call()
			}
			runtime.ReadMemStats(&after)
			// Without reuse every call allocates at least 256 KB (12.5 MB in all). Under the race
			// detector the fast decoder's own sync.Pool drops a quarter of its input buffers on
			// purpose (a quarter of 256 KB a call, on average), which is not ours to keep.
			allowed := calls * len(body) / 10
			if underRace {
				allowed = calls * len(body) / 2
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > uint64(allowed) {
				t.Errorf("%s, length declared %v: %d calls allocated %d bytes: the body buffer is not reused", name, declared, calls, got)
			}
		}
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A body of exactly the largest size read is read, whether its length is declared or not; one
// byte more is refused (readBounded's own limits are in readbounded_internal_test.go).
func TestABodyOfExactlyTheLargestSizeIsRead(t *testing.T) {
	for _, size := range []int{maxResponseBody, maxResponseBody + 1} {
		body := append([]byte("[1]"), bytes.Repeat([]byte(" "), size-3)...)
		for _, declared := range []int64{int64(size), -1} {
			resp := &http.Response{Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(bytes.NewReader(body)), ContentLength: declared}
			var out []int
			_, err := decodeJSON(resp, &out, readOptions{})
			if size == maxResponseBody && (err != nil || len(out) != 1) {
				t.Errorf("%d bytes, declared %d: %v, %v; want [1]", size, declared, out, err)
			}
			if size > maxResponseBody && err == nil {
				t.Errorf("%d bytes, declared %d: read, want refused", size, declared)
			}
		}
	}
}

// A warning says what was expected in the words a reader knows, for every kind of field.
func TestWarningsNameTheKindThatWasExpected(t *testing.T) {
	cases := []struct {
		field, value, want string
	}{
		{"name", `5`, "got number 5, want string"},
		{"requester", `"me"`, `want object`},
		{"clientMetadata", `[1]`, "got array, want object"},
		{"approvalDetails", `{}`, "got object, want array"},
		{"cancelable", `"yes"`, "want boolean"},
		{"created", `true`, "want an RFC 3339 date-time"},
	}
	for _, tc := range cases {
		t.Run(tc.field, func(t *testing.T) {
			body := `[{"accessRequestId":"ar-1","accountActivityItemId":"aa-1","id":"r","state":"EXECUTING","` + tc.field + `":` + tc.value + `}]`
			var out []Status
			warnings, err := decodeBody([]byte(body), &out, decodeOptions{critical: []string{"accessRequestId"}})
			if err != nil || len(out) != 1 {
				t.Fatalf("decodeBody: %v, %d items", err, len(out))
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0].Problem, tc.want) || warnings[0].Path != tc.field {
				t.Errorf("warnings = %+v, want one at %s saying %q", warnings, tc.field, tc.want)
			}
		})
	}
}

// A map is read key by key: one value of the wrong shape is reported and left out, and the
// other keys are kept.
func TestAMapKeepsItsOtherKeysWhenOneValueIsOdd(t *testing.T) {
	body := `[{"accessRequestId":"ar-1","accountActivityItemId":"aa-1","id":"r","state":"EXECUTING","clientMetadata":{"app":"sync","n":5}}]`
	var out []Status
	warnings, err := decodeBody([]byte(body), &out, decodeOptions{critical: []string{"accessRequestId"}})
	if err != nil || len(out) != 1 {
		t.Fatalf("decodeBody: %v, %d items", err, len(out))
	}
	if got := out[0].ClientMetadata["app"]; got != "sync" {
		t.Errorf(`clientMetadata["app"] = %q, want "sync"`, got)
	}
	if len(warnings) != 1 || warnings[0].Path != "clientMetadata.n" {
		t.Errorf("warnings = %+v, want one at clientMetadata.n", warnings)
	}
}

// Walking a body that is an object (not a list) reports its warnings with Item -1, and keeps
// the names the model does not know in its catch-all, also when that is the first field.
func TestTheWalkOfAnObjectKeepsUnknownSettings(t *testing.T) {
	var st Status
	warnings, err := decodeBody([]byte(`{"accessRequestId":"ar-1","name":5}`), &st, decodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || warnings[0].Item != -1 || warnings[0].Path != "name" || st.AccessRequestID != "ar-1" {
		t.Errorf("warnings = %+v, status %+v; want one at name with Item -1", warnings, st)
	}

	var first catchAllFirst
	warnings, err = decodeBody([]byte(`{"name":7,"future":1}`), &first, decodeOptions{})
	if err != nil || len(warnings) != 1 {
		t.Fatalf("decodeBody: %v, warnings %+v (the walk must have run)", err, warnings)
	}
	if got := string(first.AdditionalProperties["future"]); got != "1" {
		t.Errorf("future = %q, want it kept in a catch-all that is the first field", got)
	}
}

// One call keeps at most MaxWarnings warnings and counts the rest in a last one; an odd value is
// kept in Raw up to MaxWarningRaw bytes; a name in a path is cut to maxPathKey bytes; and a value
// at a critical path fails the page even past the cap.
func TestWarningsAreBoundedPerCall(t *testing.T) {
	var b strings.Builder
	b.WriteString(`[{"accessRequestId":"ar-1","accountActivityItemId":"aa-1","id":"r","state":"EXECUTING","approvalIds":[`)
	for i := range 3 * MaxWarnings {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i))
	}
	b.WriteString(`],"requester":"` + strings.Repeat("x", 5000) + `","clientMetadata":{"` + strings.Repeat("k", 300) + `":1}}]`)
	var out []Status
	warnings, err := decodeBody([]byte(b.String()), &out, decodeOptions{critical: statusIdentity, maxItems: MaxPageSize})
	require.NoError(t, err)
	require.Len(t, out, 1)
	assert.Empty(t, out[0].ApprovalIDs, "numbers are not ids: left out, not kept as empty ids")
	require.Len(t, warnings, MaxWarnings+1)
	last := warnings[MaxWarnings]
	assert.Equal(t, 3*MaxWarnings+2-MaxWarnings, last.Omitted, "every value past the cap is counted")
	assert.Empty(t, last.Path)
	assert.Equal(t, "approvalIds[999]", warnings[MaxWarnings-1].Path)
	assert.Contains(t, last.String(), "more values did not match the spec")

	b.Reset()
	b.WriteString(`[{"accessRequestId":"ar-1","accountActivityItemId":"aa-1","id":"r","state":"EXECUTING","requester":"` + strings.Repeat("x", 5000) +
		`","clientMetadata":{"` + strings.Repeat("k", 300) + `":1}}]`)
	warnings, err = decodeBody([]byte(b.String()), &out, decodeOptions{critical: statusIdentity})
	require.NoError(t, err)
	require.Len(t, warnings, 2) // in the body's order
	assert.Equal(t, "requester", warnings[0].Path)
	assert.Len(t, warnings[0].Raw, MaxWarningRaw)
	assert.True(t, warnings[0].Truncated)
	assert.Equal(t, `"xxxx`, string(warnings[0].Raw[:5]), "the start of the value, as sent")
	assert.False(t, warnings[1].Truncated)
	assert.Equal(t, "clientMetadata."+strings.Repeat("k", maxPathKey)+"…", warnings[1].Path)

	// 250 items with odd values, the last with a state of the wrong shape: past the cap, still an
	// error naming it.
	b.Reset()
	b.WriteByte('[')
	for i := range MaxPageSize {
		if i > 0 {
			b.WriteByte(',')
		}
		state := `"EXECUTING"`
		if i == MaxPageSize-1 {
			state = `{"odd":true}`
		}
		fmt.Fprintf(&b, `{"accessRequestId":"ar-%d","accountActivityItemId":"aa","id":"r","state":%s,"approvalIds":[1,2,3,4,5]}`, i, state)
	}
	b.WriteByte(']')
	_, err = decodeBody([]byte(b.String()), &out, decodeOptions{critical: statusIdentity})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "item [249].state")
}

// A page of more items than its limit fails before anything is decoded (a scan counts them).
func TestAPageOfMoreItemsThanTheLimitIsRefusedBeforeDecoding(t *testing.T) {
	body := []byte("[" + strings.Repeat(`{},`, 100000) + `{}]`)
	var out []Status
	// The least of three counts leaves out what another test's goroutines (servers, connections
	// closing) allocated meanwhile.
	allocs := leastAllocs(5, func() {
		out = nil
		_, err := decodeBody(body, &out, decodeOptions{critical: statusIdentity, maxItems: MaxPageSize})
		if err == nil || !strings.Contains(err.Error(), "page has 100001 items, more than the limit of 250") {
			t.Fatalf("err = %v", err)
		}
	})
	limit := 5.0
	if underRace {
		limit = 6 // the race detector's sync.Pool drops a quarter of what is put back: a scan buffer may be made again a call
	}
	assert.LessOrEqual(t, allocs, limit, "nothing decoded (decoding 100,001 items would take hundreds of thousands)")
}

// A value of a kind its field cannot take (a number where a date, a string or an object
// belongs) is set aside without a decoder's attempt: past the warnings kept, counting it
// allocates nothing. (Each failed attempt of the fast decoder and of encoding/json allocates
// an error: on 16 MiB of approvals with every field odd, that was 11 times the body and 9 times
// the time of a clean page.)
func TestAValueOfTheWrongKindCostsNoDecoderAttempt(t *testing.T) {
	// Checked first, as a large body is: a small one's first fast attempt, over the whole body,
	// allocates an error for each odd value (see decodeBody), which is not what is measured here.
	defer func(size int) { checkedBody = size }(checkedBody)
	checkedBody = 0
	allocs := func(approvals int) (float64, []Warning) {
		var b strings.Builder
		b.WriteString(`[{"accessRequestId":"ar-1","accountActivityItemId":"aa-1","id":"r","state":"EXECUTING","approvalDetails":[`)
		for i := range approvals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"approvalId":1,"comment":[2],"modified":3,"currentOwner":"me"}`)
		}
		b.WriteString(`]}]`)
		data := []byte(b.String())
		var warnings []Warning
		n := testing.AllocsPerRun(5, func() {
			var out []Status
			var err error
			warnings, err = decodeBody(data, &out, decodeOptions{critical: statusIdentity, maxItems: MaxPageSize})
			if err != nil || len(out[0].ApprovalDetails) != approvals {
				t.Fatalf("%v, %d approvals", err, len(out[0].ApprovalDetails))
			}
		})
		return n, warnings
	}
	few, _ := allocs(MaxWarnings) // 4 odd values each: the warnings kept, and 3,000 counted
	many, warnings := allocs(2 * MaxWarnings)
	require.Equal(t, 8*MaxWarnings-MaxWarnings, warnings[MaxWarnings].Omitted)
	assert.LessOrEqual(t, many-few, 10.0, "allocations for 4,000 more odd values: %.0f, then %.0f", few, many)
}
