package webhook

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/timdhq/timd/internal/im"
)

// Callback commands timd sends.
const (
	BeforeCreateGroup       = "Group.CallbackBeforeCreateGroup"
	BeforeInviteJoinGroup   = "Group.CallbackBeforeInviteJoinGroup"
	AfterCreateGroup        = "Group.CallbackAfterCreateGroup"
	AfterNewMemberJoin      = "Group.CallbackAfterNewMemberJoin"
	AfterMemberExit         = "Group.CallbackAfterMemberExit"
	AfterGroupDestroyed     = "Group.CallbackAfterGroupDestroyed"
	AfterGroupInfoChanged   = "Group.CallbackAfterGroupInfoChanged"
	AfterMemberFieldChanged = "Group.CallbackAfterMemberFieldChanged"
	AfterChangeGroupOwner   = "Group.CallbackAfterChangeGroupOwner"
	AfterGroupFull          = "Group.CallbackAfterGroupFull"
	BeforeSendMsg           = "Group.CallbackBeforeSendMsg"
	AfterSendMsg            = "Group.CallbackAfterSendMsg"
	AfterRecallMsg          = "Group.CallbackAfterRecallMsg"
	BeforeCreateTopic       = "Group.CallbackBeforeCreateTopic"
	AfterCreateTopic        = "Group.CallbackAfterCreateTopic"
	AfterTopicInfoChanged   = "Group.CallbackAfterTopicInfoChanged"
	AfterTopicDestroyed     = "Group.CallbackAfterTopicDestroyed"
)

// Commands returns every CallbackCommand timd sends, before-callbacks first.
func Commands() []string {
	return []string{
		BeforeCreateGroup, BeforeInviteJoinGroup, BeforeSendMsg, BeforeCreateTopic, AfterCreateGroup, AfterNewMemberJoin,
		AfterMemberExit, AfterGroupDestroyed, AfterGroupInfoChanged, AfterMemberFieldChanged, AfterChangeGroupOwner,
		AfterGroupFull, AfterSendMsg, AfterRecallMsg, AfterCreateTopic, AfterTopicInfoChanged, AfterTopicDestroyed,
	}
}

// Known reports whether timd sends callback command.
func Known(command string) bool { return slices.Contains(Commands(), command) }

// Account is a {"Member_Account": ...} entry of a callback body.
type Account struct {
	MemberAccount string `json:"Member_Account"`
}

// Accounts wraps account IDs for a callback body.
func Accounts(ids []string) []Account {
	out := make([]Account, len(ids))
	for i, id := range ids {
		out[i] = Account{MemberAccount: id}
	}
	return out
}

// KV is a custom-field entry of a callback body.
type KV struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Head starts every callback body: the command again, and the event time in unix
// milliseconds as a JSON number (docs/compatibility.md §7).
type Head struct {
	CallbackCommand string `json:"CallbackCommand"`
	EventTime       int64  `json:"EventTime"`
}

// BeforeCreateGroupBody is the body of Group.CallbackBeforeCreateGroup.
type BeforeCreateGroupBody struct {
	Head
	OperatorAccount string    `json:"Operator_Account"`
	OwnerAccount    string    `json:"Owner_Account"`
	Type            string    `json:"Type"`
	Name            string    `json:"Name"`
	CreateGroupNum  int       `json:"CreateGroupNum"` // groups of this type the owner already owns
	MemberList      []Account `json:"MemberList"`
}

// BeforeInviteJoinGroupBody is the body of Group.CallbackBeforeInviteJoinGroup.
type BeforeInviteJoinGroupBody struct {
	Head
	GroupID            string    `json:"GroupId"`
	Type               string    `json:"Type"`
	OperatorAccount    string    `json:"Operator_Account"`
	DestinationMembers []Account `json:"DestinationMembers"`
}

