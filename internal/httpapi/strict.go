package httpapi

import (
	"net/url"
	"strings"

	"github.com/timdhq/timd/internal/im"
)

// Strict mode (App.Strict; docs/compatibility.md §9) refuses what Tencent accepts today
// but may misread, so that a CI run against timd catches it: a field of the body that the
// command does not know (Tencent drops it silently), a field or command word under its
// old name (docs/compatibility.md §3), and a query without random or contenttype. Body
// problems answer 60003 and the others 60002, each with an ErrorInfo naming the problem.

// strictPrefix starts the ErrorInfo of every strict-mode refusal.
const strictPrefix = "strict mode: "

// renamed marks cmd as served under an old word whose current word is current.
func renamed(cmd *command, current string) *command {
	cmd.current = current
	return cmd
}

// strictCall checks the query and the command word of a call in strict mode.
func strictCall(q url.Values, cmd *command) error {
	for _, p := range []string{"random", "contenttype"} {
		if _, ok := q[p]; !ok {
			return im.Errorf(im.CodeBadURL, strictPrefix+"the query has no %s; Tencent's clients send random=<a 32-bit number>&contenttype=json", p)
		}
	}
	if cmd.current != "" {
		return im.Errorf(im.CodeBadURL, strictPrefix+"%s is the old word of %s; call %s", cmd.word, cmd.current, cmd.current)
	}
	return nil
}

// strictBody checks a decoded body's ignored and old fields in strict mode.
func strictBody(ign ignored) error {
	if ign.n > 0 {
		more := ""
		if ign.n > len(ign.paths) {
			more = ", ..."
		}
		return im.Errorf(im.CodeBadJSON, strictPrefix+"the command does not know the field(s) %s%s, which Tencent would ignore; check the names and their case",
			ign.header(), more)
	}
	if len(ign.old) > 0 {
		return im.Errorf(im.CodeBadJSON, strictPrefix+"old field name(s) %s; send the current name", strings.Join(ign.old, ", "))
	}
	return nil
}
