package timtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/httpapi"
)

// Fault actions, for Fault.Action.
const (
	// FaultError answers a matching call with Fault.ErrorCode (and ErrorInfo), HTTP 200,
	// without carrying it out.
	FaultError = httpapi.FaultError
	// FaultLatency delays a matching call by Fault.Latency and then serves it.
	FaultLatency = httpapi.FaultLatency
	// FaultClose closes the connection without an answer; the call is not carried out.
	FaultClose = httpapi.FaultClose
	// FaultHTTP answers Fault.HTTPStatus (default 502) with a plain-text body, as a
	// gateway in front of Tencent would; the call is not carried out.
	FaultHTTP = httpapi.FaultHTTP
	// FaultTimeout makes a before-callback (Fault.Command "Group.CallbackBefore...")
	// time out: timd waits the callback's timeout and treats it as failed.
	FaultTimeout = httpapi.FaultTimeout
	// FaultRefuse makes a before-callback refuse with Fault.ErrorCode (default 1), as if
	// the app had answered so, without sending it.
	FaultRefuse = httpapi.FaultRefuse
)

// Fault is a fault-injection rule: it makes the REST calls (or before-callbacks) that
// match it fail or slow down, so that a test can see how a client copes. A call that a
// rule fails changes nothing in the store. Rules are the server's until removed or until
// Reset; GET /dev/requests marks the calls they faulted, on a server with the
// development endpoints.
type Fault struct {
	// Command is the REST command matched, "group_open_http_svc/send_group_msg" or only
	// "send_group_msg", or "*" for every command; or a before-callback's CallbackCommand,
	// "Group.CallbackBeforeSendMsg", with FaultTimeout or FaultRefuse.
	Command string
	// GroupID, FromAccount and MemberAccount, when set, narrow the match to calls whose
	// body names that group (GroupId, GroupIdList), sender (From_Account) or member
	// (Member_Account, Members_Account, MemberList[].Member_Account, ...).
	GroupID, FromAccount, MemberAccount string
	// Action is what the rule does: FaultError, FaultLatency, FaultClose, FaultHTTP,
	// FaultTimeout or FaultRefuse.
	Action    string
	ErrorCode int    // FaultError's code (required) or FaultRefuse's (default 1)
	ErrorInfo string // default: a text naming the rule
	// Latency is FaultLatency's delay; with another action it comes before it.
	Latency    time.Duration
	HTTPStatus int // FaultHTTP's status, 500 to 599; default 502
	// Times is how many calls the rule faults; 0, the default, until it is removed.
	Times int
	// Probability is the chance a matching call is faulted, above 0 and at most 1; 0,
	// the default, faults every matching call.
	Probability float64

	// ID and Hits are set by the server: the rule's name, and how many calls it has
	// faulted so far.
	ID   string
	Hits int
}

// rule returns the server's form of f.
func (f Fault) rule() httpapi.FaultRule {
	r := httpapi.FaultRule{
		Command: f.Command, GroupID: f.GroupID, FromAccount: f.FromAccount, MemberAccount: f.MemberAccount,
		Action: f.Action, ErrorCode: f.ErrorCode, ErrorInfo: f.ErrorInfo, HTTPStatus: f.HTTPStatus, Times: f.Times,
	}
	if f.Latency > 0 {
		r.Latency = f.Latency.String()
	}
	if f.Probability != 0 {
		p := f.Probability
		r.Probability = &p
	}
	return r
}

// faultOf returns the timtest form of r.
func faultOf(r httpapi.FaultRule) Fault {
	f := Fault{
		Command: r.Command, GroupID: r.GroupID, FromAccount: r.FromAccount, MemberAccount: r.MemberAccount,
		Action: r.Action, ErrorCode: r.ErrorCode, ErrorInfo: r.ErrorInfo, Latency: r.Delay(),
		HTTPStatus: r.HTTPStatus, Times: r.Times, ID: r.ID, Hits: r.Hits,
	}
	if r.Probability != nil {
		f.Probability = *r.Probability
	}
	return f
}

// AddFault adds the rule f to the server's first app and returns its ID. A malformed
// rule is an error saying what is wrong with it.
func (s *Server) AddFault(f Fault) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.srv.Faults().Add(s.SDKAppID(), f.rule())
	if err != nil {
		return "", fmt.Errorf("timtest: %v", err)
	}
	return r.ID, nil
}

// MustAddFault is AddFault that fails the test on a malformed rule.
func (s *Server) MustAddFault(tb testing.TB, f Fault) string {
	tb.Helper()
	id, err := s.AddFault(f)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// Faults returns the rules of the server's first app, in the order they were added, with
// their hits.
func (s *Server) Faults() []Fault {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rules := s.srv.Faults().List(s.SDKAppID())
	out := make([]Fault, len(rules))
	for i, r := range rules {
		out[i] = faultOf(r)
	}
	return out
}

// FaultHits returns how many calls the rule id has faulted; 0 for an unknown id.
func (s *Server) FaultHits(id string) int {
	for _, f := range s.Faults() {
		if f.ID == id {
			return f.Hits
		}
	}
	return 0
}

// RemoveFault removes the rule id and reports whether there was one.
func (s *Server) RemoveFault(id string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return id != "" && s.srv.Faults().Remove(s.SDKAppID(), id) > 0
}

// ClearFaults removes every rule.
func (s *Server) ClearFaults() {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.srv.Faults().Remove(s.SDKAppID(), "")
}

// PauseCallbacks holds back the delivery of after-callbacks: they wait in the outbox
// until ResumeCallbacks, as when an app's endpoint or the network is slow. Callbacks
// already on their way are delivered.
func (s *Server) PauseCallbacks() {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.srv.PauseCallbacks(true)
}

// ResumeCallbacks delivers the after-callbacks PauseCallbacks held back, in order, and
// those that follow.
func (s *Server) ResumeCallbacks() {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.srv.PauseCallbacks(false)
}