// AfterCreateGroupBody is the body of Group.CallbackAfterCreateGroup.
type AfterCreateGroupBody struct {
	Head
	GroupID             string    `json:"GroupId"`
	OperatorAccount     string    `json:"Operator_Account"`
	OwnerAccount        string    `json:"Owner_Account"`
	Type                string    `json:"Type"`
	Name                string    `json:"Name"`
	MemberList          []Account `json:"MemberList"`
	UserDefinedDataList []KV      `json:"UserDefinedDataList"`
}

// AfterNewMemberJoinBody is the body of Group.CallbackAfterNewMemberJoin.
type AfterNewMemberJoinBody struct {
	Head
	GroupID         string    `json:"GroupId"`
	Type            string    `json:"Type"`
	JoinType        string    `json:"JoinType"` // "Invited" for add_group_member
	OperatorAccount string    `json:"Operator_Account"`
	NewMemberList   []Account `json:"NewMemberList"`
}

// AfterMemberExitBody is the body of Group.CallbackAfterMemberExit.
type AfterMemberExitBody struct {
	Head
	GroupID         string    `json:"GroupId"`
	Type            string    `json:"Type"`
	ExitType        string    `json:"ExitType"` // "Kicked" for delete_group_member
	OperatorAccount string    `json:"Operator_Account"`
	ExitMemberList  []Account `json:"ExitMemberList"`
}

// AfterGroupDestroyedBody is the body of Group.CallbackAfterGroupDestroyed.
type AfterGroupDestroyedBody struct {
	Head
	GroupID      string    `json:"GroupId"`
	Type         string    `json:"Type"`
	OwnerAccount string    `json:"Owner_Account"`
	Name         string    `json:"Name"`
	MemberList   []Account `json:"MemberList"`
}

// AfterGroupInfoChangedBody is the body of Group.CallbackAfterGroupInfoChanged; only the
// changed texts appear.
type AfterGroupInfoChangedBody struct {
	Head
	GroupID         string  `json:"GroupId"`
	Type            string  `json:"Type"`
	OperatorAccount string  `json:"Operator_Account"`
	Name            *string `json:"Name,omitempty"`
	Introduction    *string `json:"Introduction,omitempty"`
	Notification    *string `json:"Notification,omitempty"`
	FaceURL         *string `json:"FaceUrl,omitempty"`
}

// AfterMemberFieldChangedBody is the body of Group.CallbackAfterMemberFieldChanged:
// one per successful modify_group_member_info, with every changed field. The target is
// named both Member_Account and Modified_Account (docs/compatibility.md §5).
type AfterMemberFieldChangedBody struct {
	Head
	GroupID              string  `json:"GroupId"`
	Type                 string  `json:"Type"`
	OperatorAccount      string  `json:"Operator_Account"`
	MemberAccount        string  `json:"Member_Account"`
	ModifiedAccount      string  `json:"Modified_Account"`
	Role                 *string `json:"Role,omitempty"`
	NameCard             *string `json:"NameCard,omitempty"`
	MuteTime             *int64  `json:"MuteTime,omitempty"`
	AppMemberDefinedData []KV    `json:"AppMemberDefinedData,omitempty"`
}

// SendMsgBody is the body of Group.CallbackBeforeSendMsg, and the start of
// Group.CallbackAfterSendMsg's.
type SendMsgBody struct {
	Head
	GroupID         string          `json:"GroupId"`
	Type            string          `json:"Type"`
	FromAccount     string          `json:"From_Account"`
	OperatorAccount string          `json:"Operator_Account"`
	Random          uint32          `json:"Random"`
	OnlineOnlyFlag  int             `json:"OnlineOnlyFlag"`
	MsgBody         json.RawMessage `json:"MsgBody"`
	CloudCustomData string          `json:"CloudCustomData"`
	OfflinePushInfo json.RawMessage `json:"OfflinePushInfo,omitempty"`
	ToAccount       []string        `json:"To_Account,omitempty"`
	TopicID         string          `json:"TopicId,omitempty"` // a message of a Community topic
}

