package im

import "slices"

// App is one SDKAppID served by timd, as the rules of the group system see it.
type App struct {
	SDKAppID     uint64
	Admins       []string // app admin accounts; the only identifiers the REST API accepts
	MemberFields []string // member custom-field keys the app defines (AppMemberDefinedData)
	GroupFields  []string // group custom-field keys the app defines (AppDefinedData)
	// ProfileFields are the custom profile fields the app declares, by keyword: "Test"
	// declares Tag_Profile_Custom_Test.
	ProfileFields []string
	Limits        Limits
	Messages      MessageSettings
	Features      Features
	// Declared are the custom-field keys declared at run time, besides MemberFields and
	// GroupFields (see Field); nil means none. A server sets it before the app serves
	// calls (field.Service.Load) and never replaces it.
	Declared *FieldSet
}

// MessageSettings are an app's message settings (docs/compatibility.md §8).
// DefaultMessageSettings gives the defaults.
type MessageSettings struct {
	// SendRate caps the messages stored per second in one group; more are dropped with
	// MsgDropReason "MsgFreqCtrl". 0 turns the cap off. Default 40.
	SendRate int
	// Retention is how long messages are kept, in seconds: older ones read back as
	// deleted. 0 keeps them forever. Default 7 days.
	Retention int64
	// Tips turns the tips of group and member changes on; default on.
	Tips bool
	// BroadcastRate caps the app's send_broadcast_msg calls per second; more answer
	// 10023. 0 turns the cap off. Default 1.
	BroadcastRate int
}

// Features are the features Tencent sells with its Ultimate edition or turns on with a
// console switch. timd offers each of them, on unless the app's configuration turns it
// off (docs/compatibility.md §10). DefaultFeatures gives the defaults.
type Features struct {
	// GroupCounters serves get_group_counter, update_group_counter and
	// delete_group_counter (Ultimate edition); off, they answer 10059. Default on.
	GroupCounters bool
	// AVChatRoomBan serves ban_group_member, unban_group_member and
	// get_group_ban_member (Ultimate edition and a console switch); off, they answer
	// 10007. Default on.
	AVChatRoomBan bool
	// Broadcast serves send_broadcast_msg (Ultimate edition and a console switch); off,
	// it answers 10007. Default on.
	Broadcast bool
	// MemberOnlineStatus serves get_online_member_num for groups other than AVChatRooms
	// (Ultimate edition and a console switch); off, it answers 10007 for them. Default on.
	MemberOnlineStatus bool
	// Topics serves the Community topics (create_topic, get_topic, modify_topic,
	// destroy_topic, import_topic, and TopicId in the message commands; Ultimate edition
	// and a console switch); off, they answer 11000. Default on.
	Topics bool
	// ReadReceipts serves group read receipts (NeedReadReceipt on send_group_msg,
	// group_msg_receipt, get_group_msg_receipt, get_group_msg_receipt_detail; Ultimate
	// edition and a console switch); off, they answer 10007. Default on.
	ReadReceipts bool
}

// DefaultFeatures returns every feature on.
func DefaultFeatures() Features {
	return Features{GroupCounters: true, AVChatRoomBan: true, Broadcast: true, MemberOnlineStatus: true, Topics: true, ReadReceipts: true}
}

// DefaultMessageSettings returns the message settings Tencent documents as defaults.
func DefaultMessageSettings() MessageSettings {
	return MessageSettings{SendRate: 40, Retention: 7 * 24 * 3600, Tips: true, BroadcastRate: 1}
}

// IsAdmin reports whether identifier is one of the app's admin accounts.
func (a *App) IsAdmin(identifier string) bool { return slices.Contains(a.Admins, identifier) }

// HasMemberField reports whether key is a member custom field the app defines.
func (a *App) HasMemberField(key string) bool {
	return slices.Contains(a.MemberFields, key) || a.Declared.Has(FieldMember, key)
}

// HasGroupField reports whether key is a group custom field the app defines.
func (a *App) HasGroupField(key string) bool {
	return slices.Contains(a.GroupFields, key) || a.Declared.Has(FieldGroup, key)
}

