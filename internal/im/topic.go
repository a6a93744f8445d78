package im

import "strings"

// TopicInfix joins a Community's GroupId and the rest of a topic ID: every topic ID is
// GroupId + TopicInfix + a suffix (Tencent's "Custom Topic IDs").
const TopicInfix = "@TOPIC#_"

// Topic is a topic of a Community: a stream of messages of its own, with its own MsgSeq,
// inside the Community's membership.
type Topic struct {
	App           uint64
	Group         string // the Community's ID
	ID            string // Group + TopicInfix + suffix
	Name          string
	FaceURL       string
	Notification  string
	Introduction  string
	CustomString  string
	CreateTime    int64 // unix seconds
	LastMsgTime   int64 // unix seconds of the last stored message; 0 for none
	NextMsgSeq    int64 // sequence number the next message will get; 1 for a new topic
	MuteAllMember bool
}

// SplitStream returns the group and the topic ("" for none) of a message stream's ID:
// a group's own stream has the group's ID, a topic's stream the topic's ID. No group ID
// contains TopicInfix (a Community's custom ID may not, and minted IDs cannot).
func SplitStream(stream string) (group, topic string) {
	if i := strings.Index(stream, TopicInfix); i > 0 {
		return stream[:i], stream
	}
	return stream, ""
}
