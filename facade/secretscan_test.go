package facade_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// printable is everything the library hands a caller that the caller may print: each error
// type (as returned, a pointer), the hook payloads and a warning.
var printable = map[string]any{
	"APIError":             &facade.APIError{},
	"ResponseError":        &facade.ResponseError{},
	"OutcomeUnknownError":  &facade.OutcomeUnknownError{},
	"RedirectError":        &facade.RedirectError{},
	"ValidationError":      &facade.ValidationError{},
	"TokenError":           &facade.TokenError{},
	"MissingEnvError":      &facade.MissingEnvError{},
	"WaitError":            &facade.WaitError{},
	"UnknownSettingsError": &facade.UnknownSettingsError{},
	"NotInAPIError":        &facade.NotInAPIError{},
	"UnsettledError":       &facade.UnsettledError{},
	"Settlement":           &facade.Settlement{},
	"Attempt":              facade.Attempt{},
	"Operation":            facade.Operation{},
	"Warning":              facade.Warning{},
}

// errorTypes are the package's exported types with an Error() string method, read from its
// sources, so that a new error type cannot be left out of the scan's proof.
func errorTypes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := gotoken.NewFileSet()
	var names []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "Error" || fn.Type.Params.NumFields() != 0 || fn.Type.Results.NumFields() != 1 {
				continue
			}
			recv := fn.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			if id, ok := recv.(*ast.Ident); ok && id.IsExported() {
				names = append(names, id.Name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// leaf is a value of some type with the secret in one place only, and where.
type leaf struct {
	path  string
	value reflect.Value
}

var errorType = reflect.TypeFor[error]()

// withSecret makes, for each place in a value of type typ that can hold text (a string, bytes,
// an error, down through structs' exported fields, slices and pointers), a value with the
// test secret there and nowhere else. Numbers, durations and booleans cannot hold it.
func withSecret(typ reflect.Type) []leaf {
	var out []leaf
	switch typ.Kind() {
	case reflect.String:
		v := reflect.New(typ).Elem()
		v.SetString("scan probe " + testSecret)
		out = append(out, leaf{"", v})
	case reflect.Interface:
		if typ == errorType {
			v := reflect.New(typ).Elem()
			v.Set(reflect.ValueOf(errors.New("scan probe " + testSecret)))
			out = append(out, leaf{"", v})
		}
	case reflect.Slice:
		if typ.Elem().Kind() == reflect.Uint8 {
			out = append(out, leaf{"", reflect.ValueOf([]byte(`"` + testSecret + `"`)).Convert(typ)})
			break
		}
		for _, l := range withSecret(typ.Elem()) {
			s := reflect.MakeSlice(typ, 1, 1)
			s.Index(0).Set(l.value)
			out = append(out, leaf{"[0]" + l.path, s})
		}
	case reflect.Pointer:
		for _, l := range withSecret(typ.Elem()) {
			p := reflect.New(typ.Elem())
			p.Elem().Set(l.value)
			out = append(out, leaf{l.path, p})
		}
	case reflect.Struct:
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			for _, l := range withSecret(f.Type) {
				v := reflect.New(typ).Elem()
				v.Field(i).Set(l.value)
				out = append(out, leaf{"." + f.Name + l.path, v})
			}
		}
	}
	return out
}

// The scan in TestMain reports a secret wherever a caller could print it from: every exported
// field of every error type (and Error()), of each hook payload and of a warning, one field at
// a time, and errors reached only by unwrapping.
func TestSecretScanReportsALeakInEveryPrintableField(t *testing.T) {
	t.Parallel()
	for _, name := range errorTypes(t) {
		assert.Contains(t, printable, name, "the error type %s is not in printable: its fields are not proved scanned", name)
	}
	for name, v := range printable {
		typ := reflect.TypeOf(v)
		leaves := withSecret(typ)
		require.NotEmpty(t, leaves, name)
		var text []string // every field that can hold text is tried
		for _, l := range leaves {
			text = append(text, strings.SplitN(strings.TrimPrefix(l.path, "."), ".", 2)[0])
			var s scan
			s.addValue(name, l.value.Interface())
			assert.NotEmpty(t, s.leaks(), "a secret in %s%s is not reported", name, l.path)
		}
		// A field left out above must be one that cannot hold text.
		elem := typ
		if elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		for i := range elem.NumField() {
			f := elem.Field(i)
			if !f.IsExported() || containsPrefix(text, f.Name) {
				continue
			}
			if f.Type == reflect.TypeOf(time.Time{}) {
				continue // a time holds no text
			}
			switch f.Type.Kind() {
			case reflect.Int, reflect.Int32, reflect.Int64, reflect.Bool:
			default:
				t.Errorf("%s.%s (%s) is neither probed nor a number", name, f.Name, f.Type)
			}
		}
	}

	// Errors found only by unwrapping: a field Error() does not print, under wrappers whose own
	// fields are not exported.
	deep := &facade.APIError{StatusCode: 400, Causes: []facade.Message{{Text: "scan probe " + testSecret}}}
	require.NotContains(t, deep.Error(), testSecret, "the probe must be a field Error() leaves out")
	for name, err := range map[string]error{
		"wrapped":        fmt.Errorf("listing: %w", deep),
		"joined":         errors.Join(errors.New("first"), fmt.Errorf("second: %w", deep)),
		"in a hook":      fmt.Errorf("op: %w", &facade.TokenError{Reason: "x", Err: fmt.Errorf("y: %w", deep)}),
		"in a transport": &facade.OutcomeUnknownError{Operation: "createAccessRequest", Err: fmt.Errorf("z: %w", deep)},
	} {
		var s scan
		s.addValue("error", facade.Operation{Err: err})
		assert.NotEmpty(t, s.leaks(), "a secret reached by unwrapping (%s) is not reported", name)
	}
	var clean scan
	clean.addValue("error", &facade.APIError{StatusCode: 400, DetailCode: "400.1 Bad Request Content", Body: "nothing to see"})
	assert.Empty(t, clean.leaks(), "the scan reports only secrets")
}

func containsPrefix(list []string, s string) bool {
	for _, x := range list {
		if strings.HasPrefix(x, s+"[") || x == s {
			return true
		}
	}
	return false
}

// The suite's scan is fed what hooks and the warning handler of every env client receive
// (and TestSecretScanSeesLogsAndErrors shows it gets log lines and errors).
func TestSecretScanSeesHookPayloadsAndWarnings(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	marker := "scan-marker-7f3c"
	e.handle("GET /access-request-config", reply(200, `{"autoApprovalEnabled":"`+marker+`"}`))
	_, err := e.client().GetConfig(context.Background())
	require.NoError(t, noteErr(err))
	seen.mu.Lock()
	defer seen.mu.Unlock()
	for _, want := range []string{
		"hook Attempt.Operation: getAccessRequestConfig",
		"hook Operation.Name: getAccessRequestConfig",
		`warning.Raw: "` + marker + `"`,
	} {
		found := false
		for _, l := range seen.lines {
			found = found || l == want
		}
		assert.True(t, found, "the scan never saw %q", want)
	}
}