// Limits are the size limits of docs/compatibility.md §4. Every field is configurable per app;
// DefaultLimits gives the defaults.
type Limits struct {
	UserIDMax       int // bytes of a UserID / Member_Account; default 32
	GroupIDMax      int // bytes of a custom GroupId; default 48
	NameMax         int // bytes of a group Name; default 100
	IntroductionMax int // bytes of an Introduction; default 400
	NotificationMax int // bytes of a Notification; default 400
	FaceURLMax      int // bytes of a group FaceUrl; default 500
	NameCardMax     int // bytes of a NameCard; default 50
	MemberFieldsMax int // member custom-field keys an app may define; default 5
	MemberValueMax  int // bytes of a member custom-field value; default 64
	GroupFieldsMax  int // group custom-field keys an app may define; default 10
	GroupValueMax   int // bytes of a group custom-field value; default 512

	AddMemberBatch    int // add_group_member / import_group_member accounts; default 300
	CreateMemberList  int // create_group MemberList entries; default 500
	DeleteMemberBatch int // delete_group_member accounts; default 100
	AccountListBatch  int // forbid_send_msg / get_role_in_group accounts; default 500
	GroupInfoBatch    int // get_group_info GroupIdList entries; default 50
	SpecifiedMembers  int // get_specified_group_member_info accounts; default 50
	MemberPageMax     int // get_group_member_info Limit; default 6000
	ResponseMax       int // bytes of a member list answer before 10018; default 1 MiB

	// MaxMembers is the MaxMemberNum of a new group whose create_group gives none, by
	// type; 0 means unlimited. Defaults: Private 200, Public 2000, ChatRoom 6000,
	// Community 100000, AVChatRoom 0.
	MaxMembers map[GroupType]int64
	// AdminsPerGroup caps the admins of one group; 0 (the default) means unlimited.
	AdminsPerGroup int

	AccountBatch   int // multiaccount_import / account_check / account_delete; default 100
	AccountTextMax int // bytes of an account's Nick or FaceUrl; default 500
	BodyMax        int // bytes of a request body; default 1 MiB

	GroupAttrKeyMax   int // bytes of a group attribute key; default 32
	GroupAttrValueMax int // bytes of a group attribute value; default 4000
	GroupAttrKeys     int // attribute keys one group holds; default 16
	GroupAttrTotalMax int // bytes of all attribute values of one group; default 16000
	// GroupAttrWriteRate caps the attribute writes of one group per second, counted by
	// each process; 0 turns the cap off. Default 5.
	GroupAttrWriteRate int

	GroupCounterKeys   int // counters one group holds, and keys of one update; default 20
	GroupCounterKeyMax int // bytes of a group counter key; default 128

	TopicsPerCommunity int // topics one Community holds (create_topic, import_topic); default 200
	ReceiptMembersMax  int // members of a group whose messages may ask for read receipts; default 200
}

// DefaultLimits returns the limits of docs/compatibility.md §4.
func DefaultLimits() Limits {
	return Limits{
		UserIDMax: 32, GroupIDMax: 48,
		NameMax: 100, IntroductionMax: 400, NotificationMax: 400, FaceURLMax: 500,
		NameCardMax: 50, MemberFieldsMax: 5, MemberValueMax: 64, GroupFieldsMax: 10, GroupValueMax: 512,
		AddMemberBatch: 300, CreateMemberList: 500, DeleteMemberBatch: 100, AccountListBatch: 500,
		GroupInfoBatch: 50, SpecifiedMembers: 50, MemberPageMax: 6000, ResponseMax: 1 << 20,
		MaxMembers: map[GroupType]int64{
			TypePrivate: 200, TypePublic: 2000, TypeChatRoom: 6000, TypeCommunity: 100000, TypeAVChatRoom: 0,
		},
		AccountBatch: 100, AccountTextMax: 500, BodyMax: 1 << 20,
		GroupAttrKeyMax: 32, GroupAttrValueMax: 4000, GroupAttrKeys: 16, GroupAttrTotalMax: 16000, GroupAttrWriteRate: 5,
		GroupCounterKeys: 20, GroupCounterKeyMax: 128,
		TopicsPerCommunity: 200, ReceiptMembersMax: 200,
	}
}

// Caller is who makes a request: an app admin of one app, authenticated by the HTTP layer.
type Caller struct {
	App        *App
	Identifier string // the admin account named in the query
	ClientIP   string // the caller's address, for callbacks
	RequestID  string
}
