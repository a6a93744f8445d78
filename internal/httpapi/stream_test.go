package httpapi

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
)

// TestParseResume checks the resume points a stream takes: Last-Event-ID and since, the
// greater MsgSeq of a group named twice, group IDs holding ':', and what is refused.
func TestParseResume(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lastID string
		since  []string
		want   map[string]int64
		code   im.Code
	}{
		{name: "none", want: map[string]int64{}},
		{name: "Last-Event-ID", lastID: "@TGS#1:7", want: map[string]int64{"@TGS#1": 7}},
		{name: "since", since: []string{"a:1", "b:0"}, want: map[string]int64{"a": 1, "b": 0}},
		{name: "the greater wins", lastID: "a:9", since: []string{"a:3"}, want: map[string]int64{"a": 9}},
		{name: "a colon in the group", since: []string{"x:y:5"}, want: map[string]int64{"x:y": 5}},
		{name: "no seq", since: []string{"a"}, code: im.CodeInvalidParam},
		{name: "no group", since: []string{":5"}, code: im.CodeInvalidParam},
		{name: "negative", lastID: "a:-1", code: im.CodeInvalidParam},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseResume(tc.lastID, tc.since)
			if code := im.CodeOf(err); code != tc.code {
				t.Fatalf("got code %d (%v), want %d", code, err, tc.code)
			}
			if d := cmp.Diff(tc.want, got); tc.code == 0 && d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