// AfterSendMsgBody is the body of Group.CallbackAfterSendMsg: the message as stored,
// with its MsgSeq (0 for a message not stored) and MsgTime.
type AfterSendMsgBody struct {
	SendMsgBody
	MsgSeq      int64    `json:"MsgSeq"`
	MsgTime     int64    `json:"MsgTime"`
	GroupAtInfo []AtItem `json:"GroupAtInfo,omitempty"`
}

// AtItem is one GroupAtInfo entry.
type AtItem struct {
	GroupAtAllFlag int    `json:"GroupAtAllFlag"`
	GroupAtAccount string `json:"GroupAt_Account"`
}

// AfterRecallMsgBody is the body of Group.CallbackAfterRecallMsg.
type AfterRecallMsgBody struct {
	Head
	GroupID         string       `json:"GroupId"`
	Type            string       `json:"Type"`
	OperatorAccount string       `json:"Operator_Account"`
	MsgSeqList      []MsgSeqItem `json:"MsgSeqList"`
	TopicID         string       `json:"TopicId,omitempty"` // messages of a Community topic
}

// BeforeCreateTopicBody is the body of Group.CallbackBeforeCreateTopic: Tencent's
// sample, with the Community's GroupId besides.
type BeforeCreateTopicBody struct {
	Head
	GroupID         string `json:"GroupId"`
	OperatorAccount string `json:"Operator_Account"`
	Type            string `json:"Type"`
	Name            string `json:"Name"` // the topic's
}

// AfterCreateTopicBody is the body of Group.CallbackAfterCreateTopic.
type AfterCreateTopicBody struct {
	Head
	GroupID             string `json:"GroupId"`
	TopicID             string `json:"TopicId"`
	OperatorAccount     string `json:"Operator_Account"`
	OwnerAccount        string `json:"Owner_Account"` // the Community's owner
	Type                string `json:"Type"`
	Name                string `json:"Name"` // the topic's
	UserDefinedDataList []KV   `json:"UserDefinedDataList"`
}

// AfterTopicInfoChangedBody is the body of Group.CallbackAfterTopicInfoChanged; only the
// changed texts appear. TopicId is timd's addition: Tencent's sample names no topic.
type AfterTopicInfoChangedBody struct {
	Head
	GroupID         string  `json:"GroupId"`
	TopicID         string  `json:"TopicId"`
	Type            string  `json:"Type"`
	OperatorAccount string  `json:"Operator_Account"`
	Name            *string `json:"Name,omitempty"`
	Introduction    *string `json:"Introduction,omitempty"`
	Notification    *string `json:"Notification,omitempty"`
	FaceURL         *string `json:"FaceUrl,omitempty"`
}

// AfterTopicDestroyedBody is the body of Group.CallbackAfterTopicDestroyed.
type AfterTopicDestroyedBody struct {
	Head
	GroupID     string   `json:"GroupId"`
	Type        string   `json:"Type"`
	TopicIDList []string `json:"TopicIdList"`
}

// MsgSeqItem is a {"MsgSeq": n} entry.
type MsgSeqItem struct {
	MsgSeq int64 `json:"MsgSeq"`
}

// AfterChangeGroupOwnerBody is the body of Group.CallbackAfterChangeGroupOwner.
type AfterChangeGroupOwnerBody struct {
	Head
	GroupID         string `json:"GroupId"`
	Type            string `json:"Type"`
	OperatorAccount string `json:"Operator_Account"`
	OldOwnerAccount string `json:"OldOwner_Account"`
	NewOwnerAccount string `json:"NewOwner_Account"`
}

// AfterGroupFullBody is the body of Group.CallbackAfterGroupFull.
type AfterGroupFullBody struct {
	Head
	GroupID string `json:"GroupId"`
}

