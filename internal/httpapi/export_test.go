package httpapi

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
)

// RequestFields returns, for every command of the dispatch table ("service/command"), the
// JSON paths of every field of its request wire struct, sorted: "GroupId" for a field,
// "MemberList[].Member_Account" for a field of the objects of a list, "Accounts[]" for the
// strings of a list, "ResponseFilter.GroupBaseInfoFilter" for a field of an object.
func RequestFields() map[string][]string {
	out := map[string][]string{}
	for _, cmds := range (&API{}).commandTable() {
		for _, c := range cmds {
			var paths []string
			structPaths(c.req, "", &paths)
			sort.Strings(paths)
			out[c.name] = paths
		}
	}
	return out
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// structPaths appends the paths of the fields of struct t, each prefixed.
func structPaths(t reflect.Type, prefix string, paths *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			structPaths(f.Type, prefix, paths)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		*paths = append(*paths, prefix+name)
		valuePaths(f.Type, prefix+name, paths)
	}
}

// valuePaths appends the paths inside a value of type t at path p: the fields of an object
// and the elements of a list.
func valuePaths(t reflect.Type, p string, paths *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == rawMessageType || t == reflect.TypeFor[jsonObject]():
	case t.Kind() == reflect.Struct:
		structPaths(t, p+".", paths)
	case t.Kind() == reflect.Slice:
		elem := t.Elem()
		for elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		if elem.Kind() == reflect.Struct {
			structPaths(elem, p+"[].", paths)
			return
		}
		*paths = append(*paths, p+"[]")
	}
}
