package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/timtest"
)

var update = flag.Bool("update", false, "rewrite the golden answers under testdata/wire with the answers received")

// wireDir holds the golden requests and answers, one directory per command.
const wireDir = "../../testdata/wire"

// timeFields are the fields whose values are unix times that depend on the clock.
var timeFields = map[string]bool{
	"JoinTime": true, "LastSendMsgTime": true, "MuteUntil": true, "ShutUpUntil": true,
	"MutedUntil": true, "ShuttedUntil": true,
}

// golden posts testdata/wire/<command>/<name>.request.json to command, with each
// placeholder of subst (as a whole JSON string) replaced by its value, and compares the
// answer with <name>.response.json as JSON values, after normalizing it: values of subst
// turn back into their placeholders, minted group IDs into "<minted GroupId>", and unix
// times near now+k minutes into "<now+60k>". With -update it writes the normalized
// answer instead.
func golden(t *testing.T, s *timtest.Server, command, name string, subst map[string]string) *timtest.Response {
	t.Helper()
	dir := filepath.Join(wireDir, path.Base(command))
	req, err := os.ReadFile(filepath.Join(dir, name+".request.json"))
	if err != nil {
		t.Fatalf("golden request: %v", err)
	}
	if !json.Valid(req) {
		t.Fatalf("golden request %s/%s is not valid JSON", dir, name)
	}
	back := map[string]string{}
	for placeholder, value := range subst {
		q, v := quote(placeholder), quote(value)
		if !bytes.Contains(req, []byte(q)) {
			t.Fatalf("golden request %s/%s has no %s", dir, name, q)
		}
		req = bytes.ReplaceAll(req, []byte(q), []byte(v))
		back[value] = placeholder
	}
	r := s.MustCall(t, command, req)
	got, err := rewriteJSON(r.Raw, normalizer(back, s.Now().Unix()))
	if err != nil {
		t.Fatalf("answer %s: %v", r.Raw, err)
	}
	file := filepath.Join(dir, name+".response.json")
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return r
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("golden answer: %v (run go test -update to create it, then review it)", err)
	}
	if diff := cmp.Diff(decodeGolden(t, want), decodeGolden(t, got)); diff != "" {
		t.Errorf("answer to %s/%s differs from the golden one (-want +got):\n%s\nraw answer: %s", dir, name, diff, r.Raw)
	}
	return r
}

// quote returns s as a JSON string, HTML characters unescaped.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// decodeGolden decodes a JSON document with numbers as json.Number.
func decodeGolden(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

// normalizer returns the function golden passes each scalar of an answer through.
func normalizer(back map[string]string, now int64) func(key string, v any) any {
	return func(key string, v any) any {
		switch v := v.(type) {
		case string:
			if p, ok := back[v]; ok {
				return p
			}
			if key == "GroupId" {
				for _, re := range mintedIDOf {
					if re.MatchString(v) {
						return "<minted GroupId>"
					}
				}
			}
		case json.Number:
			n, err := v.Int64()
			if err != nil || !timeFields[key] || n == 0 || n == muteForever {
				return v
			}
			// Round the distance from now to whole minutes; the second may have ticked
			// since the server took its time.
			d := n - now
			k := (d + 30) / 60 * 60
			if d < 0 {
				k = (d - 30) / 60 * 60
			}
			if d-k <= 5 && k-d <= 5 {
				if k == 0 {
					return "<now>"
				}
				return fmt.Sprintf("<now%+d>", k)
			}
		}
		return v
	}
}

// rewriteJSON re-encodes a JSON document, keeping the order of object keys, with each
// scalar replaced by fix(key, value), key being the name of the object member that holds
// it (or holds the array that holds it). The result is indented by two spaces.
func rewriteJSON(raw []byte, fix func(key string, v any) any) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object bool   // an object, else an array (or the top level)
		key    string // the member name scalars here belong to
		wantKy bool   // an object's next token is a key
		n      int    // members or elements written
	}
	var out bytes.Buffer
	stack := []*frame{{}}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out.WriteByte(byte(d))
			stack = stack[:len(stack)-1]
			continue
		}
		if top.object && top.wantKy {
			if top.n > 0 {
				out.WriteByte(',')
			}
			top.n++
			top.key, top.wantKy = tok.(string), false
			out.WriteString(quote(top.key) + ":")
			continue
		}
		if top.object {
			top.wantKy = true
		} else {
			if top.n > 0 {
				out.WriteByte(',')
			}
			top.n++
		}
		switch tok {
		case json.Delim('{'):
			out.WriteByte('{')
			stack = append(stack, &frame{object: true, wantKy: true, key: top.key})
		case json.Delim('['):
			out.WriteByte('[')
			stack = append(stack, &frame{key: top.key})
		default:
			v := fix(top.key, tok)
			if s, ok := v.(string); ok {
				out.WriteString(quote(s))
				continue
			}
			data, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			out.Write(data)
		}
	}
	var ind bytes.Buffer
	if err := json.Indent(&ind, out.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	ind.WriteByte('\n')
	return ind.Bytes(), nil
}

