// Package msgbody reads Tencent's MsgBody, the JSON array of message elements that
// send_group_msg, import_group_msg, modify_group_msg and Group.CallbackBeforeSendMsg
// answers carry. Both adapters that meet one (internal/httpapi and internal/webhook) read
// it here, into the domain's im.MsgBody: the text as sent, the element types, and the
// first reason it is no valid message. The rules decide when that reason is reported.
package msgbody

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// Body reads text, the JSON value given as MsgBody (nil when absent), into an im.MsgBody.
func Body(text []byte) im.MsgBody {
	b, types, problem := Parse(text)
	return im.MsgBody{Text: b, Types: types, Problem: problem}
}

// required lists, per MsgType, the MsgContent fields a message element must have
// (Tencent's message format page; docs/compatibility.md §8). A field listed as "a|b"
// may come under either name.
var required = map[string][]string{
	"TIMTextElem":      {"Text"},
	"TIMLocationElem":  {"Latitude", "Longitude"},
	"TIMFaceElem":      {"Index"},
	"TIMCustomElem":    {"Data"},
	"TIMSoundElem":     {"Url", "UUID", "Download_Flag"},
	"TIMImageElem":     {"UUID", "ImageInfoArray"},
	"TIMFileElem":      {"Url", "UUID", "Download_Flag"},
	"TIMVideoFileElem": {"VideoUrl", "VideoUUID", "ThumbUrl", "ThumbUUID"},
	"TIMRelayElem":     {"MsgList|JsonMsgKey"},
}

// Parse reads text, the JSON value given as MsgBody (nil when the field is absent), into
// an im.MsgBody-shaped result: Text, the element types, and Problem, "" for a valid
// message. text must be valid JSON (the request decoder has checked it).
func Parse(text []byte) (body []byte, types []string, problem string) {
	text = bytes.TrimSpace(text)
	if len(text) == 0 || bytes.Equal(text, []byte("null")) {
		return nil, nil, "MsgBody is required"
	}
	if text[0] != '[' {
		return text, nil, "MsgBody is not an array"
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(text, &raw); err != nil {
		return text, nil, "MsgBody is not an array"
	}
	if len(raw) == 0 {
		return text, nil, "MsgBody is empty"
	}
	types = make([]string, 0, len(raw))
	custom := 0
	for i, r := range raw {
		t, p := parseElement(r)
		if p != "" {
			return text, types, fmt.Sprintf("MsgBody[%d]: %s", i, p)
		}
		if t == "TIMCustomElem" {
			if custom++; custom > 1 {
				return text, types, "MsgBody holds more than one TIMCustomElem"
			}
		}
		types = append(types, t)
	}
	return text, types, ""
}

// parseElement reads one element: its MsgType, or why it is no element. Keys match
// exactly, as Tencent's do (a map, not a struct, keeps encoding/json from matching
// "msgtype").
func parseElement(r json.RawMessage) (string, string) {
	var e map[string]json.RawMessage
	if bytes.TrimSpace(r)[0] != '{' || json.Unmarshal(r, &e) != nil {
		return "", "an element must be an object"
	}
	var t string
	if v, ok := e["MsgType"]; !ok || json.Unmarshal(v, &t) != nil {
		return "", "MsgType is required, as a string"
	}
	fields, ok := required[t]
	if !ok {
		return "", fmt.Sprintf("MsgType %q is not a message element type", t)
	}
	var content map[string]json.RawMessage
	if v, ok := e["MsgContent"]; !ok || bytes.TrimSpace(v)[0] != '{' || json.Unmarshal(v, &content) != nil {
		return "", "MsgContent is required, as an object"
	}
	for _, f := range fields {
		if !hasOne(content, f) {
			return "", fmt.Sprintf("%s needs MsgContent.%s", t, f)
		}
	}
	return t, ""
}

// hasOne reports whether content has the field f, or one of the names "a|b" gives, set to
// something other than null.
func hasOne(content map[string]json.RawMessage, f string) bool {
	for name := range bytes.SplitSeq([]byte(f), []byte("|")) {
		if v, ok := content[string(name)]; ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return true
		}
	}
	return false
}
