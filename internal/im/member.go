package im

// Role is a member's role in a group.
type Role string

// Member roles. RoleNotMember appears only in get_role_in_group answers.
const (
	RoleOwner     Role = "Owner"
	RoleAdmin     Role = "Admin"
	RoleMember    Role = "Member"
	RoleNotMember Role = "NotMember"
)

// MsgFlag is a member's message receive option.
type MsgFlag string

// The message receive options Tencent documents.
const (
	MsgAcceptAndNotify         MsgFlag = "AcceptAndNotify"
	MsgAcceptNotNotify         MsgFlag = "AcceptNotNotify"
	MsgDiscard                 MsgFlag = "Discard"
	MsgAcceptNotNotifyExceptAt MsgFlag = "AcceptNotNotifyExceptAt"
)

// ValidMsgFlag reports whether f is one of the documented options.
func ValidMsgFlag(f MsgFlag) bool {
	switch f {
	case MsgAcceptAndNotify, MsgAcceptNotNotify, MsgDiscard, MsgAcceptNotNotifyExceptAt:
		return true
	}
	return false
}

// MuteForever is the MuteTime, and the stored mute end, that means muted with no end.
const MuteForever = 4294967295

// Member is one account's membership of a group.
type Member struct {
	Group           string // group ID
	Account         string
	Role            Role
	JoinTime        int64 // unix seconds
	MsgSeq          int64 // the member's read sequence
	MsgFlag         MsgFlag
	LastSendMsgTime int64
	NameCard        string
	AppData         map[string]string // member custom fields; nil when none
	UnreadMsgNum    int64

	// MuteUntil is the end of the member's mute (unix seconds, MuteForever for no end,
	// 0 for none), read from the per-(group, account) mute record; writes ignore it.
	MuteUntil int64
	// Seq is the store's join order of the member in its group, filled in by reads.
	Seq int64
}

// MemberQuery selects members of one group, in join order.
type MemberQuery struct {
	Roles    []Role // only these roles; empty means all
	AfterSeq int64  // only members with Seq > AfterSeq
	Offset   int    // skip this many matching members
	Limit    int    // at most this many; 0 means no limit
}

// Mute is a mute record of an account in a group.
type Mute struct {
	Account string
	Until   int64 // unix seconds, or MuteForever
}

// Ban is an AVChatRoom ban: Account may not send to the group (nor join it) until Until.
type Ban struct {
	Account     string
	Until       int64 // unix seconds
	Description string
}
