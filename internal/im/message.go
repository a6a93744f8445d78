package im

// MsgPriority is a message's priority, as history reports it: 1 High, 2 Normal, 3 Low.
type MsgPriority int

// The priorities a send may ask for.
const (
	PriorityHigh   MsgPriority = 1
	PriorityNormal MsgPriority = 2
	PriorityLow    MsgPriority = 3
)

// MsgState is what became of a stored message.
type MsgState int

// Message states, numbered as history's IsPlaceMsg reports them.
const (
	MsgNormal   MsgState = 0
	MsgDeleted  MsgState = 1 // deleted or expired: read back without a body
	MsgRecalled MsgState = 2
)

// SystemSender is the From_Account of tips.
const SystemSender = "@TIM#SYSTEM"

// MsgBody is the content of a message. timd does not interpret what people send: Text is
// the MsgBody JSON array exactly as the sender wrote it (stored, measured and answered as
// is), and Types lists its elements' MsgType in order. The adapter that reads a request
// fills Problem with the first reason the body is no valid message (an unknown MsgType, a
// missing required field, two TIMCustomElem); the rules decide when to report it.
type MsgBody struct {
	Text    []byte
	Types   []string
	Problem string
}

// Message is one message of a group's stream, or of one of its topics': a message
// someone sent, or a tip.
type Message struct {
	App   uint64
	Group string
	// Topic is the ID of the Community topic the message belongs to; "" for a message of
	// the group's own stream.
	Topic    string
	Seq      int64 // 1, 2, 3, ... per stream (group or topic), without gaps
	From     string
	Random   uint32
	Priority MsgPriority
	Time     int64  // unix seconds
	Body     []byte // the MsgBody JSON text; nil for a tip or a message without a body
	// CloudCustomData is the sender's custom data, "" for none.
	CloudCustomData string
	// Tip is set for a tip (a group event in the stream): it is then IsSystemMsg.
	Tip *Tip
	// Unread tells whether the message counts as unread for the members who have not
	// read it: not a tip, not sent with SendMsgControl NoUnread.
	Unread bool
	// NeedReceipt tells whether the sender asked for read receipts (NeedReadReceipt 1).
	NeedReceipt bool
	State       MsgState
	// To lists the only members a targeted message is for (To_Account); empty for
	// every member.
	To []string
	// At lists the mentions of the message (GroupAtInfo).
	At []AtInfo
}

// Stream returns the ID of the message's stream: its topic's, or its group's.
func (m Message) Stream() string {
	if m.Topic != "" {
		return m.Topic
	}
	return m.Group
}

// AtInfo is one mention of a message: everyone, or one member.
type AtInfo struct {
	All     bool
	Account string
}

// TipOp is the kind of a tip, numbered as Tencent's clients number group tips.
type TipOp int

// Tip kinds.
const (
	TipJoin             TipOp = 1
	TipInvite           TipOp = 2
	TipQuit             TipOp = 3
	TipKicked           TipOp = 4
	TipSetAdmin         TipOp = 5
	TipCancelAdmin      TipOp = 6
	TipGroupInfoChange  TipOp = 7
	TipMemberInfoChange TipOp = 8
)

// Tip is a group event recorded in the message stream.
type Tip struct {
	Op       TipOp
	Operator string
	Members  []string // the accounts concerned (all kinds but TipGroupInfoChange)
	// InfoChanges lists the changed group fields by their REST names, with new values
	// (TipGroupInfoChange).
	InfoChanges []KV
	// MuteChanges lists the members whose mute changed, with the seconds left (0 for
	// unmuted) (TipMemberInfoChange).
	MuteChanges []MuteChange
}

// MuteChange is one member's new mute in a tip.
type MuteChange struct {
	Account string
	Seconds int64
}

// MessageQuery selects a window of a group's stream, newest first.
type MessageQuery struct {
	MaxSeq int64 // only messages with Seq <= MaxSeq
	Limit  int   // at most this many
}

// NoSpeaking is an account's account-wide mute: the unix times until which it may not
// send one-to-one and group messages (MuteForever for no end, 0 for none).
type NoSpeaking struct {
	C2CUntil   int64
	GroupUntil int64
}

// TipMessage is tip t as the next message of g's stream at now: from SystemSender, not
// unread, with the Seq g hands out next.
func TipMessage(g Group, now int64, t Tip) Message {
	return Message{
		App: g.App, Group: g.ID, Seq: g.NextMsgSeq, From: SystemSender, Priority: PriorityNormal,
		Time: now, Tip: &t,
	}
}

// TipStored reports whether a tip of kind op is kept in the stream of a group of type t,
// as Tencent does by default: member changes in Private, Public and Community groups;
// group info changes in all but AVChatRoom; member info changes (admins, mutes) in
// Private, Public and Community groups. An AVChatRoom keeps none.
func TipStored(t GroupType, op TipOp) bool {
	switch {
	case t == TypeAVChatRoom:
		return false
	case op == TipGroupInfoChange:
		return true
	}
	return t != TypeChatRoom
}
