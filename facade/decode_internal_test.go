package facade

import (
	"encoding/json"
	"fmt"
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
// decode allocates exactly what one json.Unmarshal allocates: no second pass, no copy.
func TestAPageThatMatchesTheSpecIsDecodedOnce(t *testing.T) {
	data := cleanPage()
	plain := testing.AllocsPerRun(20, func() {
		var out []Status
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatal(err)
		}
	})
	tolerant := testing.AllocsPerRun(20, func() {
		var out []Status
		warnings, err := decodeBody(data, &out, statusIdentity...)
		if err != nil || len(warnings) != 0 || len(out) != MaxPageSize {
			t.Fatalf("%d items, %v, %v", len(out), warnings, err)
		}
	})
	t.Logf("a page of %d statuses: %.0f allocations with json.Unmarshal, %.0f with decodeBody", MaxPageSize, plain, tolerant)
	if tolerant != plain {
		t.Fatalf("decodeBody allocates %.0f times, json.Unmarshal %.0f: the normal path does extra work", tolerant, plain)
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