// commands maps each event of the rules to its CallbackCommand.
var commands = map[im.EventKind]string{
	im.KindCreatingGroup:      BeforeCreateGroup,
	im.KindInvitingMembers:    BeforeInviteJoinGroup,
	im.KindGroupCreated:       AfterCreateGroup,
	im.KindMembersJoined:      AfterNewMemberJoin,
	im.KindMembersLeft:        AfterMemberExit,
	im.KindGroupDestroyed:     AfterGroupDestroyed,
	im.KindGroupInfoChanged:   AfterGroupInfoChanged,
	im.KindMemberFieldChanged: AfterMemberFieldChanged,
	im.KindOwnerChanged:       AfterChangeGroupOwner,
	im.KindGroupFull:          AfterGroupFull,
	im.KindSendingMessage:     BeforeSendMsg,
	im.KindMessageSent:        AfterSendMsg,
	im.KindMessagesRecalled:   AfterRecallMsg,
	im.KindCreatingTopic:      BeforeCreateTopic,
	im.KindTopicCreated:       AfterCreateTopic,
	im.KindTopicInfoChanged:   AfterTopicInfoChanged,
	im.KindTopicsDestroyed:    AfterTopicDestroyed,
}

// CommandOf returns the CallbackCommand of events of kind, or "" for none.
func CommandOf(kind im.EventKind) string { return commands[kind] }

// head starts the body of ev's callback.
func head(ev im.Event) Head {
	return Head{CallbackCommand: CommandOf(ev.Kind()), EventTime: ev.Head().Time}
}

// kvs renders custom-field entries.
func kvs(in []im.KV) []KV {
	if len(in) == 0 {
		return nil
	}
	out := make([]KV, len(in))
	for i, e := range in {
		out[i] = KV{Key: e.Key, Value: e.Value}
	}
	return out
}