// TestRewriteJSON checks the golden normalizer on a made-up answer.
func TestRewriteJSON(t *testing.T) {
	const now = 1700000000
	in := `{"ActionStatus":"OK","GroupId":"@TGS#2ABCDEFGH","Other":"@TGS#2ABCDEFGH","X":"real",` +
		`"MemberList":[{"JoinTime":1699999999,"MuteUntil":1700086401,"ShutUpUntil":4294967295,"MsgSeq":1700000000},` +
		`{"JoinTime":1600000000,"MuteUntil":0}],"E":[],"O":{}}`
	got, err := rewriteJSON([]byte(in), normalizer(map[string]string{"real": "@placeholder"}, now))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ActionStatus":"OK","GroupId":"<minted GroupId>","Other":"@TGS#2ABCDEFGH","X":"@placeholder",` +
		`"MemberList":[{"JoinTime":"<now>","MuteUntil":"<now+86400>","ShutUpUntil":4294967295,"MsgSeq":1700000000},` +
		`{"JoinTime":1600000000,"MuteUntil":0}],"E":[],"O":{}}`
	var compact bytes.Buffer
	if err := json.Compact(&compact, got); err != nil {
		t.Fatal(err)
	}
	if compact.String() != want {
		t.Errorf("got  %s\nwant %s", compact.String(), want)
	}
}

// goldenAccounts are the accounts of the golden scenarios, named after Tencent's samples.
var goldenAccounts = []string{"leckie", "bob", "peter", "tommy", "jared"}

// newGoldenServer starts a server with the custom fields of Tencent's samples.
func newGoldenServer(t *testing.T) *timtest.Server {
	t.Helper()
	s := newServer(t, timtest.Options{
		MemberFields: []string{"MemberDefined1", "MemberDefined2", "MemberDefined3"},
		GroupFields:  []string{"GroupTestData1", "GroupTestData2"},
	})
	s.MustImportAccounts(t, goldenAccounts...)
	return s
}

// TestGoldenModifyGroupMemberInfo posts the six samples of the official
// modify_group_member_info page and checks each change through get_group_member_info.
func TestGoldenModifyGroupMemberInfo(t *testing.T) {
	s := newGoldenServer(t)
	const sampleID = "@TGS#2CLUZEAEJ"
	for _, tc := range []struct {
		name    string
		prepare map[string]any // a change made before the sample, so the sample's shows
		check   func(t *testing.T, bob member, lo, hi int64)
	}{
		{"set_admin", nil, func(t *testing.T, bob member, _, _ int64) {
			if bob["Role"] != "Admin" {
				t.Errorf("Role: got %v, want Admin", bob["Role"])
			}
		}},
		{"cancel_admin", map[string]any{"Role": "Admin"}, func(t *testing.T, bob member, _, _ int64) {
			if bob["Role"] != "Member" {
				t.Errorf("Role: got %v, want Member", bob["Role"])
			}
		}},
		{"msgflag", map[string]any{"MsgFlag": "Discard"}, func(t *testing.T, bob member, _, _ int64) {
			if bob["MsgFlag"] != "AcceptAndNotify" {
				t.Errorf("MsgFlag: got %v, want AcceptAndNotify", bob["MsgFlag"])
			}
		}},
		{"namecard", nil, func(t *testing.T, bob member, _, _ int64) {
			if bob["NameCard"] != "bob" {
				t.Errorf("NameCard: got %v, want bob", bob["NameCard"])
			}
		}},
		{"appdata", map[string]any{"AppMemberDefinedData": kvs("MemberDefined2", "kept")}, func(t *testing.T, bob member, _, _ int64) {
			want := map[string]string{"MemberDefined1": "ModifyData1", "MemberDefined2": "kept", "MemberDefined3": "ModifyData3"}
			if diff := cmp.Diff(want, customData(t, bob)); diff != "" {
				t.Errorf("custom data (-want +got):\n%s", diff)
			}
		}},
		{"mute", nil, func(t *testing.T, bob member, lo, hi int64) {
			checkMuteUntil(t, bob, lo+86400, hi+86400)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := s.MustCreateGroup(t, "Public", "leckie", "bob", "peter")
			if tc.prepare != nil {
				mustCode(t, s, cmdModify, modify(g, "bob", tc.prepare), codeOK)
			}
			lo := s.Now().Unix()
			r := golden(t, s, cmdModify, tc.name, map[string]string{sampleID: g})
			hi := s.Now().Unix()
			if r.ErrorCode != codeOK {
				t.Fatalf("ErrorCode %d (%s), want 0", r.ErrorCode, r.ErrorInfo)
			}
			tc.check(t, mustMember(t, s, g, "bob"), lo, hi)
		})
	}
}

