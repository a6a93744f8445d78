package im

// GroupType is a group type by its REST name.
type GroupType string

// The five group types, by the names REST responses use.
const (
	TypePrivate    GroupType = "Private"    // "Work" in newer SDKs
	TypePublic     GroupType = "Public"     //
	TypeChatRoom   GroupType = "ChatRoom"   // "Meeting" in newer SDKs
	TypeAVChatRoom GroupType = "AVChatRoom" //
	TypeCommunity  GroupType = "Community"  //
)

// GroupTypes lists every group type in a fixed order.
var GroupTypes = []GroupType{TypePrivate, TypePublic, TypeChatRoom, TypeAVChatRoom, TypeCommunity}

// ParseGroupType maps a request's Type to a GroupType. It accepts the REST names and the
// newer names Work (Private) and Meeting (ChatRoom), case-sensitively as Tencent does.
func ParseGroupType(s string) (GroupType, bool) {
	switch s {
	case "Private", "Work":
		return TypePrivate, true
	case "Public":
		return TypePublic, true
	case "ChatRoom", "Meeting":
		return TypeChatRoom, true
	case "AVChatRoom":
		return TypeAVChatRoom, true
	case "Community":
		return TypeCommunity, true
	}
	return "", false
}

// Join and invite options of a group.
const (
	JoinFreeAccess     = "FreeAccess"
	JoinNeedPermission = "NeedPermission"
	JoinDisableApply   = "DisableApply"
	InviteDisable      = "DisableInvite"
)

// Group is a group's base information.
type Group struct {
	App              uint64 // SDKAppID the group belongs to
	ID               string
	Type             GroupType
	Name             string
	Introduction     string
	Notification     string
	FaceURL          string
	Owner            string // owner account; "" for an ownerless group
	CreateTime       int64  // unix seconds
	InfoSeq          int64  // advances with every base-info change
	LastInfoTime     int64  // unix seconds of the last base-info change
	LastMsgTime      int64  // unix seconds of the last message
	NextMsgSeq       int64  // sequence number the next message will get
	MaxMemberNum     int64  // 0 means unlimited (AVChatRoom)
	ApplyJoinOption  string // FreeAccess, NeedPermission or DisableApply
	InviteJoinOption string // FreeAccess, NeedPermission or DisableInvite; may be ""
	MuteAllMember    bool
	AppData          map[string]string // group custom fields; nil when none
	// SupportTopic is set for a Community created with SupportTopic 1: it may hold
	// topics.
	SupportTopic bool

	// MemberNum is the number of members, filled in by reads; writes ignore it.
	MemberNum int64
	// Seq orders the groups of an app by creation: the store assigns it on CreateGroup,
	// increasing, never reused; writes ignore it.
	Seq int64
}

// GroupQuery selects groups of one app, in Seq order.
type GroupQuery struct {
	Type     GroupType // only this type; "" for all
	AfterSeq int64     // only groups with Seq > AfterSeq
	Limit    int       // at most this many; 0 means no limit
}

// Joined is one group an account is a member of, with its membership.
type Joined struct {
	Group Group
	Self  Member
}

// Counter is a group counter: a named signed 64-bit integer of a group.
type Counter struct {
	Key   string
	Value int64
}
