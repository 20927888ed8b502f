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
	got, err := render(path, "facade", "example.com/m/gen", []string{"Colour", "Shape"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"package facade\n",
		`import "example.com/m/gen"`,
		"// Colour What a thing looks like.\ntype Colour = gen.Colour\n",
		"ColourDarkRed Colour = \"DARK_RED\"\n",
		"ColourBlue    Colour = \"BLUE\"\n",
		"// Shape is the generated model of the same name.\ntype Shape = gen.Shape\n",
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
	if _, err := render(path, "facade", "example.com/m/gen", []string{"Circle"}); err == nil || !strings.Contains(err.Error(), "no type Circle") {
		t.Fatalf("err = %v, want one naming the missing type", err)
	}
}
