package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// Fault actions (docs/compatibility.md §9). The first four act on REST calls, the last
// two on before-callbacks.
const (
	// FaultError answers the call with ErrorCode and ErrorInfo, in the envelope, HTTP 200.
	FaultError = "error"
	// FaultLatency delays the call by Latency and then serves it as usual.
	FaultLatency = "latency"
	// FaultClose closes the connection without an answer.
	FaultClose = "close"
	// FaultHTTP answers HTTPStatus (500 to 599) with a plain-text body, as a gateway in
	// front of Tencent would.
	FaultHTTP = "http"
	// FaultTimeout makes a before-callback time out: timd waits the callback's timeout
	// and treats the callback as failed.
	FaultTimeout = "timeout"
	// FaultRefuse makes a before-callback refuse, as if the app had answered ErrorCode
	// (default 1).
	FaultRefuse = "refuse"
)

// FaultMaxLatency caps a fault's Latency.
const FaultMaxLatency = 5 * time.Minute

// FaultRule is one fault-injection rule, in the JSON of /dev/faults. Command and Action
// are required; the rest is optional.
type FaultRule struct {
	// ID names the rule; timd assigns it ("f1", "f2", ...) when the rule is added.
	ID string `json:"Id"`
	// Command is the REST command the rule matches, "service/command" or only the
	// command word, or "*" for every REST command; or a before-callback's
	// CallbackCommand ("Group.CallbackBeforeSendMsg").
	Command string `json:"Command"`
	// GroupID, FromAccount and MemberAccount narrow the match to calls whose body names
	// that group (GroupId, or an item of GroupIdList), that sender (From_Account) or that
	// member (Member_Account, Members_Account, MemberToDel_Account and the like, at the
	// top level or in MemberList). A before-callback matches on GroupID only.
	GroupID       string `json:"GroupId,omitempty"`
	FromAccount   string `json:"From_Account,omitempty"`
	MemberAccount string `json:"Member_Account,omitempty"`
	// Action is what the rule does: one of the Fault constants.
	Action string `json:"Action"`
	// ErrorCode and ErrorInfo are the answer of FaultError (ErrorCode required) and the
	// app's answer of FaultRefuse (default 1).
	ErrorCode int    `json:"ErrorCode,omitempty"`
	ErrorInfo string `json:"ErrorInfo,omitempty"`
	// Latency, a Go duration up to FaultMaxLatency, is FaultLatency's delay; with
	// another action it delays that action.
	Latency string `json:"Latency,omitempty"`
	// HTTPStatus is FaultHTTP's status, 500 to 599; default 502.
	HTTPStatus int `json:"HTTPStatus,omitempty"`
	// Times is how many calls the rule faults; 0, the default, faults until the rule is
	// removed. A rule that has faulted Times calls stays listed, spent.
	Times int `json:"Times,omitempty"`
	// Probability is the chance that a matching call is faulted, from 0 to 1; default 1.
	Probability *float64 `json:"Probability,omitempty"`
	// Hits counts the calls the rule has faulted; set by timd.
	Hits int `json:"Hits"`

	latency time.Duration
}

// FaultCall describes a call for matching: the command and what its body names.
type FaultCall struct {
	Command string // "service/command", or a CallbackCommand
	Word    string // the command word; "" for a callback
	Groups  []string
	From    string
	Members []string
}

// Faults holds the fault-injection rules of every app. It is safe for concurrent use.
// The zero value is not ready; use NewFaults.
type Faults struct {
	mu     sync.Mutex
	rules  map[uint64][]*FaultRule
	next   int
	chance func() float64
}

// NewFaults returns an empty rule table.
func NewFaults() *Faults {
	return &Faults{rules: map[uint64][]*FaultRule{}, chance: rand.Float64}
}

// Add checks r and adds it for app; it returns the rule as added, with its ID. A bad rule
// is 10004 naming the problem.
func (f *Faults) Add(app uint64, r FaultRule) (FaultRule, error) {
	if err := r.check(); err != nil {
		return FaultRule{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	r.ID, r.Hits = fmt.Sprintf("f%d", f.next), 0
	f.rules[app] = append(f.rules[app], &r)
	return r, nil
}

// List returns app's rules, in the order they were added.
func (f *Faults) List(app uint64) []FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FaultRule, len(f.rules[app]))
	for i, r := range f.rules[app] {
		out[i] = *r
	}
	return out
}

