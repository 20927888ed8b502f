package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
)

// maxInput bounds a file or stdin of ids (a million 32-character ids fit well within it).
const maxInput = 64 << 20

// inputError is a refused line of input: the file, the line and the rule broken.
type inputError struct {
	file string
	line int
	rule string
}

func (e *inputError) Error() string { return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.rule) }

// idSource is where ids came from, for error messages and the duplicate rule.
type idSource struct {
	ids  []string
	from []string // per id: "file:line" or "argument N"
	seen map[string]int
}

// add keeps one id, refusing an id that is malformed or repeats an earlier one.
func (s *idSource) add(id, where string, fail func(rule string) error) error {
	if err := checkID(id); err != "" {
		return fail(err)
	}
	if s.seen == nil {
		s.seen = map[string]int{}
	}
	if j, dup := s.seen[id]; dup {
		return fail(fmt.Sprintf("id %s repeats %s", id, s.from[j]))
	}
	s.seen[id] = len(s.ids)
	s.ids = append(s.ids, id)
	s.from = append(s.from, where)
	return nil
}

// checkID returns the rule a (trimmed, unquoted) access request id breaks, or "".
func checkID(id string) string { return checkIDOf("id", "access request id", id) }

// checkIDOf returns the rule a (trimmed, unquoted) id breaks, or "": what names the value in
// the rule ("id", "identity"), kind the ids it must look like ("access request id").
func checkIDOf(what, kind, id string) string {
	if id == "" {
		return "the " + what + " is empty"
	}
	if strings.ContainsRune("=+-@", rune(id[0])) {
		return fmt.Sprintf("%s %q starts with %q, which no %s does", what, id, id[0], kind)
	}
	for _, r := range id {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"',;`, r) {
			return fmt.Sprintf("%s %q contains %q, which no %s has", what, id, r, kind)
		}
	}
	return ""
}

// readIDs gathers ids from the positional arguments ("-" reads stdin one per line), from
// --from-csv ("-" for stdin) and, when neither gives any and stdin is not a terminal, from
// stdin one per line. Every refusal names where: the file and line, or the argument.
func (a *app) readIDs(args []string, csvPath string) ([]string, error) {
	var s idSource
	stdinUsed := false
	useStdin := func() (io.Reader, error) {
		if stdinUsed {
			return nil, usagef("standard input can be read only once (it was named twice)")
		}
		stdinUsed = true
		return a.io.in, nil
	}
	for i, arg := range args {
		id := strings.TrimSpace(arg)
		if id == "-" {
			in, err := useStdin()
			if err != nil {
				return nil, err
			}
			if err := s.readLines(in, "<stdin>"); err != nil {
				return nil, err
			}
			continue
		}
		where := fmt.Sprintf("argument %d", i+1)
		if err := s.add(unquote(id), where, func(rule string) error { return usagef("%s: %s", where, rule) }); err != nil {
			return nil, err
		}
	}
	if csvPath != "" {
		if err := s.readCSVFrom(csvPath, useStdin); err != nil {
			return nil, err
		}
	}
	if len(s.ids) == 0 && len(args) == 0 && csvPath == "" && !a.inTerminal && a.io.in != nil {
		if err := s.readLines(a.io.in, "<stdin>"); err != nil {
			return nil, err
		}
	}
	if len(s.ids) == 0 {
		return nil, usagef("no access request ids: give them as arguments, with --from-csv FILE, or one per line on standard input")
	}
	return s.ids, nil
}

// readCSVFrom reads the CSV named by --from-csv: a file, or stdin for "-".
func (s *idSource) readCSVFrom(path string, stdin func() (io.Reader, error)) error {
	if path == "-" {
		in, err := stdin()
		if err != nil {
			return err
		}
		return s.readCSV(in, "<stdin>")
	}
	f, err := os.Open(path)
	if err != nil {
		return usagef("--from-csv: %v", err)
	}
	defer func() { _ = f.Close() }()
	return s.readCSV(f, path)
}

// readAll reads a whole input, bounded, without a UTF-8 byte order mark.
func readAll(in io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(in, maxInput+1))
	if err != nil {
		return nil, usagef("%s: %v", name, err)
	}
	if len(data) > maxInput {
		return nil, usagef("%s: larger than %d MiB", name, maxInput>>20)
	}
	return bytes.TrimPrefix(data, []byte("\ufeff")), nil
}

