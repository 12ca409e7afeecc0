package web

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/crier-notices/crier/app"
)

// reflectType is the type v points to.
func reflectType(v any) reflect.Type {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// fieldProblems returns a problem for every member of the JSON value raw
// (as encoding/json decodes into any) that type t has no field for, or
// whose value is of another kind than its field's, each named by its
// path ("audience.zone", "values.street"), which encoding/json's own
// errors do not give inside a map. Names must match the json tags
// exactly: encoding/json would take "Template" for "template", but a
// client that spells a field otherwise than the document is told so.
func fieldProblems(raw any, t reflect.Type, path string) []app.Problem {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if raw == nil {
		return nil // null leaves the field as it is
	}
	if want, ok := kindMatches(raw, t); !ok {
		return []app.Problem{{Field: strings.TrimSuffix(path, "."), Message: "must be " + want}}
	}
	var out []app.Problem
	switch t.Kind() {
	case reflect.Struct:
		obj := raw.(map[string]any)
		fields := jsonFields(t)
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ft, ok := fields[k]
			if !ok {
				out = append(out, app.Problem{Field: path + k, Message: "unknown field: " + knownList(fields)})
				continue
			}
			out = append(out, fieldProblems(obj[k], ft, path+k+".")...)
		}
	case reflect.Map:
		obj := raw.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			out = append(out, fieldProblems(obj[k], t.Elem(), path+k+".")...)
		}
	case reflect.Slice:
		for i, v := range raw.([]any) {
			out = append(out, fieldProblems(v, t.Elem(), fmt.Sprintf("%s%d.", path, i))...)
		}
	}
	return out
}

// kindMatches reports whether the decoded JSON value raw can be decoded
// into type t, and if not, what t takes in JSON's words.
func kindMatches(raw any, t reflect.Type) (string, bool) {
	want := jsonKind(t.Kind().String())
	switch raw.(type) {
	case string:
		return want, t.Kind() == reflect.String
	case bool:
		return want, t.Kind() == reflect.Bool
	case float64:
		return want, want == "a number"
	case []any:
		return want, t.Kind() == reflect.Slice || t.Kind() == reflect.Array
	case map[string]any:
		return want, t.Kind() == reflect.Map || t.Kind() == reflect.Struct
	}
	return want, true
}

// jsonFields returns the JSON names of struct t's fields and their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

// knownList says which fields an object takes.
func knownList(fields map[string]reflect.Type) string {
	names := slices.Sorted(maps.Keys(fields))
	return "this object takes " + strings.Join(names, ", ")
}

// jsonKind names in JSON's words what a Go kind is decoded from.
func jsonKind(kind string) string {
	switch {
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "slice" || kind == "array":
		return "an array"
	case kind == "map" || kind == "struct":
		return "an object"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	}
	return "a " + kind
}
