// Package filter parses the vendor's standard collection filter syntax, in the subset the
// access-request-status list accepts: conditions "field op value" joined by "and", where
// values are double-quoted strings (with \" and \\ escapes), bare words such as dates and
// numbers, or a parenthesised list for "in"; "isnull" takes no value. The facade's builders
// are tested against it, and the fake tenant evaluates filters with it.
package filter

import (
	"errors"
	"fmt"
	"strings"
)

// Operators lists, for each field listAccessRequestStatus filters on, the operators it
// accepts: the union of what the vendor's two documents list.
var Operators = map[string][]string{
	"accessRequestId":       {"eq", "in", "ge", "gt", "le", "lt", "ne", "sw"},
	"accountActivityItemId": {"eq", "in", "ge", "gt", "le", "lt", "ne", "isnull", "sw"},
	"created":               {"eq", "in", "ge", "gt", "le", "lt", "ne", "isnull", "sw"},
}

// SortFields are the fields listAccessRequestStatus sorts on.
var SortFields = []string{"created", "modified", "accountActivityItemId", "name"}

// Condition is one "field op value" term.
type Condition struct {
	Field  string   // the field name as written
	Op     string   // lower case: eq, ne, gt, ge, lt, le, sw, in, isnull, ...
	Values []string // one value, several for "in", none for "isnull"
}

// Expr is a conjunction of conditions.
type Expr []Condition

// Quote renders s as a filter string literal: in double quotes, with " and \ escaped, so no
// value can end the literal early.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

type token struct {
	kind   byte // 'w' word, 's' string, '(' , ')' , ','
	text   string
	offset int
}

func tokenize(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == ',':
			toks = append(toks, token{kind: c, text: string(c), offset: i})
			i++
		case c == '"':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(src) {
				if src[i] == '\\' {
					if i+1 >= len(src) {
						return nil, fmt.Errorf("offset %d: escape at the end of the filter", i)
					}
					if src[i+1] != '"' && src[i+1] != '\\' {
						return nil, fmt.Errorf("offset %d: unknown escape \\%c", i, src[i+1])
					}
					b.WriteByte(src[i+1])
					i += 2
					continue
				}
				if src[i] == '"' {
					closed = true
					i++
					break
				}
				b.WriteByte(src[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("offset %d: string is not closed", start)
			}
			toks = append(toks, token{kind: 's', text: b.String(), offset: start})
		default:
			start := i
			for i < len(src) && !strings.ContainsRune(" \t\n\r(),\"", rune(src[i])) {
				i++
			}
			toks = append(toks, token{kind: 'w', text: src[start:i], offset: start})
		}
	}
	return toks, nil
}

// Parse reads a filter expression. It accepts any field and operator; checking them against
// what the server supports is the caller's business.
func Parse(src string) (Expr, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, errors.New("empty filter")
	}
	var expr Expr
	for i := 0; ; {
		if i >= len(toks) || toks[i].kind != 'w' {
			return nil, fmt.Errorf("expected a field name at term %d", len(expr)+1)
		}
		c := Condition{Field: toks[i].text}
		i++
		if i >= len(toks) || toks[i].kind != 'w' {
			return nil, fmt.Errorf("expected an operator after %q", c.Field)
		}
		c.Op = strings.ToLower(toks[i].text)
		i++
		switch c.Op {
		case "isnull":
		case "in":
			if i >= len(toks) || toks[i].kind != '(' {
				return nil, fmt.Errorf("%s in: expected (", c.Field)
			}
			i++
			for {
				if i >= len(toks) || (toks[i].kind != 's' && toks[i].kind != 'w') {
					return nil, fmt.Errorf("%s in: expected a value", c.Field)
				}
				c.Values = append(c.Values, toks[i].text)
				i++
				if i < len(toks) && toks[i].kind == ',' {
					i++
					continue
				}
				if i < len(toks) && toks[i].kind == ')' {
					i++
					break
				}
				return nil, fmt.Errorf("%s in: expected , or )", c.Field)
			}
		default:
			if i >= len(toks) || (toks[i].kind != 's' && toks[i].kind != 'w') {
				return nil, fmt.Errorf("%s %s: expected a value", c.Field, c.Op)
			}
			if toks[i].kind == 'w' && strings.EqualFold(toks[i].text, "and") {
				return nil, fmt.Errorf("%s %s: expected a value", c.Field, c.Op)
			}
			c.Values = []string{toks[i].text}
			i++
		}
		expr = append(expr, c)
		if i == len(toks) {
			return expr, nil
		}
		if toks[i].kind != 'w' || !strings.EqualFold(toks[i].text, "and") {
			return nil, fmt.Errorf("offset %d: expected \"and\" or the end of the filter", toks[i].offset)
		}
		i++
	}
}
