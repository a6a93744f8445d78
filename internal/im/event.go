package im

// Event is an after-callback waiting in the store's outbox. It is written in the same
// transaction as the change it reports, so a change that commits is never without its
// callback, and a crash loses neither.
type Event struct {
	ID          int64  // assigned by Enqueue, increasing
	App         uint64 // SDKAppID
	Group       string // group ID: the events of one group are delivered in ID order
	Command     string // CallbackCommand, e.g. "Group.CallbackAfterCreateGroup"
	ClientIP    string // the REST caller's address, sent as ClientIP
	Body        []byte // the JSON body to send
	Created     int64  // unix ms when the change committed
	Attempts    int    // delivery attempts so far
	NextAttempt int64  // unix ms before which the event is not tried again
	LeaseUntil  int64  // unix ms until which a deliverer holds the event
}
