package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sailkit/accessrequests/facade"
)

func (a *app) configCommand() *cobra.Command {
	get := &cobra.Command{
		Use:   "get",
		Short: "Print the access request configuration as JSON",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return a.configGet(cmd.Context()) },
	}
	var file string
	set := &cobra.Command{
		Use:   "set --file FILE",
		Short: "Replace the access request configuration with a JSON file",
		Long: `Set replaces the whole access request configuration with the JSON in FILE ("-" for stdin),
typically the output of "config get", edited. Fields this tool does not know are kept and sent
as they are (a note on stderr names them), so a newer setting is not reset.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return usagef("--file is required")
			}
			return a.configSet(cmd.Context(), file)
		},
	}
	set.Flags().StringVar(&file, "file", "", `JSON configuration to write ("-" for stdin)`)
	return group("config", "Get or set the access request configuration", get, set)
}

func (a *app) configGet(ctx context.Context) error {
	s, err := a.session(false)
	if err != nil {
		return err
	}
	cfg, err := s.c.GetConfig(ctx)
	if err != nil {
		return err
	}
	return a.printJSON(cfg)
}

func (a *app) configSet(ctx context.Context, file string) error {
	var (
		data []byte
		err  error
	)
	if file == "-" {
		data, err = readAll(a.io.in, "<stdin>")
	} else {
		data, err = os.ReadFile(file)
		data = bytes.TrimPrefix(data, []byte("\ufeff"))
	}
	if err != nil {
		return usagef("--file: %v", err)
	}
	var cfg facade.Config
	if err := json.Unmarshal(data, &cfg); err != nil {
		return usagef("--file %s: not an access request configuration: %v", file, err)
	}
	if unknown := unknownFields(data, reflect.TypeOf(cfg)); len(unknown) > 0 {
		fmt.Fprintf(a.io.err, "note: %s has fields this tool does not know; they are sent unchanged: %s\n",
			file, strings.Join(unknown, ", "))
	}
	s, err := a.session(false)
	if err != nil {
		return err
	}
	got, err := s.c.SetConfig(ctx, cfg)
	if err != nil {
		return err
	}
	return a.printJSON(got)
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.io.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// unknownFields lists, as dotted paths, the object members of data that no field of t (a
// struct, followed through pointers) names in its json tag.
func unknownFields(data []byte, t reflect.Type) []string {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return nil
	}
	var out []string
	walkUnknown(v, t, "", &out)
	slices.Sort(out)
	return out
}

func walkUnknown(v any, t reflect.Type, prefix string, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	obj, ok := v.(map[string]any)
	if !ok || t.Kind() != reflect.Struct {
		return
	}
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = t.Field(i).Type
		}
	}
	for k, x := range obj {
		ft, known := fields[k]
		if !known {
			*out = append(*out, prefix+k)
			continue
		}
		walkUnknown(x, ft, prefix+k+".", out)
	}
}
