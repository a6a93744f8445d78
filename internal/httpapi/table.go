package httpapi

// Services of the REST API.
const (
	svcGroup   = "group_open_http_svc"
	svcAccount = "im_open_login_svc"
	svcOpenIM  = "openim"
	svcConfig  = "openconfigsvr"
	// svcAttr serves get_group_attr only; the other attribute commands are svcGroup's.
	svcAttr = "group_open_attr_http_svc"
	// svcMillion serves the Community commands: topics (but import_topic, svcGroup's) and
	// a Community's get_online_member_num.
	svcMillion = "million_group_open_http_svc"
	// svcProfile serves the profile commands.
	svcProfile = "profile"
)

// commandTable is the one table of every REST command timd serves.
func (a *API) commandTable() map[string]map[string]*command {
	t := map[string]map[string]*command{svcGroup: {}, svcAccount: {}, svcOpenIM: {}, svcConfig: {}, svcAttr: {}, svcMillion: {}, svcProfile: {}}
	add := func(service, word string, h *command) {
		h.name, h.word = service+"/"+word, word
		t[service][word] = h
	}
	add(svcAccount, "account_import", handler(a.accountImport))
	add(svcAccount, "multiaccount_import", handler(a.multiAccountImport))
	add(svcAccount, "account_check", handler(a.accountCheck))
	add(svcAccount, "account_delete", handler(a.accountDelete))
	add(svcAccount, "kick", handler(a.kick))
	add(svcOpenIM, "query_online_status", handler(a.queryOnlineStatus))
	add(svcOpenIM, "querystate", renamed(handler(a.queryOnlineStatus), "query_online_status"))
	add(svcProfile, "portrait_set", handler(a.portraitSet))
	add(svcProfile, "portrait_get", handler(a.portraitGet))

	add(svcGroup, "create_group", handler(a.createGroup))
	add(svcGroup, "destroy_group", handler(a.destroyGroup))
	add(svcGroup, "add_group_member", handler(a.addGroupMember))
	add(svcGroup, "delete_group_member", handler(a.deleteGroupMember))
	add(svcGroup, "get_group_member_info", handler(a.getGroupMemberInfo))
	add(svcGroup, "modify_group_member_info", handler(a.modifyGroupMemberInfo))
	add(svcGroup, "forbid_send_msg", handler(a.forbidSendMsg))
	add(svcGroup, "get_group_muted_account", handler(a.getGroupMutedAccount))
	add(svcGroup, "get_group_shutted_uin", renamed(handler(a.getGroupShuttedUin), "get_group_muted_account"))
	add(svcGroup, "get_group_info", handler(a.getGroupInfo))
	add(svcGroup, "modify_group_base_info", handler(a.modifyGroupBaseInfo))
	add(svcGroup, "change_group_owner", handler(a.changeGroupOwner))
	add(svcGroup, "get_role_in_group", handler(a.getRoleInGroup))
	add(svcGroup, "get_joined_group_list", handler(a.getJoinedGroupList))
	add(svcGroup, "get_appid_group_list", handler(a.getAppIDGroupList))
	add(svcGroup, "import_group", handler(a.importGroup))
	add(svcGroup, "import_group_member", handler(a.importGroupMember))
	add(svcGroup, "set_unread_msg_num", handler(a.setUnreadMsgNum))
	add(svcGroup, "get_specified_group_member_info", handler(a.getSpecifiedGroupMemberInfo))

	add(svcGroup, "send_group_msg", handler(a.sendGroupMsg))
	add(svcGroup, "send_group_system_notification", handler(a.sendGroupSystemNotification))
	add(svcGroup, "group_msg_get_simple", handler(a.groupMsgGetSimple))
	add(svcGroup, "group_msg_recall", handler(a.groupMsgRecall))
	add(svcGroup, "delete_group_msg_by_sender", handler(a.deleteGroupMsgBySender))
	add(svcGroup, "import_group_msg", handler(a.importGroupMsg))
	add(svcOpenIM, "modify_group_msg", handler(a.modifyGroupMsg))
	add(svcConfig, "setnospeaking", handler(a.setNoSpeaking))
	add(svcConfig, "getnospeaking", handler(a.getNoSpeaking))

	add(svcAttr, "get_group_attr", handler(a.getGroupAttr))
	add(svcGroup, "modify_group_attr", handler(a.modifyGroupAttr))
	add(svcGroup, "set_group_attr", handler(a.setGroupAttr))
	add(svcGroup, "clear_group_attr", handler(a.clearGroupAttr))
	add(svcGroup, "get_group_counter", handler(a.getGroupCounter))
	add(svcGroup, "update_group_counter", handler(a.updateGroupCounter))
	add(svcGroup, "delete_group_counter", handler(a.deleteGroupCounter))
	add(svcGroup, "ban_group_member", handler(a.banGroupMember))
	add(svcGroup, "unban_group_member", handler(a.unbanGroupMember))
	add(svcGroup, "get_group_ban_member", handler(a.getGroupBanMember))
	add(svcGroup, "get_online_member_num", handler(a.getOnlineMemberNum))
	add(svcMillion, "get_online_member_num", handler(a.getCommunityOnlineMemberNum))
	add(svcGroup, "send_broadcast_msg", handler(a.sendBroadcastMsg))
	add(svcMillion, "create_topic", handler(a.createTopic))
	add(svcMillion, "get_topic", handler(a.getTopic))
	add(svcMillion, "modify_topic", handler(a.modifyTopic))
	add(svcMillion, "destroy_topic", handler(a.destroyTopic))
	add(svcGroup, "import_topic", handler(a.importTopic))
	add(svcGroup, "group_msg_receipt", handler(a.groupMsgReceipt))
	add(svcGroup, "get_group_msg_receipt", handler(a.getGroupMsgReceipt))
	add(svcGroup, "get_group_msg_receipt_detail", handler(a.getGroupMsgReceiptDetail))
	return t
}

// Commands returns the name of every command of the table, "service/command".
func Commands() []string {
	var out []string
	for _, cmds := range (&API{}).commandTable() {
		for _, c := range cmds {
			out = append(out, c.name)
		}
	}
	return out
}
