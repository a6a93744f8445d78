package httpapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDecodeExactKeys checks the decoding of docs/compatibility.md §1: field names match
// exactly, every other key is ignored and its path listed, in body order, and a key in
// another case never reaches a field as encoding/json alone would let it.
func TestDecodeExactKeys(t *testing.T) {
	s := shapeOf(reflect.TypeFor[createGroupReq]())
	tests := []struct {
		name  string
		body  string
		paths []string
		want  createGroupReq
	}{
		{name: "exact", body: `{"GroupId":"g","Name":"n"}`, want: createGroupReq{GroupID: "g", Name: "n"}},
		{name: "lower case", body: `{"groupid":"g"}`, paths: []string{"groupid"}},
		{name: "upper case", body: `{"GROUPID":"g","Name":"n"}`, paths: []string{"GROUPID"}, want: createGroupReq{Name: "n"}},
		{name: "wrong case after the exact key", body: `{"GroupId":"g","GroupID":"h"}`, paths: []string{"GroupID"}, want: createGroupReq{GroupID: "g"}},
		{name: "wrong case before the exact key", body: `{"groupId":"h","GroupId":"g"}`, paths: []string{"groupId"}, want: createGroupReq{GroupID: "g"}},
		{name: "escaped exact key", body: `{"Group\u0049d":"g"}`, want: createGroupReq{GroupID: "g"}},
		{name: "escaped wrong case", body: `{"group\u0069d":"g"}`, paths: []string{"groupid"}},
		{
			name:  "nested",
			body:  `{"MemberList":[{"Member_Account":"a","NameCard":"x"},{"member_account":"b","AppMemberDefinedData":[{"Key":"k","value":"v"}]}]}`,
			paths: []string{"MemberList[0].NameCard", "MemberList[1].member_account", "MemberList[1].AppMemberDefinedData[0].value"},
			want:  createGroupReq{MemberList: []createMember{{MemberAccount: "a"}, {AppData: []kv{{Key: "k"}}}}},
		},
		{
			name:  "unknown values are not looked into",
			body:  `{"Extra":{"groupid":1,"x":[{"a":"}"}]},"GroupId":"g"}`,
			paths: []string{"Extra"}, want: createGroupReq{GroupID: "g"},
		},
		{name: "a known field of the wrong type is not looked into", body: `{"MemberList":{"x":1}}`},
		{name: "null", body: `{"MemberList":null,"GroupId":null,"x":null}`, paths: []string{"x"}},
		{name: "odd keys are quoted", body: `{"a,b":1,"":2,"é":3,"a.b":4,"a\"b":5}`, paths: []string{`"a\u002cb"`, `""`, `"\u00e9"`, `"a.b"`, `"a\"b"`}},
		{name: "white space", body: " {\n\t\"GroupId\" :\r \"g\" , \"x\" : [ 1 , 2 ] }\n", paths: []string{"x"}, want: createGroupReq{GroupID: "g"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got createGroupReq
			ign, err := decodeBody([]byte(tt.body), &got, s)
			if tt.name == "a known field of the wrong type is not looked into" {
				if err == nil || !strings.Contains(err.Error(), "MemberList") {
					t.Errorf("error: got %v, want one naming MemberList", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decode %s: %v", tt.body, err)
			}
			if !slices.Equal(ign.paths, tt.paths) || ign.n != len(tt.paths) {
				t.Errorf("ignored: got %q (%d), want %q", ign.paths, ign.n, tt.paths)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(createGroupReq{})); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeIgnoredBounds checks that at most maxIgnored paths are listed, each at most
// maxPathLen bytes, while all are counted.
func TestDecodeIgnoredBounds(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"MemberList":[`)
	for i := range 30 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"Member_Account":"a","NameCard":"x"}`)
	}
	b.WriteString(`],"` + strings.Repeat("k", 500) + `":1}`)
	var req createGroupReq
	ign, err := decodeBody([]byte(b.String()), &req, shapeOf(reflect.TypeFor[createGroupReq]()))
	if err != nil {
		t.Fatal(err)
	}
	if len(ign.paths) != maxIgnored || ign.n != 31 || ign.paths[19] != "MemberList[19].NameCard" {
		t.Errorf("got %d paths (%d counted), the last %q; want %d of 31, the last MemberList[19].NameCard", len(ign.paths), ign.n, ign.paths[len(ign.paths)-1], maxIgnored)
	}
	ign, _ = decodeBody([]byte(`{"`+strings.Repeat("k", 500)+`":1}`), &req, shapeOf(reflect.TypeFor[createGroupReq]()))
	if len(ign.paths) != 1 || len(ign.paths[0]) != maxPathLen || !strings.HasSuffix(ign.paths[0], "...") {
		t.Errorf("a long key: got %q, want it cut to %d bytes ending in ...", ign.paths, maxPathLen)
	}
}

// TestDecodeMalformed checks that a body that is not well-formed JSON is 60003 with no
// fields listed, and that the walk never takes a malformed key as valid.
func TestDecodeMalformed(t *testing.T) {
	s := shapeOf(reflect.TypeFor[createGroupReq]())
	for _, body := range []string{
		`{"x":1`, `{"x" 1}`, `{"x":1 "y":2}`, `{"a\x01":1}`, `{"a\q":1}`, `{"x":[1,2}`, `{"x":tru}`,
		`{"x":1}x`, `{"x":"` + "\x01" + `"}`, `{x:1}`, `{"x":}`, `{"x":1,}`,
		`{"Zz":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	} {
		var req createGroupReq
		ign, err := decodeBody([]byte(body), &req, s)
		if err == nil || ign.n != 0 {
			t.Errorf("%.40q: got error %v and %d ignored, want 60003 and none", body, err, ign.n)
		}
	}
}

// FuzzExactKeys checks the walk against encoding/json on any body: a JSON object that
// encoding/json finds valid is walked to its end, and blanking keys keeps it valid, of
// the same length, with every known key where it was.
func FuzzExactKeys(f *testing.F) {
	for _, seed := range []string{
		`{"GroupId":"g","groupid":"h","MemberList":[{"Member_Account":"a","NameCard":"\u00e9"}]}`,
		`{"x":{"y":[1,"2",{"z":null}]},"Name":"\ud800"}`, `{}`, `{"a\"b":1}`,
	} {
		f.Add([]byte(seed))
	}
	s := shapeOf(reflect.TypeFor[createGroupReq]())
	f.Fuzz(func(t *testing.T, body []byte) {
		var top map[string]json.RawMessage
		if json.Unmarshal(body, &top) != nil || top == nil {
			return
		}
		trimmed := []byte(strings.TrimLeft(string(body), " \t\r\n"))
		w := walker{data: trimmed}
		if err := w.object(s); err != nil {
			t.Fatalf("walk of valid %q: %v", body, err)
		}
		out, _ := exactKeys(trimmed, 0, s)
		var after map[string]json.RawMessage
		if len(out) != len(trimmed) || json.Unmarshal(out, &after) != nil {
			t.Fatalf("blanked %q into %q", trimmed, out)
		}
		for k := range after {
			if _, known := s.fields[k]; !known && strings.TrimSpace(k) != "" {
				t.Fatalf("blanked %q into %q: unknown key %q left", trimmed, out, k)
			}
		}
	})
}
