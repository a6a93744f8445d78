package im

import "context"

// OutboxEntry is an after-callback waiting in the store's outbox. It is written in the
// same transaction as the change it reports (Tx.Enqueue), so a change that commits is
// never without its callback, and a crash loses neither.
type OutboxEntry struct {
	ID          int64  // assigned by Enqueue, increasing
	App         uint64 // SDKAppID
	Group       string // group ID: the entries of one group are delivered in ID order
	Command     string // CallbackCommand, e.g. "Group.CallbackAfterCreateGroup"
	ClientIP    string // the REST caller's address, sent as ClientIP
	Body        []byte // the JSON body to send
	Created     int64  // unix ms when the change committed
	Attempts    int    // delivery attempts so far
	NextAttempt int64  // unix ms before which the entry is not tried again
	LeaseUntil  int64  // unix ms until which a deliverer holds the entry
}

// Outbox is the store's queue of after-callbacks as a deliverer sees it. Commands only
// append to it (Tx.Enqueue); everything else about delivery lives here, apart from the
// commands' Tx. Both stores implement it beside im.Store; storetest checks it.
type Outbox interface {
	// UpdateOutbox runs fn in a read-write transaction over the outbox, with the
	// guarantees of Store.Update.
	UpdateOutbox(ctx context.Context, fn func(ctx context.Context, tx OutboxTx) error) error
	// CountOutbox returns the number of entries waiting in the outbox.
	CountOutbox(ctx context.Context) (int64, error)
}

// OutboxTx is the work one outbox transaction can do.
type OutboxTx interface {
	// ClaimEvents leases up to limit entries for delivery until leaseUntil (unix ms) and
	// returns them in ID order. An entry is claimable when its NextAttempt <= now, its
	// lease has expired, and no older entry of the same (App, Group) is in the outbox, so
	// each group's entries are delivered in order. Replicas claiming at once get disjoint
	// entries.
	ClaimEvents(ctx context.Context, now, leaseUntil int64, limit int) ([]OutboxEntry, error)
	// LeaseFollowers leases, until leaseUntil, the entries that follow head (an entry this
	// transaction has just claimed) in its (App, Group), in ID order, at most n of them and
	// stopping before the first one still leased at now, and returns them. A deliverer
	// sends a group's entries as one run this way: they cannot be claimed by anyone else
	// while head is in the outbox.
	LeaseFollowers(ctx context.Context, head OutboxEntry, now, leaseUntil int64, n int) ([]OutboxEntry, error)
	// DeleteEvent removes a delivered or abandoned entry; a missing one is not an error.
	DeleteEvent(ctx context.Context, id int64) error
	// RetryEvent records a failed attempt: it sets the entry's Attempts and NextAttempt
	// (unix ms) and ends its lease. ErrNotFound if the entry is gone.
	RetryEvent(ctx context.Context, id int64, attempts int, nextAttempt int64) error
}