// sortedKVs renders custom data sorted by key.
func sortedKVs(data map[string]string) []KV {
	out := make([]KV, 0, len(data))
	for k, v := range data {
		out = append(out, KV{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b KV) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// bodyOf returns the callback body of ev, or nil for an event with no callback.
func bodyOf(ev im.Event) any {
	h, g := head(ev), ev.Head().Group
	switch e := ev.(type) {
	case im.CreatingGroup:
		return BeforeCreateGroupBody{
			Head: h, OperatorAccount: e.Operator, OwnerAccount: g.Owner, Type: string(g.Type),
			Name: g.Name, CreateGroupNum: e.OwnedOfType, MemberList: Accounts(e.Members),
		}
	case im.InvitingMembers:
		return BeforeInviteJoinGroupBody{
			Head: h, GroupID: g.ID, Type: string(g.Type), OperatorAccount: e.Operator,
			DestinationMembers: Accounts(e.Accounts),
		}
	case im.GroupCreated:
		return AfterCreateGroupBody{
			Head: h, GroupID: g.ID, OperatorAccount: e.Operator, OwnerAccount: g.Owner,
			Type: string(g.Type), Name: g.Name, MemberList: Accounts(e.Members),
			UserDefinedDataList: sortedKVs(g.AppData),
		}
	case im.MembersJoined:
		return AfterNewMemberJoinBody{
			Head: h, GroupID: g.ID, Type: string(g.Type), JoinType: e.JoinType,
			OperatorAccount: e.Operator, NewMemberList: Accounts(e.Accounts),
		}
	case im.MembersLeft:
		return AfterMemberExitBody{
			Head: h, GroupID: g.ID, Type: string(g.Type), ExitType: e.ExitType,
			OperatorAccount: e.Operator, ExitMemberList: Accounts(e.Accounts),
		}
	case im.GroupDestroyed:
		return AfterGroupDestroyedBody{
			Head: h, GroupID: g.ID, Type: string(g.Type), OwnerAccount: g.Owner,
			Name: g.Name, MemberList: Accounts(e.Members),
		}
	case im.GroupInfoChanged:
		return AfterGroupInfoChangedBody{
			Head: h, GroupID: g.ID, Type: string(g.Type), OperatorAccount: e.Operator,
			Name: e.Name, Introduction: e.Introduction, Notification: e.Notification, FaceURL: e.FaceURL,
		}
	case im.MemberFieldChanged:
		b := AfterMemberFieldChangedBody{
			Head: h, GroupID: g.ID, Type: string(g.Type), OperatorAccount: e.Operator,
			MemberAccount: e.Account, ModifiedAccount: e.Account, NameCard: e.NameCard, MuteTime: e.MuteTime,
			AppMemberDefinedData: kvs(e.AppData),
		}
		if e.Role != "" {
			role := string(e.Role)
			b.Role = &role
		}
		return b
	case im.OwnerChanged:
		return AfterChangeGroupOwnerBody{
			Head: h, GroupID: g.ID, Type: string(g.Type), OperatorAccount: e.Operator,
			OldOwnerAccount: e.OldOwner, NewOwnerAccount: e.NewOwner,
		}
	case im.GroupFull:
		return AfterGroupFullBody{Head: h, GroupID: g.ID}
	case im.SendingMessage:
		return sendMsgBody(h, g, e.Operator, e.Msg)
	case im.MessageSent:
		b := sendMsgBody(h, g, e.Operator, e.Msg)
		return AfterSendMsgBody{SendMsgBody: b, MsgSeq: e.Msg.Seq, MsgTime: e.Msg.Time, GroupAtInfo: atInfo(e.Msg.At)}
	case im.MessagesRecalled:
		list := make([]MsgSeqItem, len(e.Seqs))
		for i, seq := range e.Seqs {
			list[i] = MsgSeqItem{MsgSeq: seq}
		}
		return AfterRecallMsgBody{Head: h, GroupID: g.ID, Type: string(g.Type), OperatorAccount: e.Operator, MsgSeqList: list, TopicID: e.Topic}
	}
	return topicBody(h, g, ev)
}

// topicBody returns the callback body of a topic event, or nil for another event.
func topicBody(h Head, g im.Group, ev im.Event) any {
	switch e := ev.(type) {
	case im.CreatingTopic:
		return BeforeCreateTopicBody{Head: h, GroupID: g.ID, OperatorAccount: e.Operator, Type: string(g.Type), Name: e.Topic.Name}
	case im.TopicCreated:
		return AfterCreateTopicBody{
			Head: h, GroupID: g.ID, TopicID: e.Topic.ID, OperatorAccount: e.Operator, OwnerAccount: g.Owner,
			Type: string(g.Type), Name: e.Topic.Name, UserDefinedDataList: []KV{},
		}
	case im.TopicInfoChanged:
		return AfterTopicInfoChangedBody{
			Head: h, GroupID: g.ID, TopicID: e.Topic, Type: string(g.Type), OperatorAccount: e.Operator,
			Name: e.Name, Introduction: e.Introduction, Notification: e.Notification, FaceURL: e.FaceURL,
		}
	case im.TopicsDestroyed:
		return AfterTopicDestroyedBody{Head: h, GroupID: g.ID, Type: string(g.Type), TopicIDList: e.Topics}
	}
	return nil
}

// sendMsgBody renders the fields both message callbacks carry.
func sendMsgBody(h Head, g im.Group, operator string, m im.Outgoing) SendMsgBody {
	b := SendMsgBody{
		Head: h, GroupID: g.ID, Type: string(g.Type), FromAccount: m.From, OperatorAccount: operator,
		Random: m.Random, MsgBody: json.RawMessage(m.Body), CloudCustomData: m.CloudCustomData,
		OfflinePushInfo: json.RawMessage(m.OfflinePush), ToAccount: m.To, TopicID: m.Topic,
	}
	if m.OnlineOnly {
		b.OnlineOnlyFlag = 1
	}
	return b
}

// atInfo renders mentions.
func atInfo(in []im.AtInfo) []AtItem {
	out := make([]AtItem, len(in))
	for i, a := range in {
		out[i] = AtItem{GroupAtAccount: a.Account}
		if a.All {
			out[i].GroupAtAllFlag = 1
		}
	}
	return out
}
