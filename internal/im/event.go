package im

import "context"

// Event is something the rules report: an operation about to happen, on which the app may
// have a say (the Ask events), or a change that has happened (the Record events). Events
// carry domain values only; an adapter (internal/webhook) turns them into whatever an app
// receives.
type Event interface {
	// Kind names the event.
	Kind() EventKind
	// Head returns what every event carries.
	Head() EventHead
}

// EventKind names an Event.
type EventKind string

// The events of the group rules.
const (
	KindCreatingGroup      EventKind = "CreatingGroup"      // ask: a group is about to be created
	KindInvitingMembers    EventKind = "InvitingMembers"    // ask: accounts are about to be added
	KindGroupCreated       EventKind = "GroupCreated"       // a group was created
	KindMembersJoined      EventKind = "MembersJoined"      // accounts became members
	KindMembersLeft        EventKind = "MembersLeft"        // members were removed
	KindGroupDestroyed     EventKind = "GroupDestroyed"     // a group was destroyed
	KindGroupInfoChanged   EventKind = "GroupInfoChanged"   // base info texts changed
	KindMemberFieldChanged EventKind = "MemberFieldChanged" // a member's role, card, mute or data changed
	KindOwnerChanged       EventKind = "OwnerChanged"       // the group has a new owner
	KindGroupFull          EventKind = "GroupFull"          // the group reached its MaxMemberNum
	KindSendingMessage     EventKind = "SendingMessage"     // ask: a message is about to be sent
	KindMessageSent        EventKind = "MessageSent"        // a message was sent
	KindMessagesRecalled   EventKind = "MessagesRecalled"   // messages were recalled
	KindSystemNotified     EventKind = "SystemNotified"     // a system notification was sent (live only)
	KindCreatingTopic      EventKind = "CreatingTopic"      // ask: a topic is about to be created
	KindTopicCreated       EventKind = "TopicCreated"       // a topic was created
	KindTopicInfoChanged   EventKind = "TopicInfoChanged"   // a topic's texts changed
	KindTopicsDestroyed    EventKind = "TopicsDestroyed"    // topics were destroyed
	KindMessageModified    EventKind = "MessageModified"    // a stored message was modified (live only)
	KindTipAppended        EventKind = "TipAppended"        // a tip was stored (live only)
)

// EventHead is what every event carries.
type EventHead struct {
	Time     int64  // unix milliseconds of the event
	Operator string // the account that made the request (the caller's identifier)
	// Group is the group the event concerns, as it is after the change (for an Ask
	// event, as it would be created; its ID may still be "").
	Group Group
}

// Head returns h.
func (h EventHead) Head() EventHead { return h }

// CreatingGroup asks whether a group may be created.
type CreatingGroup struct {
	EventHead
	Members []string // the initial members other than the owner
	// OwnedOfType is how many groups of the same type Group.Owner already owns.
	OwnedOfType int
}

// InvitingMembers asks whether accounts may be added to a group.
type InvitingMembers struct {
	EventHead
	Accounts []string
}

// GroupCreated reports a new group.
type GroupCreated struct {
	EventHead
	Members []string // initial members other than the owner, in request order
}

// JoinInvited is the JoinType of members added by an admin.
const JoinInvited = "Invited"

// MembersJoined reports accounts that became members.
type MembersJoined struct {
	EventHead
	JoinType string // JoinInvited
	Accounts []string
}

// ExitKicked is the ExitType of members removed by an admin.
const ExitKicked = "Kicked"

// MembersLeft reports members that left a group.
type MembersLeft struct {
	EventHead
	ExitType string // ExitKicked
	Accounts []string
}

// GroupDestroyed reports a destroyed group with the members it had.
type GroupDestroyed struct {
	EventHead
	Members []string
}

// GroupInfoChanged reports changed base-info texts; a nil field did not change.
type GroupInfoChanged struct {
	EventHead
	Name, Introduction, Notification, FaceURL *string
}

// MemberFieldChanged reports one member's changed fields; nil or empty did not change.
type MemberFieldChanged struct {
	EventHead
	Account  string
	Role     Role    // "" for no change
	NameCard *string // nil for no change
	MuteTime *int64  // the MuteTime set, in seconds (0 unmutes); nil for no change
	AppData  []KV    // the custom fields set; an empty Value deleted the key
}

// OwnerChanged reports a new owner.
type OwnerChanged struct {
	EventHead
	OldOwner, NewOwner string
}

// GroupFull reports a group that has just reached its MaxMemberNum.
type GroupFull struct {
	EventHead
}

// Outgoing is a message as a send asked for it, with what the stream does not keep.
type Outgoing struct {
	Message
	OnlineOnly  bool
	OfflinePush []byte // the OfflinePushInfo JSON object as sent; nil for none
}

// SendingMessage asks whether a message may be sent.
type SendingMessage struct {
	EventHead
	Msg Outgoing
}

// MessageSent reports a message sent (stored, or delivered online only: Msg.Seq 0).
type MessageSent struct {
	EventHead
	Msg Outgoing
}

// MessagesRecalled reports recalled messages by their Seq, in the group's stream or in
// Topic's.
type MessagesRecalled struct {
	EventHead
	Topic string // "" for the group's own stream
	Seqs  []int64
}

// CreatingTopic asks whether a topic of the Community Group may be created. Topic.ID is
// "" when the server is to mint it.
type CreatingTopic struct {
	EventHead
	Topic Topic
}

// TopicCreated reports a new topic of the Community Group.
type TopicCreated struct {
	EventHead
	Topic Topic
}

// TopicInfoChanged reports a topic's changed texts; a nil field did not change.
type TopicInfoChanged struct {
	EventHead
	Topic                                     string
	Name, Introduction, Notification, FaceURL *string
}

