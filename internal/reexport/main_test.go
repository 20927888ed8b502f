package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const models = `package gen

// Colour What a thing looks like.
type Colour string

// Defines values for Colour.
const (
	ColourDarkRed Colour = "DARK_RED"
	ColourBlue    Colour = "BLUE"
)

type Shape struct{ Sides int }

const Unrelated = 3
`

func TestRenderAliasesTypesAndCopiesEnumValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "models.gen.go")
	if err := os.WriteFile(path, []byte(models), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := render(path, "facade", "example.com/m/gen", []string{"Colour", "Shape"}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"package facade\n",
		`import "example.com/m/gen"`,
		"// Colour What a thing looks like.\ntype Colour = gen.Colour\n",
		"ColourDarkRed Colour = \"DARK_RED\"\n",
		"ColourBlue    Colour = \"BLUE\"\n",
		"// Shape is the generated model of the same name.\n//\n// Its fields:\n//   - Sides (int)\ntype Shape = gen.Shape\n",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(string(got), "Unrelated") {
		t.Errorf("an untyped constant was copied:\n%s", got)
	}
}

func TestRenderRefusesAnUnknownType(t *testing.T) {
	path := filepath.Join(t.TempDir(), "models.gen.go")
	if err := os.WriteFile(path, []byte(models), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := render(path, "facade", "example.com/m/gen", []string{"Circle"}, true); err == nil || !strings.Contains(err.Error(), "no type Circle") {
		t.Fatalf("err = %v, want one naming the missing type", err)
	}
}

const nested = `package gen

import "time"

// Order is what was bought.
type Order struct {
	// Lines lists what the order holds.
	//
	// Example: [{"sku":"a"}]
	Lines []Line ` + "`json:\"lines\"`" + `
	// Placed is when it was placed.
	Placed time.Time
	Buyer  *Party
	Extra  map[string]Note
	hidden int
}

// Line is one line of an order.
type Line struct{ Colour Colour }

// Colour is a colour.
type Colour string

// Party is who buys.
type Party = Person

// Person is a person.
type Person struct{ Name string }

// Note is a note.
type Note struct{}

// Unreached is named by nothing.
type Unreached struct{ Order Order }
`

func TestRenderAliasesEveryTypeTheRootsReachAndListsTheirFields(t *testing.T) {
	path := filepath.Join(t.TempDir(), "models.gen.go")
	if err := os.WriteFile(path, []byte(nested), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := render(path, "facade", "example.com/m/gen", []string{"Order"}, true)
	if err != nil {
		t.Fatal(err)
	}
	out := string(got)
	for _, name := range []string{"Order", "Line", "Colour", "Party", "Person", "Note"} {
		if !strings.Contains(out, "type "+name+" = gen."+name+"\n") {
			t.Errorf("%s is reached from Order (field, slice, pointer, map value, alias target) but not aliased:\n%s", name, out)
		}
	}
	if strings.Contains(out, "Unreached") {
		t.Errorf("a type no root reaches was aliased:\n%s", out)
	}
	for _, want := range []string{
		"// Its fields:\n",
		"//   - Lines ([]Line) lists what the order holds.\n",
		"//   - Placed (time.Time) is when it was placed.\n",
		"//   - Buyer (*Party)\n",
		"//   - Extra (map[string]Note)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hidden") || strings.Contains(out, "Example:") {
		t.Errorf("an unexported field or a field's example reached the alias's doc:\n%s", out)
	}
	if strings.Index(out, "type Order =") > strings.Index(out, "type Line =") {
		t.Errorf("the roots come first:\n%s", out)
	}
}

func TestRenderOnlyAliasesTheTypesNamedWhenAskedTo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "models.gen.go")
	if err := os.WriteFile(path, []byte(nested), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := render(path, "fake", "example.com/m/gen", []string{"Order", "Person"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if out := string(got); !strings.Contains(out, "type Order = gen.Order\n") || !strings.Contains(out, "type Person = gen.Person\n") || strings.Contains(out, "type Line") {
		t.Errorf("want Order and Person only:\n%s", out)
	}
}
