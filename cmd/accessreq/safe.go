package main

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Everything the server or a file controls (names, ids, error messages, JSON keys, settings)
// passes through clean before it reaches a terminal: a control character or escape sequence
// in an item's name must not move the cursor, rewrite the clipboard (OSC 52), forge a table
// row with a newline or reorder the line with a bidirectional override. JSON output is kept
// exact JSON instead (see jsonSafe), and CSV cells are also guarded against formulas (see
// csvCell).

// unsafeRune reports whether r would act on a terminal rather than show: C0 and C1 controls
// (ESC, CSI, newline, ...), DEL, the Unicode line and paragraph separators, and the
// bidirectional marks, embeddings, overrides and isolates.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029' || r == '\u061c' || r == '\u200e' || r == '\u200f':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// clean returns s with every unsafe rune written as an escape (\n, \t, \r, \x1b, \u202e)
// and every byte that is not UTF-8 as \xNN. Other text, backslashes included, is left as it
// is.
func clean(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r == utf8.RuneError || unsafeRune(r) })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// jsonSafe writes JSON as it is, except that the runes that act on a terminal and that
// encoding/json leaves raw inside strings (C1 controls, DEL, the bidirectional controls and
// separators, bytes that are not UTF-8) are written as \u escapes: the output decodes to the
// same values and stays exact JSON. Outside strings JSON has only ASCII, so nothing changes
// there. A rune cut between two writes is held until the next.
type jsonSafe struct {
	w    io.Writer
	held []byte // the start of a rune the last write ended in
}

func (j *jsonSafe) Write(p []byte) (int, error) {
	data := p
	if len(j.held) > 0 {
		data = append(j.held, p...)
		j.held = nil
	}
	var b []byte
	for i := 0; i < len(data); {
		if !utf8.FullRune(data[i:]) {
			j.held = append([]byte(nil), data[i:]...)
			break
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...) // what a JSON decoder reads an invalid byte as
		case r >= 0x7f && unsafeRune(r):
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = append(b, data[i:i+size]...) // C0 controls appear raw only as JSON's white space
		}
		i += size
	}
	if _, err := j.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// csvCell makes a CSV cell safe. A cell a spreadsheet would run as a formula, one starting
// with =, +, -, @, a tab or a carriage return (OWASP's rule for CSV injection), gets a single
// quote in front, which spreadsheets show as text; then control characters are escaped as in
// clean. With raw the cell is left exactly as received.
func csvCell(s string, raw bool) string {
	if raw {
		return s
	}
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	return clean(s)
}
