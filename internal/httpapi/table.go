package httpapi

// Services of the REST API.
const (
	svcGroup   = "group_open_http_svc"
	svcAccount = "im_open_login_svc"
)

// commandTable is the one table of every REST command timd serves.
func (a *API) commandTable() map[string]map[string]*command {
	t := map[string]map[string]*command{svcGroup: {}, svcAccount: {}}
	add := func(service, word string, h *command) {
		h.name, h.word = service+"/"+word, word
		t[service][word] = h
	}
	add(svcAccount, "account_import", &command{handle: handler(a.accountImport)})
	add(svcAccount, "multiaccount_import", &command{handle: handler(a.multiAccountImport)})
	add(svcAccount, "account_check", &command{handle: handler(a.accountCheck)})
	add(svcAccount, "account_delete", &command{handle: handler(a.accountDelete)})

	add(svcGroup, "create_group", &command{handle: handler(a.createGroup)})
	add(svcGroup, "destroy_group", &command{handle: handler(a.destroyGroup)})
	add(svcGroup, "add_group_member", &command{handle: handler(a.addGroupMember)})
	add(svcGroup, "delete_group_member", &command{handle: handler(a.deleteGroupMember)})
	add(svcGroup, "get_group_member_info", &command{handle: handler(a.getGroupMemberInfo)})
	add(svcGroup, "modify_group_member_info", &command{handle: handler(a.modifyGroupMemberInfo)})
	add(svcGroup, "forbid_send_msg", &command{handle: handler(a.forbidSendMsg)})
	add(svcGroup, "get_group_muted_account", &command{handle: handler(a.getGroupMutedAccount)})
	add(svcGroup, "get_group_shutted_uin", &command{handle: handler(a.getGroupShuttedUin)})
	return t
}
