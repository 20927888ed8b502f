package facade

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// A body quoted in an error is cut at maxSnippet bytes, marked as cut only when it was, and
// never ends in half a character; any other byte that is not UTF-8 becomes "?", and what
// follows it is kept.
func TestSnippetCutsAtTheLimitOnACharacterBoundary(t *testing.T) {
	euro := "€" // three bytes
	cases := []struct {
		name, body, want string
	}{
		{"shorter than the limit", "short", "short"},
		{"exactly the limit: not cut", strings.Repeat("a", maxSnippet), strings.Repeat("a", maxSnippet)},
		{"one byte over: cut and marked", strings.Repeat("a", maxSnippet+1), strings.Repeat("a", maxSnippet) + "…"},
		{"a character across the limit is left out whole",
			strings.Repeat("a", maxSnippet-1) + euro + "tail", strings.Repeat("a", maxSnippet-1) + "…"},
		{"a character with two of its bytes before the limit is left out whole",
			strings.Repeat("a", maxSnippet-2) + euro + "tail", strings.Repeat("a", maxSnippet-2) + "…"},
		{"a four-byte character with three of its bytes before the limit is left out whole",
			strings.Repeat("a", maxSnippet-3) + "\U0001F600tail", strings.Repeat("a", maxSnippet-3) + "…"},
		{"a character ending at the limit is kept",
			strings.Repeat("a", maxSnippet-3) + euro + "tail", strings.Repeat("a", maxSnippet-3) + euro + "…"},
		// A byte that is not UTF-8 (a Latin-1 page from a proxy) is a "?" wherever it stands; only
		// a character cut by the limit is left out. Guards snippet's trim of the cut character.
		{"an invalid byte at the start of a long body",
			"\xe9" + strings.Repeat("a", maxSnippet), "?" + strings.Repeat("a", maxSnippet-1) + "…"},
		{"an invalid byte in the middle and a character across the limit",
			"ab\xffcd" + strings.Repeat("a", maxSnippet-7) + euro + "tail", "ab?cd" + strings.Repeat("a", maxSnippet-7) + "…"},
		{"an invalid byte just before the limit",
			strings.Repeat("a", maxSnippet-1) + "\xe9tail", strings.Repeat("a", maxSnippet-1) + "?…"},
		// The look back for a cut character's start stops after three bytes (a character is at
		// most four), also when no byte starts one. Guards snippet's `i > cut-utf8.UTFMax`.
		{"continuation bytes only", strings.Repeat("\x80", 600), "?…"},
		{"a character's first byte alone at the limit",
			strings.Repeat("a", maxSnippet-1) + "\xe2tail", strings.Repeat("a", maxSnippet-1) + "?…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := snippet([]byte(tc.body))
			if got != tc.want {
				t.Errorf("snippet(%d bytes) = %q…%q (%d bytes), want %q…%q (%d bytes)", len(tc.body),
					head(got), tail(got), len(got), head(tc.want), tail(tc.want), len(tc.want))
			}
			if !utf8.ValidString(got) {
				t.Errorf("not valid UTF-8")
			}
		})
	}
}

func head(s string) string { return s[:min(len(s), 8)] }
func tail(s string) string { return s[max(0, len(s)-8):] }

// A field name is letters, digits, '_' and '.', and nothing else: each range is checked at both
// ends and just past them.
func TestFieldNamesAreLettersDigitsUnderscoreAndDot(t *testing.T) {
	for _, ok := range []string{"a", "z", "A", "Z", "0", "9", "_", ".", "requestedFor.id", "created9_Z"} {
		if !validFieldName(ok) {
			t.Errorf("validFieldName(%q) = false, want true", ok)
		}
	}
	for _, bad := range []string{"", "and", "AND", "`", "{", "@", "[", "/", ":", "a b", "a-b", "é"} {
		if validFieldName(bad) {
			t.Errorf("validFieldName(%q) = true, want false", bad)
		}
	}
}

// wantKind names every kind a model field can have, at the edges of the integer kinds too.
func TestWantKindNamesEveryKind(t *testing.T) {
	cases := map[reflect.Type]string{
		reflect.TypeFor[time.Time]():         "an RFC 3339 date-time",
		reflect.TypeFor[*time.Time]():        "an RFC 3339 date-time",
		reflect.TypeFor[struct{}]():          "object",
		reflect.TypeFor[map[string]string](): "object",
		reflect.TypeFor[[]string]():          "array",
		reflect.TypeFor[[2]int]():            "array",
		reflect.TypeFor[string]():            "string",
		reflect.TypeFor[bool]():              "boolean",
		reflect.TypeFor[int]():               "integer (int)",
		reflect.TypeFor[*int32]():            "integer (int32)",
		reflect.TypeFor[uint64]():            "integer (uint64)",
		reflect.TypeFor[float32]():           "number",
		reflect.TypeFor[float64]():           "number",
		reflect.TypeFor[uintptr]():           "uintptr",
		reflect.TypeFor[any]():               "interface",
	}
	for typ, want := range cases {
		if got := wantKind(typ); got != want {
			t.Errorf("wantKind(%v) = %q, want %q", typ, got, want)
		}
	}
}
