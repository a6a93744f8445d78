package webhook

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// Hooks is the callbacks' side of the rules' events (im.Events): it asks an app's
// before-callbacks through a Sender, writes after-callbacks into the store's outbox in
// the rules' transaction, and nudges a Deliverer once they commit.
type Hooks struct {
	sender    *Sender
	configs   map[uint64]Config
	deliverer *Deliverer
}

var _ im.Events = (*Hooks)(nil)

// NewHooks returns Hooks for the apps' configurations (by SDKAppID).
func NewHooks(sender *Sender, configs map[uint64]Config, deliverer *Deliverer) *Hooks {
	return &Hooks{sender: sender, configs: configs, deliverer: deliverer}
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
	a, err := h.sender.Post(ctx, cfg, c.App.SDKAppID, command, c.ClientIP, body)
	if err != nil {
		h.sender.log.Warn("before-callback failed", "command", command, "sdkappid", c.App.SDKAppID, "err", err, "deny", cfg.DenyOnFailure)
		return im.Verdict{Failed: true, DenyOnFailure: cfg.DenyOnFailure}, nil
	}
	return verdict(a), nil
}

// verdict reads an app's answer: ErrorCode 0 allows (perhaps refusing some accounts),
// anything else refuses with the code the app gave.
func verdict(a Answer) im.Verdict {
	if a.ErrorCode == 0 {
		return im.Verdict{RefusedAccounts: a.RefusedMembers}
	}
	return im.Verdict{Refused: true, AppCode: a.ErrorCode, AppInfo: a.ErrorInfo}
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
