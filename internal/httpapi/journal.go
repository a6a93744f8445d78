package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// JournalEntry is one answered REST call, as Options.Journal receives it. It holds what a
// developer needs to see what a client sent and what timd answered, and nothing secret:
// never the UserSig or any other query parameter but sdkappid and identifier.
type JournalEntry struct {
	Time      time.Time // when the call arrived, by the server's clock
	RequestID string    // the X-Request-Id of the answer
	// Command is "service/command" as the path names them, whether or not timd serves
	// that command (an unknown one answers 60009 or 10003); "" for a path of another shape.
	Command    string
	SDKAppID   uint64        // the sdkappid of the query; 0 when missing or malformed
	Identifier string        // the identifier of the query, as given
	Request    []byte        // the request body; nil when the call failed before reading it
	Answer     []byte        // the answer body
	Code       im.Code       // the answer's ErrorCode
	Duration   time.Duration // time to answer
	// IgnoredFields are the paths of the request body's fields that the command does not
	// know, as the answer's X-Timd-Ignored-Fields header lists them: at most 20.
	IgnoredFields []string
	// Fault is the ID of the fault rule that faulted the call ("f1"); "" for none.
	Fault string
}

// journalEntry describes a call for the journal. The slices are the call's own, which
// nothing changes once the call is answered.
func journalEntry(r *http.Request, start time.Time, d time.Duration, ans answer, body []byte) JournalEntry {
	q := r.URL.Query()
	var fault string
	if ans.fault != nil {
		fault = ans.fault.ID
	}
	app, _ := strconv.ParseUint(q.Get("sdkappid"), 10, 64)
	return JournalEntry{
		Time: start, RequestID: RequestID(r.Context()), Command: ans.name,
		SDKAppID: app, Identifier: q.Get("identifier"),
		Request: ans.request, Answer: body, Code: ans.code, Duration: d, IgnoredFields: ans.ignored.paths,
		Fault: fault,
	}
}