// TopicsDestroyed reports topics of the Community Group destroyed by destroy_topic.
type TopicsDestroyed struct {
	EventHead
	Topics []string
}

// SystemNotified reports a system notification: never stored, delivered to members
// online at that moment.
type SystemNotified struct {
	EventHead
	To      []string // the members addressed; empty for everyone
	Content string
}

// MessageModified reports a stored message whose MsgBody or CloudCustomData changed:
// Msg is the message as it now is. Only Live hears it.
type MessageModified struct {
	EventHead
	Msg Message
}

// TipAppended reports a tip stored in a group's stream. Only Live hears it.
type TipAppended struct {
	EventHead
	Msg Message
}

// KV is a custom-field entry, in request order.
type KV struct {
	Key, Value string
}

// Kind returns KindCreatingGroup.
func (CreatingGroup) Kind() EventKind { return KindCreatingGroup }

// Kind returns KindInvitingMembers.
func (InvitingMembers) Kind() EventKind { return KindInvitingMembers }

// Kind returns KindGroupCreated.
func (GroupCreated) Kind() EventKind { return KindGroupCreated }

// Kind returns KindMembersJoined.
func (MembersJoined) Kind() EventKind { return KindMembersJoined }

// Kind returns KindMembersLeft.
func (MembersLeft) Kind() EventKind { return KindMembersLeft }

// Kind returns KindGroupDestroyed.
func (GroupDestroyed) Kind() EventKind { return KindGroupDestroyed }

// Kind returns KindGroupInfoChanged.
func (GroupInfoChanged) Kind() EventKind { return KindGroupInfoChanged }

// Kind returns KindMemberFieldChanged.
func (MemberFieldChanged) Kind() EventKind { return KindMemberFieldChanged }

// Kind returns KindOwnerChanged.
func (OwnerChanged) Kind() EventKind { return KindOwnerChanged }

// Kind returns KindGroupFull.
func (GroupFull) Kind() EventKind { return KindGroupFull }

// Kind returns KindSendingMessage.
func (SendingMessage) Kind() EventKind { return KindSendingMessage }

// Kind returns KindMessageSent.
func (MessageSent) Kind() EventKind { return KindMessageSent }

// Kind returns KindMessagesRecalled.
func (MessagesRecalled) Kind() EventKind { return KindMessagesRecalled }

// Kind returns KindSystemNotified.
func (SystemNotified) Kind() EventKind { return KindSystemNotified }

// Kind returns KindCreatingTopic.
func (CreatingTopic) Kind() EventKind { return KindCreatingTopic }

// Kind returns KindTopicCreated.
func (TopicCreated) Kind() EventKind { return KindTopicCreated }

// Kind returns KindTopicInfoChanged.
func (TopicInfoChanged) Kind() EventKind { return KindTopicInfoChanged }

// Kind returns KindTopicsDestroyed.
func (TopicsDestroyed) Kind() EventKind { return KindTopicsDestroyed }

// Kind returns KindMessageModified.
func (MessageModified) Kind() EventKind { return KindMessageModified }

// Kind returns KindTipAppended.
func (TipAppended) Kind() EventKind { return KindTipAppended }

// Verdict is an app's answer to an Ask event. The zero Verdict allows the operation.
// The rules, not the adapter, turn a verdict into the ErrorCode the caller gets.
type Verdict struct {
	// Refused is set when the app said no; AppCode and AppInfo are what it answered
	// (1, or a code of its own from 10100 to 10200).
	Refused bool
	AppCode int
	AppInfo string
	// Failed is set when the app could not be asked (timeout, HTTP error, an answer that
	// is not JSON); DenyOnFailure tells whether the app wants such an operation refused.
	Failed        bool
	DenyOnFailure bool
	// RefusedAccounts lists accounts the app refuses while allowing the rest
	// (InvitingMembers).
	RefusedAccounts []string
	// Drop asks to drop a message silently: the send succeeds and stores nothing
	// (SendingMessage).
	Drop bool
	// Body and CloudCustomData, when set, replace what a message carries
	// (SendingMessage).
	Body            *MsgBody
	CloudCustomData *string
}

// Events is where the rules send their events. The adapter behind it decides who hears
// them (internal/webhook: the app's callbacks). A nil Events is valid in the rules and
// hears nothing.
type Events interface {
	// Wants reports whether app listens to events of kind, so that the rules build no
	// event (and run no extra query) nobody hears.
	Wants(app uint64, kind EventKind) bool
	// Ask puts an Ask event to c's app and returns its verdict. An error means the
	// question could not even be put (a bug, not the app's failure to answer).
	Ask(ctx context.Context, c Caller, ev Event) (Verdict, error)
	// Record writes a change event into tx, so that it commits or rolls back with the
	// change it reports, and is delivered at least once after the commit.
	Record(ctx context.Context, tx Tx, c Caller, ev Event) error
	// Committed tells the adapter that transactions with recorded events have committed.
	Committed()
}

// Live hears, once it has committed, every change a connected client may be told of:
// messages sent (stored or online only), tips, recalls and modifications, system
// notifications, and members joining or leaving and groups destroyed. Events that are
// stored carry their Seq, so that a listener can read them back from the store. A nil
// Live is valid in the rules.
type Live interface {
	// Publish hands over an event after the operation that made it has committed. It
	// must not block: the sender's request waits for it.
	Publish(c Caller, ev Event)
}

// Presence tells which accounts have a connection open (an event stream), and ends
// them. A nil Presence is valid in the rules: nobody is connected.
type Presence interface {
	// Online reports which of accounts of app are connected.
	Online(app uint64, accounts []string) map[string]bool
	// Kick ends every connection of account and refuses the UserSigs issued at or before
	// at (unix seconds) for a while.
	Kick(app uint64, account string, at int64)
}
