package facade

import (
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadBoundedTakesExactlyTheLimit(t *testing.T) {
	const limit = 10
	cases := []struct {
		name     string
		body     string
		declared int64
		eofLate  bool // EOF comes with the last bytes rather than from a read of its own
		ok       bool
	}{
		{"the limit, length unknown", strings.Repeat("a", limit), -1, false, true},
		{"the limit, EOF with the last bytes", strings.Repeat("a", limit), -1, true, true},
		{"the limit, declared one short", strings.Repeat("a", limit), limit - 1, false, true},
		{"the limit, declared exactly", strings.Repeat("a", limit), limit, true, true},
		{"one past the limit, length unknown", strings.Repeat("a", limit+1), -1, false, false},
		{"one past the limit, EOF with the last bytes", strings.Repeat("a", limit+1), -1, true, false},
		{"one past the limit, declared short", strings.Repeat("a", limit+1), 3, false, false},
		{"empty", "", 0, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := iotest.OneByteReader(strings.NewReader(tc.body))
			if tc.eofLate {
				r = iotest.DataErrReader(strings.NewReader(tc.body))
			}
			got, err := readBounded(r, limit, tc.declared)
			if !tc.ok {
				if err == nil {
					t.Fatalf("read %d bytes past a limit of %d without an error", len(got), limit)
				}
				return
			}
			if err != nil || string(got) != tc.body {
				t.Fatalf("got %q, %v; want the whole body", got, err)
			}
		})
	}
}
