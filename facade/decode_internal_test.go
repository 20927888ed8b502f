package facade

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"testing"
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
// decode allocates exactly what one fast decode (fastDecode, github.com/goccy/go-json)
// allocates: no encoding/json pass, no second pass, no copy. And that is fewer allocations than
// one json.Unmarshal, the baseline's decoder.
func TestAPageThatMatchesTheSpecIsDecodedOnce(t *testing.T) {
	data := cleanPage()
	count := func(decode func([]byte, any) error) float64 {
		return testing.AllocsPerRun(20, func() {
			var out []Status
			if err := decode(data, &out); err != nil {
				t.Fatal(err)
			}
		})
	}
	std, fast := count(json.Unmarshal), count(fastDecode)
	tolerant := testing.AllocsPerRun(20, func() {
		var out []Status
		warnings, err := decodeBody(data, &out, statusIdentity...)
		if err != nil || len(warnings) != 0 || len(out) != MaxPageSize {
			t.Fatalf("%d items, %v, %v", len(out), warnings, err)
		}
	})
	t.Logf("a page of %d statuses: %.0f allocations with json.Unmarshal, %.0f with the fast decoder, %.0f with decodeBody", MaxPageSize, std, fast, tolerant)
	if fast >= std {
		t.Fatalf("the fast decoder allocates %.0f times, json.Unmarshal %.0f", fast, std)
	}
	if underRace && math.Abs(tolerant-fast) <= fast/50 {
		return // the fast decoder's pools drop objects at random under the race detector
	}
	if tolerant != fast {
		t.Fatalf("decodeBody allocates %.0f times, one fast decode %.0f: the normal path does extra work", tolerant, fast)
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
		warnings, err := decodeBody(clean, &got, statusIdentity...)
		if err != nil || len(warnings) != 0 || !reflect.DeepEqual(got, wantClean) {
			t.Fatalf("%s, clean page: %d items, %v, %v", name, len(got), warnings, err)
		}
		got = nil
		warnings, err = decodeBody(odd, &got, statusIdentity...)
		if err != nil || len(got) != MaxPageSize || len(warnings) != 1 || warnings[0].Path != "approvalDetails" {
			t.Fatalf("%s, odd page: %d items, %v, %v", name, len(got), warnings, err)
		}
		got = nil
		if _, err := decodeBody([]byte(`[{"id":`), &got, statusIdentity...); err == nil {
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
				if _, err := decodeBody(data, &out, statusIdentity...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestABodyBufferIsReusedWithoutAliasing: the buffer a body is read into goes back to a pool
// and is overwritten by the next body, so nothing decoded may refer to it: not the strings and
// raw values of a clean page or of the configuration's unknown settings, not the raw values of
// warnings. Each result is compared after the next body was read into the same buffer.
func TestABodyBufferIsReusedWithoutAliasing(t *testing.T) {
	clean := string(cleanPage())
	other := strings.NewReplacer("ar-", "xx-", "Role", "Xxxx", "sync", "xxxx", "role-", "xxxx-").Replace(clean)
	odd := strings.Replace(clean, `"approvalDetails":[]`, `"approvalDetails":"none"`, 1)
	config := `{"approvalsMustBeExternal":true,"futureTopLevel":{"mode":"strict"},"entitlementRequestConfig":{"futureNested":["a"]}}`
	decode := func(body string, out any) []Warning {
		t.Helper()
		warnings, err := decodeJSON(response(200, "application/json", body), out, statusIdentity)
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
		wantWarnings, err := decodeBody([]byte(body), want, statusIdentity...)
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
// response, so listing page after page does not allocate a page-sized buffer each time. The
// body here is a tiny value padded to 256 KB, so nearly all a call could allocate is the buffer.
func TestResponseBuffersAreReusedAcrossCalls(t *testing.T) {
	if underRace {
		t.Skip("under the race detector sync.Pool drops a quarter of what is put back, on purpose")
	}
	body := append([]byte("[1]"), strings.Repeat(" ", 256<<10)...)
	decode := func() {
		resp := &http.Response{Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
		var out []int
		if _, err := decodeJSON(resp, &out, nil); err != nil || len(out) != 1 {
			t.Fatalf("decodeJSON = %v, %v", out, err)
		}
	}
	decode() // the first call fills the pool
	const calls = 50
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range calls {
		decode()
	}
	runtime.ReadMemStats(&after)
	// Without reuse every call allocates 256 KB (12.5 MB in all). Allow a buffer now and then:
	// the pool is per processor, and a collection may clear it.
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(calls*len(body)/5) {
		t.Errorf("%d calls allocated %d bytes: the body buffer is not reused", calls, got)
	}
}

// A body of exactly the largest size read is read, whether its length is declared or not; one
// byte more is refused (readBounded's own limits are in readbounded_internal_test.go).
func TestABodyOfExactlyTheLargestSizeIsRead(t *testing.T) {
	for _, size := range []int{maxResponseBody, maxResponseBody + 1} {
		body := append([]byte("[1]"), bytes.Repeat([]byte(" "), size-3)...)
		for _, declared := range []int64{int64(size), -1} {
			resp := &http.Response{Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(bytes.NewReader(body)), ContentLength: declared}
			var out []int
			_, err := decodeJSON(resp, &out, nil)
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
			warnings, err := decodeBody([]byte(body), &out, "accessRequestId")
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
	warnings, err := decodeBody([]byte(body), &out, "accessRequestId")
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
	warnings, err := decodeBody([]byte(`{"accessRequestId":"ar-1","name":5}`), &st)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || warnings[0].Item != -1 || warnings[0].Path != "name" || st.AccessRequestID != "ar-1" {
		t.Errorf("warnings = %+v, status %+v; want one at name with Item -1", warnings, st)
	}

	var first catchAllFirst
	warnings, err = decodeBody([]byte(`{"name":7,"future":1}`), &first)
	if err != nil || len(warnings) != 1 {
		t.Fatalf("decodeBody: %v, warnings %+v (the walk must have run)", err, warnings)
	}
	if got := string(first.AdditionalProperties["future"]); got != "1" {
		t.Errorf("future = %q, want it kept in a catch-all that is the first field", got)
	}
}
