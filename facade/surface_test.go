package facade_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	gotoken "go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestEveryModelAFacadeUserMeetsIsNamedInFacade type-checks this package from source and
// walks every exported declaration: each function's parameters and results, each method, each
// struct field, each alias target, recursively. Every type of package gen met on the way must
// be named in facade by an alias of the same name, so that nobody needs to import gen to
// declare a variable of a type the facade hands them.
func TestEveryModelAFacadeUserMeetsIsNamedInFacade(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the package and its imports from source")
	}
	fset := gotoken.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(".", name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("github.com/sailkit/accessrequests/facade", fset, files, nil)
	if err != nil {
		t.Fatal(err)
	}
	met := map[string]bool{}
	seen := map[types.Type]bool{}
	var walk func(types.Type)
	walk = func(typ types.Type) {
		if typ == nil || seen[typ] {
			return
		}
		seen[typ] = true
		switch tt := typ.(type) {
		case *types.Alias:
			walk(types.Unalias(tt))
		case *types.Named:
			obj := tt.Obj()
			if obj.Pkg() != nil && strings.HasSuffix(obj.Pkg().Path(), "/accessrequests/gen") {
				met[obj.Name()] = true
			}
			if obj.Pkg() == nil || !strings.HasPrefix(obj.Pkg().Path(), "github.com/sailkit/accessrequests") {
				return // another module's type: not ours to name
			}
			if strings.HasSuffix(obj.Pkg().Path(), "/gen/client") {
				return // Client.Generated: the raw generated client, for which gen is imported on purpose
			}
			walk(tt.Underlying())
			for i := 0; i < tt.NumMethods(); i++ {
				if m := tt.Method(i); m.Exported() {
					walk(m.Type())
				}
			}
		case *types.Pointer:
			walk(tt.Elem())
		case *types.Slice:
			walk(tt.Elem())
		case *types.Array:
			walk(tt.Elem())
		case *types.Map:
			walk(tt.Key())
			walk(tt.Elem())
		case *types.Chan:
			walk(tt.Elem())
		case *types.Signature:
			walk(tt.Params())
			walk(tt.Results())
		case *types.Tuple:
			for i := 0; i < tt.Len(); i++ {
				walk(tt.At(i).Type())
			}
		case *types.Struct:
			for i := 0; i < tt.NumFields(); i++ {
				if f := tt.Field(i); f.Exported() {
					walk(f.Type())
				}
			}
		case *types.Interface:
			for i := 0; i < tt.NumMethods(); i++ {
				walk(tt.Method(i).Type())
			}
		}
	}
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		if obj := scope.Lookup(name); obj.Exported() {
			walk(obj.Type())
		}
	}
	var missing []string
	for name := range met {
		obj, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || !obj.IsAlias() || !strings.HasSuffix(types.TypeString(types.Unalias(obj.Type()), nil), "/gen."+name) {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("facade's exported API reaches these models of gen, which facade does not name: %s", strings.Join(missing, ", "))
	}
	if len(met) < 50 {
		t.Errorf("the walk met only %d models of gen; it should reach every model behind Status and Config", len(met))
	}
}

// TestGoDocNamesWireIDsOnlyInQuotes: the package's documentation calls a field by its Go name
// (AccessRequestID) and a wire name ending in Id or Ids (accessRequestId, formInstanceId)
// appears only quoted, as a string the caller sends or reads: what "go doc -all" prints,
// string literals and quoted text aside, names none.
func TestGoDocNamesWireIDsOnlyInQuotes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go doc")
	}
	out, err := exec.Command("go", "doc", "-all", ".").Output()
	if err != nil {
		t.Fatalf("go doc: %v", err)
	}
	quoted := regexp.MustCompile("\"[^\"\n]*\"|`[^`]*`")
	wireID := regexp.MustCompile(`\b[a-z][A-Za-z]*Ids?\b`) // Go names say ID
	var found []string
	for i, line := range bytes.Split(out, []byte("\n")) {
		for _, m := range wireID.FindAll(quoted.ReplaceAll(line, nil), -1) {
			found = append(found, fmt.Sprintf("line %d: %s", i+1, m))
		}
	}
	if len(found) > 0 {
		t.Errorf("wire names ending in Id outside quotes in go doc -all:\n%s", strings.Join(found, "\n"))
	}
}
