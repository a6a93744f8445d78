package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// stdJSON encodes v as marshal did before answers wrote their own JSON: encoding/json
// without HTML escaping, the trailing newline cut.
func stdJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		tb.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestAppendJSONString compares appendJSONString with encoding/json on every byte alone,
// on every byte inside text, and on strings JSON must escape.
func TestAppendJSONString(t *testing.T) {
	var cases []string
	for c := range 256 {
		cases = append(cases, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"b")
	}
	cases = append(cases, "", "plain", `q"uo\te`, "<a href='x'>&amp;</a>", "tab\there\nnew\r\b\f\x00\x1f\x7f",
		"line\u2028para\u2029end", "\u2027\u202a", "名片 – ünïcödé 😀", "\xff\xfe", "a\xe2\x80", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xc0\xaf", strings.Repeat("é\u2028\"", 100))
	for _, s := range cases {
		got := appendJSONString(nil, s)
		if want := stdJSON(t, s); !bytes.Equal(got, want) {
			t.Errorf("appendJSONString(%q): got %s, want %s", s, got, want)
		}
	}
}

// randomText returns a string of up to n pieces drawn from plain text, unicode,
// characters JSON escapes and bytes that are not UTF-8; sometimes empty.
func randomText(rng *rand.Rand, n int) string {
	pieces := []string{"a", "Z", "9", " ", "名", "😀", "é", "\u2028", "\u2029", `"`, `\`, "/", "<", ">", "&",
		"\n", "\t", "\x00", "\x01", "\x1f", "\x7f", "\xff", "\xe2\x80", "\xed\xa0\x80", "{", "}", ",", ":"}
	var b strings.Builder
	for range rng.IntN(n + 1) {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

// randomMember returns a member with random fields, some empty, and 0 to 5 custom fields.
func randomMember(rng *rand.Rand) im.Member {
	roles := []im.Role{im.RoleOwner, im.RoleAdmin, im.RoleMember, ""}
	flags := []im.MsgFlag{"AcceptAndNotify", "AcceptNotNotify", "Discard", ""}
	m := im.Member{
		Account: randomText(rng, 12), Role: roles[rng.IntN(len(roles))], JoinTime: rng.Int64N(2e9),
		MsgSeq: rng.Int64N(1e6), MsgFlag: flags[rng.IntN(len(flags))], LastSendMsgTime: rng.Int64N(2e9) - 1,
		NameCard: randomText(rng, 8), MuteUntil: []int64{0, 0, rng.Int64N(2e9), im.MuteForever}[rng.IntN(4)],
	}
	if n := rng.IntN(6); n > 0 {
		m.AppData = map[string]string{}
		for range n {
			m.AppData[randomText(rng, 4)] = randomText(rng, 10)
		}
	}
	return m
}

// randomSelect returns a MemberInfoFilter and a custom-data filter, each absent, empty or
// a random choice of names (some unknown).
func randomSelect(rng *rand.Rand, keys []string) memberSelect {
	names := []string{"Member_Account", "Role", "JoinTime", "MsgSeq", "MsgFlag", "LastSendMsgTime",
		"MuteUntil", "ShutUpUntil", "NameCard", "AppMemberDefinedData", "Unknown"}
	pick := func(from []string) *[]string {
		switch rng.IntN(3) {
		case 0:
			return nil
		case 1:
			return &[]string{}
		}
		var out []string
		for _, f := range from {
			if rng.IntN(2) == 0 {
				out = append(out, f)
			}
		}
		return &out
	}
	return newMemberSelect(pick(names), pick(append(keys, "nokey")))
}

// TestMemberPageJSON compares the hand-written encoding of member pages with
// encoding/json's encoding of the same answer through the wire structs, byte for byte,
// on random pages and filters, and the whole envelope marshal writes.
func TestMemberPageJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 2026))
	types := []im.GroupType{im.TypePublic, im.TypePrivate, im.TypeChatRoom, im.TypeAVChatRoom, im.TypeCommunity}
	for i := range 3000 {
		page := group.MemberPage{Type: types[rng.IntN(len(types))], MemberNum: rng.Int64N(100000), Next: []string{"", "123"}[rng.IntN(2)]}
		var keys []string
		for range rng.IntN(8) {
			m := randomMember(rng)
			for k := range m.AppData {
				keys = append(keys, k)
			}
			page.Members = append(page.Members, m)
		}
		a := memberPageAnswer{sel: randomSelect(rng, keys), page: page}
		got, err := a.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want := stdJSON(t, a.resp())
		if !bytes.Equal(got, want) {
			t.Fatalf("page %d: got\n%s\nwant\n%s", i, got, want)
		}
		gotBody, err := marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if wantBody := okBody(want); !bytes.Equal(gotBody, wantBody) {
			t.Fatalf("page %d: marshal: got\n%s\nwant\n%s", i, gotBody, wantBody)
		}
		if !utf8.Valid(got) || !json.Valid(got) {
			t.Fatalf("page %d: not valid JSON: %s", i, got)
		}
	}
}

// benchPage is a page of 100 members as timbench reads them: accounts tb<N>, Role
// Member, a NameCard, and three custom fields.
func benchPage() memberPageAnswer {
	page := group.MemberPage{Type: im.TypePublic, MemberNum: 100}
	for i := range 100 {
		page.Members = append(page.Members, im.Member{
			Account: fmt.Sprintf("tb%d", 123400+i), Role: im.RoleMember, JoinTime: 1764700000 + int64(i),
			MsgFlag: "AcceptAndNotify", NameCard: fmt.Sprintf("r1x2-%d", i),
			AppData: map[string]string{"F1": "v123456789", "F2": "v987654321", "F3": "v555"},
		})
	}
	return memberPageAnswer{sel: newMemberSelect(nil, nil), page: page}
}

// BenchmarkMemberPageJSON measures encoding a page of 100 members with its envelope:
// "append" as marshal does now, "encoding-json" through the wire structs and reflection
// as it did before.
func BenchmarkMemberPageJSON(b *testing.B) {
	a := benchPage()
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := marshal(a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := marshal(a.resp()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestMemberPageSizeHint checks that a page without escapes fits in its size hint, so
// that it is written in one allocation.
func TestMemberPageSizeHint(t *testing.T) {
	a := benchPage()
	a.page.Members[0].MsgSeq, a.page.Members[0].LastSendMsgTime, a.page.Members[0].MuteUntil = 1<<62, 1<<62, 1<<62
	b, _ := a.MarshalJSON()
	if len(b) > a.sizeHint() {
		t.Errorf("page of %d bytes, hint %d: want it to fit", len(b), a.sizeHint())
	}
}