// readLines takes one id per line: CRLF or LF, blank lines skipped, spaces trimmed, one pair of
// surrounding quotes removed.
func (s *idSource) readLines(in io.Reader, name string) error {
	data, err := readAll(in, name)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxInput)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fail := func(rule string) error { return &inputError{name, line, rule} }
		if strings.ContainsAny(unquote(text), ",;\t") {
			return fail("more than one value on the line (for a CSV export use --from-csv)")
		}
		if err := s.add(unquote(text), fmt.Sprintf("%s:%d", name, line), fail); err != nil {
			return err
		}
	}
	return nil
}

// unquote removes one pair of matching surrounding quotes and the spaces inside them.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// idColumns are header names taken as the access request id column, compared without case,
// spaces, dashes or underscores.
var idColumns = []string{"accessrequestid", "id", "requestid", "accountactivityid"}

// readCSV reads ids from a CSV export: the column whose header names the id, or the only column
// of a file without such a header. The delimiter (comma, semicolon or tab) is detected from the
// first line; a BOM, CRLF line ends, quoted cells and blank lines are accepted.
func (s *idSource) readCSV(in io.Reader, name string) error {
	r, header, line, err := readCSVHeader(in, name)
	if err != nil {
		return err
	}
	col := idColumn(header)
	if col < 0 {
		if len(header) != 1 {
			return &inputError{name, line, fmt.Sprintf("no column named like \"Access Request ID\" in the header %q", strings.Join(header, string(r.Comma)))}
		}
		col = 0
		if err := s.addCell(header, col, name, line); err != nil {
			return err
		}
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(name, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a line of spaces
		}
		if err := s.addCell(rec, col, name, line); err != nil {
			return err
		}
	}
}

// readCSVHeader reads a whole CSV input (bounded, without a BOM) and its first record, and
// returns the reader for the rest, set up for exports: the delimiter (comma, semicolon or tab)
// detected from the first line, records of any length, leading spaces trimmed. line is the
// first record's line; an empty input or invalid CSV is refused naming the line.
func readCSVHeader(in io.Reader, name string) (r *csv.Reader, header []string, line int, err error) {
	data, err := readAll(in, name)
	if err != nil {
		return nil, nil, 0, err
	}
	r = csv.NewReader(bytes.NewReader(data))
	r.Comma = detectDelimiter(data)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err = r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, 0, &inputError{name, 1, "the file is empty"}
	}
	if err != nil {
		return nil, nil, 0, csvError(name, err)
	}
	line, _ = r.FieldPos(0)
	return r, header, line, nil
}

// addCell takes the id in column col of a record.
func (s *idSource) addCell(rec []string, col int, name string, line int) error {
	fail := func(rule string) error { return &inputError{name, line, rule} }
	if col >= len(rec) {
		return fail(fmt.Sprintf("the row has %d columns; the id is in column %d", len(rec), col+1))
	}
	return s.add(unquote(strings.TrimSpace(rec[col])), fmt.Sprintf("%s:%d", name, line), fail)
}

// idColumn finds the id column in a header, or -1.
func idColumn(header []string) int { return findColumn(header, idColumns) }

// normName is a header name (or a value such as an item type) without case, spaces, dashes or
// underscores.
func normName(s string) string {
	return strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// findColumn finds the first column of a header named one of names (as normName gives them),
// or -1.
func findColumn(header []string, names []string) int {
	for i, h := range header {
		name := normName(h)
		for _, want := range names {
			if name == want {
				return i
			}
		}
	}
	return -1
}

// detectDelimiter picks the delimiter that occurs most often, outside quotes, in the first
// non-blank line: comma, semicolon (spreadsheets in many European locales) or tab.
func detectDelimiter(data []byte) rune {
	first := ""
	for _, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) != "" {
			first = l
			break
		}
	}
	counts := map[rune]int{}
	quoted := false
	for _, r := range first {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// csvError turns a CSV parse error into a refusal naming the line.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &inputError{name, pe.StartLine, fmt.Sprintf("not valid CSV (at line %d, column %d): %v", pe.Line, pe.Column, pe.Err)}
	}
	return usagef("%s: %v", name, err)
}
