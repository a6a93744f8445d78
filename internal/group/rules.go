package group

import "github.com/timdhq/timd/internal/im"

// Op is an operation on a group that the permission matrix rules on.
type Op string

// Operations of the permission matrix.
const (
	OpModifyMember Op = "modify member"    // any modify_group_member_info
	OpSetRole      Op = "set role"         // Role in modify_group_member_info
	OpMute         Op = "mute"             // MuteTime in modify_group_member_info, forbid_send_msg
	OpAddMember    Op = "add member"       // add_group_member, create_group MemberList
	OpDeleteMember Op = "delete member"    // delete_group_member
	OpListMembers  Op = "list members"     // get_group_member_info and friends
	OpChangeOwner  Op = "change owner"     // change_group_owner
	OpGetRole      Op = "get role"         // get_role_in_group
	OpImport       Op = "import"           // import_group, import_group_member
	OpSetAdminRole Op = "create with role" // Role Admin given in create_group MemberList
	OpHistory      Op = "history"          // group_msg_get_simple, recall, import and modify of messages
	OpWriteAttrs   Op = "write attributes" // modify_group_attr, set_group_attr
	OpClearAttrs   Op = "clear attributes" // clear_group_attr
	OpCounters     Op = "counters"         // get_group_counter, update_group_counter, delete_group_counter
	OpBan          Op = "ban"              // ban_group_member, unban_group_member, get_group_ban_member
)

// rule denies op on groups of a type (any type when Type is "") for targets of a role (any
// target when Target is "").
type rule struct {
	Type   im.GroupType
	Op     Op
	Target im.Role
	Code   im.Code
	Info   string
}

// matrix is the permission matrix of the group system for an app admin, who holds every
// owner power in every group: what each group type does not support, and which targets
// an operation may not touch. The first matching rule wins; no match means allowed.
// Sources: Tencent's group-type and command pages (docs/compatibility.md, Sources) and
// docs/compatibility.md §5 and §6.
var matrix = []rule{
	{Type: im.TypeAVChatRoom, Op: OpModifyMember, Code: im.CodeNotAllowed, Info: "AVChatRoom groups do not keep member profiles"},
	// docs/compatibility.md §5 row 8 comes before row 9: an owner target is a bad parameter in any type.
	{Op: OpSetRole, Target: im.RoleOwner, Code: im.CodeInvalidParam, Info: "the owner's Role changes only through change_group_owner"},
	{Type: im.TypePrivate, Op: OpSetRole, Code: im.CodeNotAllowed, Info: "Private (Work) groups have no admins"},
	{Type: im.TypePrivate, Op: OpSetAdminRole, Code: im.CodeNotAllowed, Info: "Private (Work) groups have no admins"},
	{Type: im.TypePrivate, Op: OpMute, Code: im.CodeNotAllowed, Info: "Private (Work) groups do not support muting"},
	{Op: OpMute, Target: im.RoleOwner, Code: im.CodeNotAllowed, Info: "the group owner cannot be muted"},
	{Type: im.TypeAVChatRoom, Op: OpAddMember, Code: im.CodeNotAllowed, Info: "members join an AVChatRoom only by applying"},
	{Type: im.TypeAVChatRoom, Op: OpSetAdminRole, Code: im.CodeNotAllowed, Info: "members join an AVChatRoom only by applying"},
	{Type: im.TypeAVChatRoom, Op: OpDeleteMember, Code: im.CodeInvalidParam, Info: "members cannot be removed from an AVChatRoom; mute them instead"},
	{Op: OpDeleteMember, Target: im.RoleOwner, Code: im.CodeInvalidParam, Info: "the group owner cannot be removed"},
	{Type: im.TypeAVChatRoom, Op: OpListMembers, Code: im.CodeNotAllowed, Info: "AVChatRoom groups do not keep a member list"},
	{Type: im.TypeAVChatRoom, Op: OpChangeOwner, Code: im.CodeNotAllowed, Info: "AVChatRoom ownership cannot be transferred"},
	{Type: im.TypeAVChatRoom, Op: OpGetRole, Code: im.CodeNotAllowed, Info: "AVChatRoom groups do not keep member roles"},
	{Type: im.TypeAVChatRoom, Op: OpImport, Code: im.CodeNotAllowed, Info: "AVChatRoom groups cannot be imported"},
	{Type: im.TypeAVChatRoom, Op: OpHistory, Code: im.CodeNotAllowed, Info: "AVChatRoom groups keep no message history"},
	{Type: im.TypePrivate, Op: OpBan, Code: im.CodeNotAllowed, Info: "only AVChatRoom members can be banned"},
	{Type: im.TypePublic, Op: OpBan, Code: im.CodeNotAllowed, Info: "only AVChatRoom members can be banned"},
	{Type: im.TypeChatRoom, Op: OpBan, Code: im.CodeNotAllowed, Info: "only AVChatRoom members can be banned"},
	{Type: im.TypeCommunity, Op: OpBan, Code: im.CodeNotAllowed, Info: "only AVChatRoom members can be banned"},
	{Op: OpBan, Target: im.RoleOwner, Code: im.CodeNotAllowed, Info: "the group owner cannot be banned"},
	{Type: im.TypeCommunity, Op: OpCounters, Code: im.CodeNotAllowed, Info: "Community groups have no group counters"},
	{Type: im.TypeCommunity, Op: OpClearAttrs, Code: im.CodeNotAllowed, Info: "a Community's attributes cannot be cleared; use set_group_attr"},
}

// allow returns nil if op is allowed on a group of type t against a target of role
// target ("" when the operation has no target or it is not yet known), or the coded
// error of the first matrix rule that denies it.
func allow(t im.GroupType, op Op, target im.Role) error {
	for _, r := range matrix {
		if r.Op != op || (r.Type != "" && r.Type != t) || (r.Target != "" && r.Target != target) {
			continue
		}
		return im.Errorf(r.Code, "%s", r.Info)
	}
	return nil
}
