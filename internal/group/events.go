package group

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/internal/webhook"
)

// Hooks connect the group service to the app's callbacks. A nil Hooks sends none.
type Hooks interface {
	// Enabled reports whether app wants callback command.
	Enabled(app uint64, command string) bool
	// Before runs a before-callback and returns its answer, or the coded error that
	// refuses the operation.
	Before(ctx context.Context, c im.Caller, command string, body []byte) (webhook.Answer, error)
	// Notify tells the deliverer that transactions with events have committed.
	Notify()
}

// enabled reports whether c's app wants callback command.
func (s *Service) enabled(c im.Caller, command string) bool {
	return s.hooks != nil && s.hooks.Enabled(c.App.SDKAppID, command)
}

// head starts a callback body at the current time.
func (s *Service) head(command string) webhook.Head {
	return webhook.Head{CallbackCommand: command, EventTime: s.clock.Now().UnixMilli()}
}

// before runs the before-callback command with body, when the app wants it.
func (s *Service) before(ctx context.Context, c im.Caller, command string, body any) (webhook.Answer, error) {
	if !s.enabled(c, command) {
		return webhook.Answer{}, nil
	}
	data, err := json.Marshal(body)
	if err != nil {
		return webhook.Answer{}, fmt.Errorf("encode %s: %w", command, err)
	}
	return s.hooks.Before(ctx, c, command, data)
}

// emit writes the after-callback command with body to the outbox inside tx, when the
// app wants it, so the event commits or rolls back with the change it reports.
func (s *Service) emit(ctx context.Context, tx im.Tx, c im.Caller, groupID, command string, body any) error {
	if !s.enabled(c, command) {
		return nil
	}
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode %s: %w", command, err)
	}
	return tx.Enqueue(ctx, im.Event{
		App: c.App.SDKAppID, Group: groupID, Command: command, ClientIP: c.ClientIP,
		Body: data, Created: s.clock.Now().UnixMilli(),
	})
}

// update runs fn in a store transaction and, once it has committed, nudges the deliverer
// of after-callbacks.
func (s *Service) update(ctx context.Context, fn func(ctx context.Context, tx im.Tx) error) error {
	err := s.store.Update(ctx, fn)
	if err == nil && s.hooks != nil {
		s.hooks.Notify()
	}
	return err
}

// kvs turns custom data into callback entries, sorted by key.
func kvs(data map[string]string) []webhook.KV {
	out := make([]webhook.KV, 0, len(data))
	for k, v := range data {
		out = append(out, webhook.KV{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
