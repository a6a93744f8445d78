package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/timdhq/timd/internal/im"
)

// okPrefix starts every successful answer: the envelope's keys come first, in the order
// ActionStatus, ErrorInfo, ErrorCode (docs/compatibility.md §1).
const okPrefix = `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0`

// okBody returns the JSON answer for a successful command whose own fields marshal to
// fields (a JSON object, or nil for none).
func okBody(fields []byte) []byte {
	fields = bytes.TrimSpace(fields)
	if len(fields) < 2 || string(fields) == "{}" || string(fields) == "null" {
		return []byte(okPrefix + "}")
	}
	out := make([]byte, 0, len(okPrefix)+len(fields))
	out = append(out, okPrefix...)
	out = append(out, ',')
	return append(out, fields[1:]...)
}

// failBody returns the JSON answer for a failed call.
func failBody(code im.Code, info string) []byte {
	infoJSON, _ := json.Marshal(info)
	out := make([]byte, 0, 64+len(infoJSON))
	out = append(out, `{"ActionStatus":"FAIL","ErrorInfo":`...)
	out = append(out, infoJSON...)
	out = append(out, `,"ErrorCode":`...)
	out = strconv.AppendInt(out, int64(code), 10)
	return append(out, '}')
}
