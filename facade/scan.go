package facade

import (
	"bytes"
	"reflect"
	"sync"
	"time"
)

// A scanner over JSON that is already known to be valid (json.Valid): it finds where values,
// array elements and object members begin and end, without copying or decoding them, so that
// the tolerant reader can walk a body in time and memory bounded by its size.

// jsonSpace marks the bytes JSON allows between tokens.
var jsonSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

func skipSpace(d []byte, i int) int {
	for i < len(d) && jsonSpace[d[i]] {
		i++
	}
	return i
}

// stringEnd returns the index just past the string that begins with the quote at d[i].
func stringEnd(d []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(d[j:], '"')
		if k < 0 {
			return len(d)
		}
		j += k
		escapes := 0
		for b := j - 1; b > i && d[b] == '\\'; b-- {
			escapes++
		}
		if escapes%2 == 0 {
			return j + 1
		}
		j++
	}
}

// valueEnd returns the index just past the value that begins at d[i].
func valueEnd(d []byte, i int) int {
	switch d[i] {
	case '"':
		return stringEnd(d, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(d); {
			switch d[j] {
			case '"':
				j = stringEnd(d, j)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
			j++
		}
		return len(d)
	}
	j := i + 1 // at least one byte: a scan of invalid JSON still ends
	for j < len(d) && d[j] != ',' && d[j] != ']' && d[j] != '}' && !jsonSpace[d[j]] {
		j++
	}
	return j
}

// elements iterates over the elements of the array d (which begins with '[').
type elements struct {
	d   []byte
	pos int
}

func newElements(d []byte) elements { return elements{d: d, pos: 1} }

// next returns the next element, or false at the end of the array.
func (e *elements) next() ([]byte, bool) {
	i := skipSpace(e.d, e.pos)
	if i < len(e.d) && e.d[i] == ',' {
		i = skipSpace(e.d, i+1)
	}
	if i >= len(e.d) || e.d[i] == ']' {
		return nil, false
	}
	end := valueEnd(e.d, i)
	e.pos = end
	return e.d[i:end], true
}

// members iterates over the members of the object d (which begins with '{').
type members struct {
	d   []byte
	pos int
}

func newMembers(d []byte) members { return members{d: d, pos: 1} }

// next returns the next member's key (its JSON string, quotes included) and value, or false at
// the end of the object.
func (m *members) next() (key, value []byte, ok bool) {
	i := skipSpace(m.d, m.pos)
	if i < len(m.d) && m.d[i] == ',' {
		i = skipSpace(m.d, i+1)
	}
	if i >= len(m.d) || m.d[i] != '"' {
		return nil, nil, false
	}
	kend := stringEnd(m.d, i)
	key = m.d[i:kend]
	j := skipSpace(m.d, kend)
	j = skipSpace(m.d, j+1) // past the colon
	end := valueEnd(m.d, j)
	m.pos = end
	return key, m.d[j:end], true
}

// arrayLen counts the elements of the top-level array d without decoding them, and reports
// false when d is not an array (or not one a scan can count: the decoders then say why).
func arrayLen(d []byte) (int, bool) {
	i := skipSpace(d, 0)
	if i >= len(d) || d[i] != '[' {
		return 0, false
	}
	e := elements{d: d[i:], pos: 1}
	n := 0
	for {
		if _, ok := e.next(); !ok {
			break
		}
		n++
	}
	return n, true
}

// A shape is what a Go type accepts of JSON, for a check in one pass over a value, without
// decoding or allocating, that every value in it is of a kind its field takes, and every date a
// date (oddIn). A value
// that passes is handed to the fast decoder; one that does not is walked, so that the fast
// decoder, which goes on past a value of the wrong kind and allocates an error for each, is
// never given a value full of them.
type shape struct {
	size    int               // the Go size of a value (of an element in a list, or a value in a map)
	accepts uint8             // the kinds of JSON value taken (null always is)
	fields  map[string]*shape // a struct's fields by JSON name (other names are ignored)
	elem    *shape            // a list's elements, a map's values
	isMap   bool
	date    bool // a time.Time: a string it reads as a date (one it does not read is odd too)
	own     bool // the type decodes itself (ownDecoder)
	walked  bool // its values are walked part by part when they do not decode whole (composite)
}

// Kinds of JSON value.
const (
	kindObject uint8 = 1 << iota
	kindArray
	kindString
	kindNumber
	kindBool
	kindAny = kindObject | kindArray | kindString | kindNumber | kindBool
)

func kindOf(c byte) uint8 {
	switch c {
	case '{':
		return kindObject
	case '[':
		return kindArray
	case '"':
		return kindString
	case 't', 'f':
		return kindBool
	case 'n':
		return kindAny // null is any kind
	}
	return kindNumber
}

var shapes sync.Map // reflect.Type -> *shape

// shapeOf is the shape of t, made once.
func shapeOf(t reflect.Type) *shape {
	if s, ok := shapes.Load(t); ok {
		return s.(*shape)
	}
	s := &shape{size: int(t.Size()), own: implementsDecoder(t), walked: isComposite(t)}
	shapes.Store(t, s) // before the fields, for a type that holds itself
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		s.accepts, s.date = kindString, true
	case implementsDecoder(t) || t == rawMessageType || t.Kind() == reflect.Interface:
		s.accepts = kindAny
	case t.Kind() == reflect.Struct:
		s.accepts, s.fields = kindObject, map[string]*shape{}
		for name, i := range fieldsOf(t).byName {
			s.fields[name] = shapeOf(t.Field(i).Type)
		}
	case t.Kind() == reflect.Map:
		s.accepts, s.isMap, s.elem = kindObject, true, shapeOf(t.Elem())
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		s.accepts, s.elem = kindArray, shapeOf(t.Elem())
	case t.Kind() == reflect.String:
		s.accepts = kindString
	case t.Kind() == reflect.Bool:
		s.accepts = kindBool
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		s.accepts = kindNumber
	default:
		s.accepts = kindAny
	}
	return s
}

// oddIn reports whether the value that begins d (valid JSON) holds a value, at any depth, of a
// kind its place in s does not take.
func oddIn(d []byte, s *shape) bool {
	_, _, odd := scanShape(d, 0, s)
	return odd
}

// mapEntry is about what a map keeps for an entry beyond its key's text and its value.
const mapEntry = 24

// scanShape checks the value at d[i] against s and returns where it ends and what decoding it
// would allocate (decoded: the elements of lists, the entries of maps and the text of strings);
// at the first value of the wrong kind it returns at once, odd (the rest is then not known). It
// takes no pointer, so that a check allocates nothing.
func scanShape(d []byte, i int, s *shape) (end, decoded int, odd bool) {
	if i >= len(d) {
		return len(d), 0, true // nothing where a value belongs: not JSON, and the decoders say why
	}
	b := d[i]
	if s == nil || (s.accepts == kindAny && s.fields == nil && s.elem == nil && !s.date) {
		end = valueEnd(d, i)
		if s != nil {
			decoded = end - i // a value decoded as a whole (a union, raw JSON)
		}
		return end, decoded, false
	}
	if kindOf(b)&s.accepts == 0 {
		return 0, 0, true
	}
	var n int
	switch b {
	case '{':
		j := skipSpace(d, i+1)
		for j < len(d) && d[j] == '"' {
			kend := stringEnd(d, j)
			if kend-j < 2 || d[kend-1] != '"' {
				return len(d), 0, true // a name cut short: not JSON
			}
			var child *shape
			if s.isMap {
				child = s.elem
				decoded += kend - j + mapEntry + child.size
			} else if s.fields != nil {
				child = s.fields[string(d[j+1:kend-1])] // a name with an escape is not found: not checked
			}
			j = skipSpace(d, kend)
			j = skipSpace(d, j+1) // past the colon
			if j >= len(d) {
				break
			}
			if j, n, odd = scanShape(d, j, child); odd {
				return 0, 0, true
			}
			decoded += n
			if j = skipSpace(d, j); j < len(d) && d[j] == ',' {
				j = skipSpace(d, j+1)
			}
		}
		return min(j+1, len(d)), decoded, false
	case '[':
		j := skipSpace(d, i+1)
		for j < len(d) && d[j] != ']' {
			decoded += s.elem.size
			if j, n, odd = scanShape(d, j, s.elem); odd {
				return 0, 0, true
			}
			decoded += n
			if j = skipSpace(d, j); j < len(d) && d[j] == ',' {
				j = skipSpace(d, j+1)
			}
		}
		return min(j+1, len(d)), decoded, false
	}
	end = valueEnd(d, i)
	if b == '"' {
		decoded = end - i
		if s.date && !isDate(d[i:end]) {
			return 0, 0, true // the right kind, but not a date: the fast decoder would fail on it
		}
	}
	return end, decoded, false
}

// isDate reports whether the JSON string raw is a date time.Time reads (RFC 3339). A string
// that is not even shaped like one is told without an allocation; one that is, by time.Time.
func isDate(raw []byte) bool {
	if !dateShaped(raw) {
		return false
	}
	var t time.Time
	return t.UnmarshalJSON(raw) == nil
}

// dateShaped reports whether raw (a JSON string, quotes included) begins as every RFC 3339 date
// time does: "2006-01-02T15:04:05.
func dateShaped(raw []byte) bool {
	const form = `"0000-00-00T00:00:00`
	if len(raw) < len(form)+2 {
		return false
	}
	for i := 0; i < len(form); i++ {
		c := raw[i]
		switch form[i] {
		case '0':
			if c < '0' || c > '9' {
				return false
			}
		case 'T':
			if c != 'T' && c != 't' {
				return false
			}
		default:
			if c != form[i] {
				return false
			}
		}
	}
	return true
}