// Remove removes app's rule id, or every rule of app when id is ""; it reports how many
// it removed.
func (f *Faults) Remove(app uint64, id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	kept := f.rules[app][:0]
	for _, r := range f.rules[app] {
		if id != "" && r.ID != id {
			kept = append(kept, r)
		}
	}
	n := len(f.rules[app]) - len(kept)
	clear(f.rules[app][len(kept):])
	f.rules[app] = kept
	return n
}

// Match returns the first of app's live rules that matches call and, by its probability,
// faults it, counting the hit; ok is false when none does.
func (f *Faults) Match(app uint64, call FaultCall) (rule FaultRule, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules[app] {
		if r.Times > 0 && r.Hits >= r.Times || !r.matches(call) {
			continue
		}
		if r.Probability != nil && f.chance() >= *r.Probability {
			continue
		}
		r.Hits++
		return *r, true
	}
	return FaultRule{}, false
}

// active reports whether app has any rule, spent or not: a cheap test before a body is
// looked into.
func (f *Faults) active(app uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.rules[app]) > 0
}

// isCallback reports whether command names a callback rather than a REST command.
func isCallback(command string) bool { return strings.HasPrefix(command, "Group.Callback") }

// check reports the first problem of r as a 10004, and parses its Latency.
func (r *FaultRule) check() error {
	bad := func(format string, args ...any) error {
		return im.Errorf(im.CodeInvalidParam, "fault rule: "+format, args...)
	}
	if r.Command == "" {
		return bad("Command is required: a REST command such as group_open_http_svc/send_group_msg, \"*\", or a before-callback such as Group.CallbackBeforeSendMsg")
	}
	callback := isCallback(r.Command)
	switch r.Action {
	case FaultError, FaultLatency, FaultClose, FaultHTTP:
		if callback {
			return bad("Action %q acts on REST calls; a before-callback takes %q or %q", r.Action, FaultTimeout, FaultRefuse)
		}
	case FaultTimeout, FaultRefuse:
		if !callback || !strings.HasPrefix(r.Command, "Group.CallbackBefore") {
			return bad("Action %q acts on before-callbacks: Command must be one, such as Group.CallbackBeforeSendMsg", r.Action)
		}
	default:
		return bad("Action %q is not one of error, latency, close, http, timeout, refuse", r.Action)
	}
	if callback && (r.FromAccount != "" || r.MemberAccount != "") {
		return bad("a before-callback rule matches on GroupId only")
	}
	if r.Action == FaultError && r.ErrorCode == 0 {
		return bad("Action error needs a nonzero ErrorCode")
	}
	if r.Action == FaultRefuse && r.ErrorCode == 0 {
		r.ErrorCode = 1
	}
	if r.Action == FaultHTTP && r.HTTPStatus == 0 {
		r.HTTPStatus = 502
	}
	if r.HTTPStatus != 0 && (r.Action != FaultHTTP || r.HTTPStatus < 500 || r.HTTPStatus > 599) {
		return bad("HTTPStatus %d: give a status from 500 to 599 with Action http", r.HTTPStatus)
	}
	if r.Times < 0 {
		return bad("Times %d is negative; 0 faults until the rule is removed", r.Times)
	}
	if p := r.Probability; p != nil && (*p < 0 || *p > 1) {
		return bad("Probability %v is not from 0 to 1", *p)
	}
	return r.checkLatency(bad)
}

// checkLatency parses r.Latency, which FaultLatency requires.
func (r *FaultRule) checkLatency(bad func(string, ...any) error) error {
	if r.Latency == "" {
		if r.Action == FaultLatency {
			return bad("Action latency needs a Latency, a Go duration such as \"2s\"")
		}
		return nil
	}
	d, err := time.ParseDuration(r.Latency)
	if err != nil || d <= 0 || d > FaultMaxLatency {
		return bad("Latency %q is not a Go duration from 1ns to %v", r.Latency, FaultMaxLatency)
	}
	r.latency = d
	return nil
}

// Delay returns the rule's latency.
func (r *FaultRule) Delay() time.Duration { return r.latency }

