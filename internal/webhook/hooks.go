package webhook

import (
	"context"

	"github.com/timdhq/timd/internal/im"
)

// Hooks connect the group service to the apps' callbacks: it runs before-callbacks
// through a Sender and nudges a Deliverer when after-callbacks are committed.
type Hooks struct {
	sender    *Sender
	configs   map[uint64]Config
	deliverer *Deliverer
}

// NewHooks returns Hooks for the apps' configurations (by SDKAppID).
func NewHooks(sender *Sender, configs map[uint64]Config, deliverer *Deliverer) *Hooks {
	return &Hooks{sender: sender, configs: configs, deliverer: deliverer}
}

// Enabled reports whether app wants callback command.
func (h *Hooks) Enabled(app uint64, command string) bool {
	c, ok := h.configs[app]
	return ok && c.Enabled(command)
}

// Before runs the before-callback command of c's app with body.
func (h *Hooks) Before(ctx context.Context, c im.Caller, command string, body []byte) (Answer, error) {
	return h.sender.Before(ctx, h.configs[c.App.SDKAppID], c.App.SDKAppID, command, c.ClientIP, body)
}

// Notify nudges the Deliverer.
func (h *Hooks) Notify() { h.deliverer.Notify() }
