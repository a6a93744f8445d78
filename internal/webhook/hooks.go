package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/msgbody"
)

// Hooks is the callbacks' side of the rules' events (im.Events): it asks an app's
// before-callbacks through a Sender, writes after-callbacks into the store's outbox in
// the rules' transaction, and nudges a Deliverer once they commit.
type Hooks struct {
	sender    *Sender
	configs   map[uint64]Config
	deliverer *Deliverer
	fault     func(app uint64, command, group string) (Fault, bool)
}

// Fault is an injected failure of a before-callback (the development endpoints'
// /dev/faults): Timeout waits the callback's timeout and fails it, else the app is taken
// to have answered ErrorCode and ErrorInfo, without a request.
type Fault struct {
	Timeout   bool
	ErrorCode int
	ErrorInfo string
}

var _ im.Events = (*Hooks)(nil)

// NewHooks returns Hooks for the apps' configurations (by SDKAppID).
func NewHooks(sender *Sender, configs map[uint64]Config, deliverer *Deliverer) *Hooks {
	return &Hooks{sender: sender, configs: configs, deliverer: deliverer}
}

// InjectFaults makes Ask consult fault for each before-callback, by app, CallbackCommand
// and group ID, before it sends one. Call it before the Hooks are used.
func (h *Hooks) InjectFaults(fault func(app uint64, command, group string) (Fault, bool)) {
	h.fault = fault
}

// Wants reports whether app has the callback of events of kind turned on.
func (h *Hooks) Wants(app uint64, kind im.EventKind) bool {
	c, ok := h.configs[app]
	return ok && c.Enabled(CommandOf(kind))
}

// Ask runs the before-callback of ev and turns the app's answer into a verdict.
func (h *Hooks) Ask(ctx context.Context, c im.Caller, ev im.Event) (im.Verdict, error) {
	command, body, err := Encode(ev)
	if err != nil {
		return im.Verdict{}, err
	}
	cfg := h.configs[c.App.SDKAppID]
	var a Answer
	if f, ok := h.faulted(c.App.SDKAppID, command, ev); ok {
		a, err = injected(ctx, cfg, command, f)
	} else {
		a, err = h.sender.Post(ctx, cfg, c.App.SDKAppID, command, c.ClientIP, body)
	}
	if err != nil {
		h.sender.log.Warn("before-callback failed", "command", command, "sdkappid", c.App.SDKAppID, "err", err, "deny", cfg.DenyOnFailure)
		return im.Verdict{Failed: true, DenyOnFailure: cfg.DenyOnFailure}, nil
	}
	return verdict(a), nil
}

// faulted returns the fault injected into the before-callback command of ev, if any.
func (h *Hooks) faulted(app uint64, command string, ev im.Event) (Fault, bool) {
	if h.fault == nil {
		return Fault{}, false
	}
	return h.fault(app, command, ev.Head().Group.ID)
}

// injected is the outcome of a before-callback that f faults.
func injected(ctx context.Context, cfg Config, command string, f Fault) (Answer, error) {
	if !f.Timeout {
		return Answer{ActionStatus: "FAIL", ErrorCode: f.ErrorCode, ErrorInfo: f.ErrorInfo}, nil
	}
	t := time.NewTimer(cfg.WithDefaults().Timeout)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return Answer{}, fmt.Errorf("callback %s: timed out (injected fault)", command)
}

// verdict reads an app's answer: ErrorCode 0 allows (perhaps refusing some accounts, or
// replacing a message's body or custom data), anything else refuses with the code the
// app gave (for a message, 2 drops it; the rules decide).
func verdict(a Answer) im.Verdict {
	if a.ErrorCode != 0 {
		return im.Verdict{Refused: true, AppCode: a.ErrorCode, AppInfo: a.ErrorInfo}
	}
	v := im.Verdict{RefusedAccounts: a.RefusedMembers, CloudCustomData: a.CloudCustomData}
	if len(a.MsgBody) > 0 && string(a.MsgBody) != "null" {
		b := msgbody.Body(a.MsgBody)
		v.Body = &b
	}
	return v
}

// Record writes the after-callback of ev into tx's outbox.
func (h *Hooks) Record(ctx context.Context, tx im.Tx, c im.Caller, ev im.Event) error {
	command, body, err := Encode(ev)
	if err != nil {
		return err
	}
	return tx.Enqueue(ctx, im.OutboxEntry{
		App: c.App.SDKAppID, Group: ev.Head().Group.ID, Command: command, ClientIP: c.ClientIP,
		Body: body, Created: ev.Head().Time,
	})
}

// Committed nudges the Deliverer.
func (h *Hooks) Committed() {
	if h.deliverer != nil {
		h.deliverer.Notify()
	}
}

// Encode returns the CallbackCommand and the Tencent callback body of ev.
func Encode(ev im.Event) (command string, body []byte, err error) {
	command = CommandOf(ev.Kind())
	v := bodyOf(ev)
	if command == "" || v == nil {
		return "", nil, fmt.Errorf("webhook: no callback for event %s", ev.Kind())
	}
	body, err = json.Marshal(v)
	if err != nil {
		return "", nil, fmt.Errorf("encode %s: %w", command, err)
	}
	return command, body, nil
}
