package group

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/timdhq/timd/internal/im"
)

// KV is one custom-field entry of a request, in the order given.
type KV = im.KV

// autoPrefix starts every group ID the server mints; custom IDs may not use it, except
// Community IDs, which must start with communityPrefix.
const (
	autoPrefix      = "@TGS#"
	communityPrefix = "@TGS#_"
)

// checkGroupID returns 10015 unless id could name a group: 1..GroupIDMax bytes of
// printable ASCII, or an ID of the server's own formats.
func checkGroupID(l im.Limits, id string) error {
	if id == "" {
		return im.Errorf(im.CodeInvalidGroupID, "GroupId is required")
	}
	if len(id) > max(l.GroupIDMax, communityIDLen) || !im.PrintableASCII(id) {
		return im.Errorf(im.CodeInvalidGroupID, "GroupId %q is not a valid group ID", id)
	}
	return nil
}

// checkCustomGroupID applies the rules of docs/compatibility.md §4 to a GroupId chosen by the
// caller of create_group or import_group.
func checkCustomGroupID(l im.Limits, t im.GroupType, id string) error {
	if len(id) > l.GroupIDMax || !im.PrintableASCII(id) {
		return im.Errorf(im.CodeInvalidGroupID, "GroupId must be 1 to %d bytes of printable ASCII", l.GroupIDMax)
	}
	if t == im.TypeCommunity {
		if !strings.HasPrefix(id, communityPrefix) {
			return im.Errorf(im.CodeInvalidGroupID, "a Community GroupId must start with %s", communityPrefix)
		}
		// A Community's ID followed by "@TOPIC#_" names its topics; a group ID holding it
		// could be mistaken for a topic of another Community.
		if strings.Contains(id, topicMark) {
			return im.Errorf(im.CodeInvalidGroupID, "a Community GroupId must not contain %s", topicMark)
		}
		return nil
	}
	if strings.HasPrefix(id, autoPrefix) {
		return im.Errorf(im.CodeInvalidGroupID, "a custom GroupId must not start with %s", autoPrefix)
	}
	return nil
}

// checkText returns 10004 unless s is valid UTF-8 of at most limit bytes. NUL is refused
// too: PostgreSQL cannot store it in text, and both stores must answer alike.
func checkText(field, s string, limit int) error {
	if !utf8.ValidString(s) {
		return im.Errorf(im.CodeInvalidParam, "%s is not valid UTF-8", field)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return im.Errorf(im.CodeInvalidParam, "%s contains a NUL character", field)
	}
	if len(s) > limit {
		return im.Errorf(im.CodeInvalidParam, "%s is %d bytes, over the limit of %d bytes", field, len(s), limit)
	}
	return nil
}

// checkAccount returns 10004 unless id is a well-formed UserID.
func checkAccount(l im.Limits, field, id string) error {
	if id == "" {
		return im.Errorf(im.CodeInvalidParam, "%s is required", field)
	}
	if !im.ValidUserID(l, id) {
		return im.Errorf(im.CodeInvalidParam, "%s %q must be 1 to %d bytes of printable ASCII", field, id, l.UserIDMax)
	}
	return nil
}

// checkCustomData validates custom-field entries against the keys the app defines
// (has), the value limit, and repeats: docs/compatibility.md §5 row 12. A value that is not valid
// UTF-8 is refused like an over-long one (10004) rather than stored with U+FFFD in its
// place. NUL and other control characters are accepted: Tencent documents binary values
// (its own sample stores "abc\u0000\u0001"), and both stores keep them inside JSON.
func checkCustomData(field string, kvs []KV, has func(string) bool, valueMax int) error {
	seen := make(map[string]bool, len(kvs))
	for _, kv := range kvs {
		if !has(kv.Key) {
			return im.Errorf(im.CodeInvalidParam, "%s key %q is not defined for this app", field, kv.Key)
		}
		if seen[kv.Key] {
			return im.Errorf(im.CodeInvalidParam, "%s key %q is given twice", field, kv.Key)
		}
		seen[kv.Key] = true
		if !utf8.ValidString(kv.Value) {
			return im.Errorf(im.CodeInvalidParam, "%s value of %q is not valid UTF-8", field, kv.Key)
		}
		if len(kv.Value) > valueMax {
			return im.Errorf(im.CodeInvalidParam, "%s value of %q is %d bytes, over the limit of %d bytes", field, kv.Key, len(kv.Value), valueMax)
		}
	}
	return nil
}

// applyCustomData merges kvs into data: an empty Value deletes its key. It returns the
// resulting map, nil when empty.
func applyCustomData(data map[string]string, kvs []KV) map[string]string {
	if len(kvs) == 0 {
		return data
	}
	out := make(map[string]string, len(data)+len(kvs))
	for k, v := range data {
		out[k] = v
	}
	for _, kv := range kvs {
		if kv.Value == "" {
			delete(out, kv.Key)
			continue
		}
		out[kv.Key] = kv.Value
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Number is a number of a request as the adapter read it (im.Number).
type Number = im.Number

// Int returns an exact Number.
func Int(n int64) *Number { return &Number{Int: n, Exact: true, Text: strconv.FormatInt(n, 10)} }

// checkMuteTime returns the seconds of a MuteTime: an integer 0..4294967295, else 10004
// (docs/compatibility.md §5 row 15). Overflowing and fractional numbers are out of range
// too.
func checkMuteTime(field string, n Number) (int64, error) {
	if !n.Exact || n.Int < 0 || n.Int > im.MuteForever {
		return 0, im.Errorf(im.CodeInvalidParam, "%s %s is not an integer from 0 to %d", field, n.Text, im.MuteForever)
	}
	return n.Int, nil
}

// effectiveMute is the mute end a read reports: an end in the past reads as 0.
func effectiveMute(until, now int64) int64 {
	if until != im.MuteForever && until <= now {
		return 0
	}
	return until
}