// TestGoldenCreateGroup checks create_group answers.
func TestGoldenCreateGroup(t *testing.T) {
	s := newGoldenServer(t)
	t.Run("public_custom_id", func(t *testing.T) {
		golden(t, s, cmdCreate, "public_custom_id", nil)
		ms := mustMembers(t, s, "MyFirstGroup")
		if got := accounts(ms); strings.Join(got, ",") != "leckie,bob,peter" {
			t.Fatalf("members: got %v, want leckie, bob, peter", got)
		}
		if ms[1]["Role"] != "Admin" || ms[2]["Role"] != "Member" {
			t.Errorf("roles of bob and peter: got %v and %v, want Admin and Member", ms[1]["Role"], ms[2]["Role"])
		}
		want := map[string]string{"MemberDefined1": "MemberData1", "MemberDefined2": "MemberData2"}
		for _, m := range ms[1:] {
			if diff := cmp.Diff(want, customData(t, m)); diff != "" {
				t.Errorf("custom data of %s (-want +got):\n%s", m["Member_Account"], diff)
			}
		}
	})
	t.Run("public_members", func(t *testing.T) {
		r := golden(t, s, cmdCreate, "public_members", nil)
		id, _ := r.Fields["GroupId"].(string)
		if !mintedIDOf["Public"].MatchString(id) {
			t.Errorf("GroupId %q is not a minted Public ID", id)
		}
		ms := mustMembers(t, s, id)
		if got := accounts(ms); strings.Join(got, ",") != "bob,peter" || ms[0]["Role"] != "Admin" {
			t.Errorf("members: got %v, want bob (Admin), peter and no owner", ms)
		}
	})
	t.Run("community", func(t *testing.T) {
		r := golden(t, s, cmdCreate, "community", nil)
		id, _ := r.Fields["GroupId"].(string)
		if !mintedIDOf["Community"].MatchString(id) {
			t.Errorf("GroupId %q is not a minted Community ID", id)
		}
	})
}

// TestGoldenMembers checks add_group_member, delete_group_member and destroy_group.
func TestGoldenMembers(t *testing.T) {
	s := newGoldenServer(t)
	const sampleID = "@TGS#2J4SZEAEL"
	g := s.MustCreateGroup(t, "Public", "leckie", "bob")
	golden(t, s, cmdAdd, "results", map[string]string{sampleID: g})
	if got := accounts(mustMembers(t, s, g)); strings.Join(got, ",") != "leckie,bob,tommy,jared" {
		t.Errorf("members after add: got %v, want leckie, bob, tommy, jared", got)
	}
	golden(t, s, cmdDelete, "delete", map[string]string{sampleID: g})
	if got := accounts(mustMembers(t, s, g)); strings.Join(got, ",") != "leckie,bob" {
		t.Errorf("members after delete: got %v, want leckie, bob", got)
	}
	golden(t, s, cmdDestroy, "destroy", map[string]string{sampleID: g})
	mustCode(t, s, cmdGetMembers, map[string]any{"GroupId": g}, codeNoGroup)
}

// TestGoldenGetGroupMemberInfo checks get_group_member_info answers, filters old and new.
func TestGoldenGetGroupMemberInfo(t *testing.T) {
	s := newGoldenServer(t)
	g := s.MustCreateGroup(t, "Public", "leckie", "bob", "peter")
	mustCode(t, s, cmdModify, modify(g, "bob", map[string]any{
		"Role": "Admin", "NameCard": "bob", "MuteTime": 3600,
		"AppMemberDefinedData": kvs("MemberDefined1", "ModifyDefined1", "MemberDefined2", "ModifyDefined2"),
	}), codeOK)
	mustCode(t, s, cmdModify, modify(g, "peter", map[string]any{
		"MsgFlag": "AcceptNotNotify", "MuteTime": muteForever,
		"AppMemberDefinedData": kvs("MemberDefined1", "PeterData1", "MemberDefined3", "PeterData3"),
	}), codeOK)
	for _, name := range []string{"all", "filter_old_names", "filter_new_names", "filters_null", "role_filter", "appdata_filter", "all_in_one"} {
		t.Run(name, func(t *testing.T) {
			golden(t, s, cmdGetMembers, name, map[string]string{"@TGS#1NVTZEAE4": g})
		})
	}
}

// TestGoldenMute checks forbid_send_msg and the muted-account lists, old and new.
func TestGoldenMute(t *testing.T) {
	s := newGoldenServer(t)
	const sampleID = "@TGS#2C5SZEAEF"
	g := s.MustCreateGroup(t, "Public", "leckie", "bob", "peter", "tommy")
	golden(t, s, cmdForbid, "mute", map[string]string{sampleID: g})
	golden(t, s, cmdForbid, "shutuptime", map[string]string{sampleID: g})
	golden(t, s, cmdMuted, "list", map[string]string{sampleID: g})
	golden(t, s, cmdShutted, "list", map[string]string{sampleID: g})
	want := map[string]int64{"bob": num(t, mustMember(t, s, g, "bob"), "MuteUntil"), "peter": muteForever}
	if got := mutedList(t, s, g); !cmp.Equal(got, want) {
		t.Errorf("muted: got %v, want %v", got, want)
	}
}