// matches reports whether r matches call.
func (r *FaultRule) matches(call FaultCall) bool {
	switch {
	case r.Command == "*" && call.Word != "":
	case r.Command == call.Command:
	case call.Word != "" && r.Command == call.Word:
	default:
		return false
	}
	return within(r.GroupID, call.Groups) && (r.FromAccount == "" || r.FromAccount == call.From) &&
		within(r.MemberAccount, call.Members)
}

// within reports whether want is "" (no condition) or among have.
func within(want string, have []string) bool {
	if want == "" {
		return true
	}
	for _, h := range have {
		if h == want {
			return true
		}
	}
	return false
}

// faultCall reads what a REST call's body names, for matching. A body that is not a JSON
// object names nothing.
func faultCall(cmd *command, body []byte) FaultCall {
	call := FaultCall{Command: cmd.name, Word: cmd.word}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return call
	}
	call.Groups = append(jsonStrings(top["GroupId"]), jsonStrings(top["GroupIdList"])...)
	if from := jsonStrings(top["From_Account"]); len(from) > 0 {
		call.From = from[0]
	}
	call.Members = memberAccounts(top)
	var list []map[string]json.RawMessage
	if json.Unmarshal(top["MemberList"], &list) == nil {
		for _, m := range list {
			call.Members = append(call.Members, memberAccounts(m)...)
		}
	}
	return call
}

// memberAccounts returns the accounts of obj's member keys: those that hold "Member" and
// end in "_Account" (Member_Account, Members_Account, MemberToDel_Account, ...).
func memberAccounts(obj map[string]json.RawMessage) []string {
	var out []string
	for k, v := range obj {
		if strings.Contains(k, "Member") && strings.HasSuffix(k, "_Account") {
			out = append(out, jsonStrings(v)...)
		}
	}
	return out
}

// jsonStrings returns the strings of v: a JSON string, or the strings of a JSON array.
func jsonStrings(v json.RawMessage) []string {
	if len(v) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return []string{s}
	}
	var list []json.RawMessage
	if json.Unmarshal(v, &list) != nil {
		return nil
	}
	var out []string
	for _, item := range list {
		if json.Unmarshal(item, &s) == nil {
			out = append(out, s)
		}
	}
	return out
}

// injectFault returns the rule that faults a call of cmd by app with body in, if any,
// after waiting out its latency. The admin console's endpoints are never faulted.
func (a *API) injectFault(ctx context.Context, app *App, cmd *command, in []byte) (FaultRule, bool) {
	if a.faults == nil || strings.HasPrefix(cmd.name, "console/") || !a.faults.active(app.SDKAppID) {
		return FaultRule{}, false
	}
	rule, ok := a.faults.Match(app.SDKAppID, faultCall(cmd, in))
	if !ok {
		return FaultRule{}, false
	}
	if d := rule.Delay(); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return rule, true
}

// answer is the answer of a call that r faults, after reading its body in: the error of
// FaultError; FaultClose and FaultHTTP are served by serveFault.
func (r FaultRule) answer(in []byte) answer {
	info := r.ErrorInfo
	if info == "" {
		info = "fault injected by timd rule " + r.ID
	}
	return answer{code: im.Code(r.ErrorCode), info: info, request: in, fault: &r}
}

// serveFault answers a call that a FaultClose or FaultHTTP rule faults, after recording
// it in the metrics, the journal and the log.
func (a *API) serveFault(w http.ResponseWriter, r *http.Request, start time.Time, ans answer) {
	var body []byte
	if ans.fault.Action == FaultHTTP {
		body = []byte(fmt.Sprintf("%d %s\n", ans.fault.HTTPStatus, http.StatusText(ans.fault.HTTPStatus)))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(ans.fault.HTTPStatus)
		_, _ = w.Write(body)
	}
	d := a.clock.Now().Sub(start)
	if a.observe != nil {
		a.observe(ans.name, ans.code, d)
	}
	if a.journal != nil {
		a.journal(journalEntry(r, start, d, ans, body))
	}
	a.logRequest(r, ans, d)
	if ans.fault.Action == FaultClose {
		// net/http closes the connection (HTTP/1) or resets the stream (HTTP/2) without
		// logging anything.
		panic(http.ErrAbortHandler)
	}
}
