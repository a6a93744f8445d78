package httpapi

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/timdhq/timd/internal/group"
	"github.com/timdhq/timd/internal/im"
)

// fieldsAppender is an answer that writes its own JSON, without reflection: marshal
// appends its fields after the envelope's. appendFields appends the members of the
// answer's JSON object, without its braces, exactly as encoding/json (without HTML
// escaping) would write them; sizeHint is about their size, so that the answer is written
// without growing.
type fieldsAppender interface {
	appendFields(b []byte) []byte
	sizeHint() int
}

// memberPageAnswer is the answer of get_group_member_info: getGroupMemberInfoResp, which
// gives its shape, encoded by hand. A page of 100 members is 15 KB of JSON, which
// encoding/json writes field by field through reflection; this writes the same bytes
// straight from the page (TestMemberPageJSON compares the two).
type memberPageAnswer struct {
	sel  memberSelect
	page group.MemberPage
}

// resp returns the answer as the wire struct encoding/json would marshal.
func (a memberPageAnswer) resp() getGroupMemberInfoResp {
	r := getGroupMemberInfoResp{MemberNum: a.page.MemberNum, MemberList: make([]*memberInfo, len(a.page.Members))}
	for i := range a.page.Members {
		r.MemberList[i] = a.sel.info(&a.page.Members[i])
	}
	if a.page.Type == im.TypeCommunity {
		r.Next = &a.page.Next
	}
	return r
}

// MarshalJSON writes the answer as encoding/json writes getGroupMemberInfoResp.
func (a memberPageAnswer) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, a.sizeHint()), '{')
	return append(a.appendFields(b), '}'), nil
}

// sizeHint is the size of the answer with every field, unescaped: about 160 bytes a
// member besides its texts, 30 a custom field besides its key and value.
func (a memberPageAnswer) sizeHint() int {
	n := 64 + len(a.page.Next)
	for i := range a.page.Members {
		m := &a.page.Members[i]
		n += 176 + len(m.Account) + len(m.NameCard)
		for k, v := range m.AppData {
			n += 32 + len(k) + len(v)
		}
	}
	return n
}

// appendFields appends MemberNum, MemberList and, for a Community, Next.
func (a memberPageAnswer) appendFields(b []byte) []byte {
	b = append(b, `"MemberNum":`...)
	b = strconv.AppendInt(b, a.page.MemberNum, 10)
	b = append(b, `,"MemberList":[`...)
	for i := range a.page.Members {
		if i > 0 {
			b = append(b, ',')
		}
		b = a.sel.appendMember(b, &a.page.Members[i])
	}
	b = append(b, ']')
	if a.page.Type == im.TypeCommunity {
		b = append(b, `,"Next":`...)
		b = appendJSONString(b, a.page.Next)
	}
	return b
}

// appendMember appends the JSON object of memberInfo for m: the fields of info, in the
// order of memberInfo's.
func (s memberSelect) appendMember(b []byte, m *im.Member) []byte {
	b = append(b, `{"Member_Account":`...)
	b = appendJSONString(b, m.Account)
	if s.want("Role") {
		b = append(b, `,"Role":`...)
		b = appendJSONString(b, string(m.Role))
	}
	b = s.appendInt(b, "JoinTime", `,"JoinTime":`, m.JoinTime)
	b = s.appendInt(b, "MsgSeq", `,"MsgSeq":`, m.MsgSeq)
	if s.want("MsgFlag") {
		b = append(b, `,"MsgFlag":`...)
		b = appendJSONString(b, string(m.MsgFlag))
	}
	b = s.appendInt(b, "LastSendMsgTime", `,"LastSendMsgTime":`, m.LastSendMsgTime)
	b = s.appendInt(b, "MuteUntil", `,"MuteUntil":`, m.MuteUntil)
	b = s.appendInt(b, "ShutUpUntil", `,"ShutUpUntil":`, m.MuteUntil)
	if s.want("NameCard") {
		b = append(b, `,"NameCard":`...)
		b = appendJSONString(b, m.NameCard)
	}
	if s.fields == nil || s.fields["AppMemberDefinedData"] || s.keys != nil {
		b = s.appendCustomData(b, m.AppData)
	}
	return append(b, '}')
}

// appendInt appends the integer field named field, with its key prefix, when selected.
func (s memberSelect) appendInt(b []byte, field, prefix string, v int64) []byte {
	if !s.want(field) {
		return b
	}
	b = append(b, prefix...)
	return strconv.AppendInt(b, v, 10)
}

// appendCustomData appends AppMemberDefinedData, the selected custom fields sorted by
// key, or nothing when none is selected (the field is omitempty).
func (s memberSelect) appendCustomData(b []byte, data map[string]string) []byte {
	var buf [8]string
	keys := buf[:0]
	for k := range data {
		if s.keys == nil || s.keys[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return b
	}
	slices.Sort(keys)
	b = append(b, `,"AppMemberDefinedData":[`...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Key":`...)
		b = appendJSONString(b, k)
		b = append(b, `,"Value":`...)
		b = appendJSONString(b, data[k])
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendJSONString appends s as a JSON string exactly as encoding/json writes it without
// HTML escaping: '"' and '\\' escaped, control characters as \b \f \n \r \t or \u00XX,
// each byte that is not UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
