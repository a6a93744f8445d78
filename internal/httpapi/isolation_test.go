package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/timdhq/timd/internal/config"
	"github.com/timdhq/timd/internal/im"
	"github.com/timdhq/timd/timtest"
)

// isolationCase is one call by app A's admin naming app B's accounts and groups.
type isolationCase struct {
	name  string
	cmd   string // "service/command"
	body  string
	code  im.Code
	check func(tb testing.TB, answer map[string]any) // more about the answer, if anything
}

// TestIsolationBetweenApps calls every command as the admin of one app (A) with the
// accounts and group IDs of another app (B) of the same server, minted IDs included: A
// must see nothing of B (10010, NotImported, 70107, empty lists), and B's state, read back
// through B's admin, must not change. The calls that succeed create A's own accounts and
// groups under B's names, which B must not see either.
func TestIsolationBetweenApps(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{Configure: func(c *config.Config) {
		withSecondApp(c)
		unlimited(c)
		withFixtureFields(c)
	}})
	a, b := firstAdmin(s), secondAdmin(s)
	seedFixture(t, b)
	r := b.mustOK(t, "group_open_http_svc/create_group", map[string]any{"Type": "Public", "Name": "minted", "Owner_Account": "owner"})
	minted := decodeAnswer(t, r.Raw)["GroupId"].(string)
	stateB := takeSnapshot(t, b)
	if n := len(list(stateB["groups"].(map[string]any)["GroupIdList"])); n != 6 {
		t.Fatalf("app B has %d groups, want the fixture's 5 and one minted", n)
	}

	for _, c := range isolationCases(minted) {
		t.Run(c.cmd[strings.Index(c.cmd, "/")+1:]+"/"+c.name, func(t *testing.T) {
			r := a.post(t, c.cmd, c.body)
			wantAnswer(t, r, http.StatusOK, c.code)
			if c.check != nil {
				c.check(t, decodeAnswer(t, r.Raw))
			}
			if d := diffJSON(stateB, takeSnapshot(t, b)); len(d) > 0 {
				t.Errorf("app B's state changed:\n%s", strings.Join(d, "\n"))
			}
		})
	}

	// What A made under B's names is A's alone.
	info := decodeAnswer(t, a.mustOK(t, "group_open_http_svc/get_group_info", map[string]any{"GroupIdList": []string{"pub", "victim"}}).Raw)
	for _, g := range list(info["GroupInfo"]) {
		if name := g.(map[string]any)["Name"]; name != "A's group" {
			t.Errorf("app A's get_group_info: got Name %v, want A's own group", name)
		}
	}
}

// isolationCases are the calls of TestIsolationBetweenApps, every command at least once:
// first those that must find nothing, then those that succeed in A's own namespace.
func isolationCases(minted string) []isolationCase {
	const login, grp, million = "im_open_login_svc/", "group_open_http_svc/", "million_group_open_http_svc/"
	notFound := im.CodeGroupNotFound
	cases := []isolationCase{
		{name: "B's accounts", cmd: login + "account_check", body: `{"CheckItem":[{"UserID":"owner"},{"UserID":"m1"},{"UserID":"free"}]}`,
			check: wantEach("ResultItem", "AccountStatus", "NotImported")},
		{name: "B's accounts", cmd: login + "account_delete", body: `{"DeleteItem":[{"UserID":"owner"},{"UserID":"free"}]}`,
			check: wantEach("ResultItem", "ResultCode", "70107")},
		{name: "B's groups", cmd: grp + "get_group_info",
			body:  `{"GroupIdList":["pub","priv","@TGS#_comm","av","victim","` + minted + `"]}`,
			check: wantEach("GroupInfo", "ErrorCode", "10010")},
		{name: "B's account", cmd: grp + "get_joined_group_list", body: `{"Member_Account":"m1","WithHugeGroups":1}`,
			check: wantEmptyList("GroupIdList")},
		{name: "none of B's", cmd: grp + "get_appid_group_list", body: `{}`, check: wantEmptyList("GroupIdList")},
		{name: "B's account", cmd: login + "kick", body: `{"UserID":"m1"}`, code: im.CodeAccountMissing},
		{name: "B's accounts", cmd: "openim/query_online_status", body: `{"To_Account":["owner","m1"]}`,
			check: wantEach("ErrorList", "ErrorCode", "70107")},
		{name: "B's accounts", cmd: "profile/portrait_get", body: `{"To_Account":["owner","m1"],"TagList":["Tag_Profile_IM_Level"]}`,
			check: wantEach("UserProfileItem", "ResultCode", "40003")},
		{name: "B's account", cmd: "profile/portrait_set", body: `{"From_Account":"m1","ProfileItem":[{"Tag":"Tag_Profile_IM_Level","Value":9}]}`,
			code: im.CodeProfileNoAccount},
		{name: "B's account", cmd: login + "account_import", body: `{"UserID":"m1","Nick":"A's"}`},
		{name: "B's accounts", cmd: login + "multiaccount_import", body: `{"Accounts":["owner","m2","m3","free"]}`,
			check: wantEmptyList("FailAccounts")},
	}
	// With B's accounts now imported in A too, every group command on B's group IDs.
	for _, id := range []string{"pub", "av", "@TGS#_comm", minted} {
		q := `"GroupId":"` + id + `"`
		cases = append(cases,
			isolationCase{name: id, cmd: grp + "get_group_member_info", body: `{` + q + `}`, code: notFound},
			isolationCase{name: id, cmd: grp + "get_specified_group_member_info", body: `{` + q + `,"Member_List_Account":["owner","m1"]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "get_role_in_group", body: `{` + q + `,"User_Account":["owner","m1"]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "get_group_muted_account", body: `{` + q + `}`, code: notFound},
			isolationCase{name: id, cmd: grp + "get_group_shutted_uin", body: `{` + q + `}`, code: notFound},
			isolationCase{name: id, cmd: grp + "modify_group_member_info", body: `{` + q + `,"Member_Account":"m1","NameCard":"A","MuteTime":60}`, code: notFound},
			isolationCase{name: id, cmd: grp + "forbid_send_msg", body: `{` + q + `,"Members_Account":["m1","free"],"MuteTime":60}`, code: notFound},
			isolationCase{name: id, cmd: grp + "modify_group_base_info", body: `{` + q + `,"Name":"taken","MuteAllMember":"On"}`, code: notFound},
			isolationCase{name: id, cmd: grp + "change_group_owner", body: `{` + q + `,"NewOwner_Account":"m1"}`, code: notFound},
			isolationCase{name: id, cmd: grp + "add_group_member", body: `{` + q + `,"MemberList":[{"Member_Account":"free"}]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "delete_group_member", body: `{` + q + `,"MemberToDel_Account":["m1","m2"]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "import_group_member", body: `{` + q + `,"MemberList":[{"Member_Account":"free"}]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "set_unread_msg_num", body: `{` + q + `,"Member_Account":"m1","UnreadMsgNum":9}`, code: notFound},
			isolationCase{name: id, cmd: "group_open_attr_http_svc/get_group_attr", body: `{` + q + `}`, code: notFound},
			isolationCase{name: id, cmd: grp + "modify_group_attr", body: `{` + q + `,"GroupAttr":[{"key":"a1","value":"A"}]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "set_group_attr", body: `{` + q + `,"GroupAttr":[{"key":"a1","value":"A"}]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "clear_group_attr", body: `{` + q + `}`, code: notFound},
			isolationCase{name: id, cmd: grp + "get_group_counter", body: `{` + q + `}`, code: notFound},
			isolationCase{name: id, cmd: grp + "update_group_counter", body: `{` + q + `,"GroupCounter":[{"Key":"like","Value":1}],"Mode":"Increase"}`, code: notFound},
			isolationCase{name: id, cmd: grp + "delete_group_counter", body: `{` + q + `}`, code: notFound},
			isolationCase{name: id, cmd: grp + "ban_group_member", body: `{` + q + `,"Members_Account":["m1","free"],"Duration":60}`, code: notFound},
			isolationCase{name: id, cmd: grp + "unban_group_member", body: `{` + q + `,"Members_Account":["m2"]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "get_group_ban_member", body: `{` + q + `,"Offset":0}`, code: notFound},
			isolationCase{name: id, cmd: grp + "get_online_member_num", body: `{` + q + `}`, code: notFound},
			isolationCase{name: id, cmd: "million_group_open_http_svc/get_online_member_num", body: `{` + q + `}`, code: notFound},
			isolationCase{name: id, cmd: million + "create_topic", body: `{` + q + `,"TopicId":"` + id + `@TOPIC#_t1","TopicName":"A"}`, code: notFound},
			isolationCase{name: id, cmd: million + "get_topic", body: `{` + q + `,"From_Account":"m1"}`, code: notFound},
			isolationCase{name: id, cmd: million + "modify_topic", body: `{` + q + `,"TopicId":"` + id + `@TOPIC#_t1","TopicName":"A","MuteAllMember":"On"}`, code: notFound},
			isolationCase{name: id, cmd: million + "destroy_topic", body: `{` + q + `,"TopicIdList":["` + id + `@TOPIC#_t1"]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "import_topic", body: `{` + q + `,"TopicId":"` + id + `@TOPIC#_t2","TopicName":"A"}`, code: notFound},
			isolationCase{name: id + " topic", cmd: grp + "send_group_msg", body: `{` + q + `,"TopicId":"` + id + `@TOPIC#_t1","Random":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"A"}}]}`, code: notFound},
			isolationCase{name: id + " topic", cmd: grp + "group_msg_get_simple", body: `{` + q + `,"TopicId":"` + id + `@TOPIC#_t1","ReqMsgNumber":5}`, code: notFound},
			isolationCase{name: id + " topic", cmd: grp + "group_msg_recall", body: `{` + q + `,"TopicId":"` + id + `@TOPIC#_t1","MsgSeqList":[{"MsgSeq":1}]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "group_msg_receipt", body: `{` + q + `,"From_Account":"owner","MsgSeqList":[{"MsgSeq":1}]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "get_group_msg_receipt", body: `{` + q + `,"MsgSeqList":[{"MsgSeq":1}]}`, code: notFound},
			isolationCase{name: id, cmd: grp + "get_group_msg_receipt_detail", body: `{` + q + `,"MsgSeq":1,"Filter":0,"Cursor":"","Count":10}`, code: notFound},
			isolationCase{name: id, cmd: grp + "destroy_group", body: `{` + q + `}`, code: notFound},
		)
	}
	// B's custom IDs are free in A: A gets groups of its own under them, and changing or
	// destroying them leaves B's alone.
	return append(cases,
		isolationCase{name: "B's ID", cmd: grp + "create_group", body: `{"GroupId":"pub","Type":"Public","Name":"A's group","Owner_Account":"owner","MemberList":[{"Member_Account":"m1"}]}`},
		isolationCase{name: "B's ID", cmd: grp + "import_group", body: `{"GroupId":"victim","Type":"Public","Name":"A's group","Owner_Account":"owner"}`},
		isolationCase{name: "B's ID", cmd: grp + "create_group", body: `{"GroupId":"priv","Type":"Private","Name":"A's private","Owner_Account":"owner"}`},
		isolationCase{name: "A's own of B's ID", cmd: grp + "modify_group_member_info", body: `{"GroupId":"pub","Member_Account":"m1","NameCard":"A","MuteTime":60}`},
		isolationCase{name: "A's own of B's ID", cmd: grp + "add_group_member", body: `{"GroupId":"pub","MemberList":[{"Member_Account":"m2"}]}`},
		isolationCase{name: "A's own of B's ID", cmd: grp + "delete_group_member", body: `{"GroupId":"pub","MemberToDel_Account":["m2"]}`},
		isolationCase{name: "A's own of B's ID", cmd: grp + "destroy_group", body: `{"GroupId":"priv"}`},
		isolationCase{name: "B's ID", cmd: grp + "create_group", body: `{"GroupId":"@TGS#_comm","Type":"Community","Name":"A's community","Owner_Account":"owner","SupportTopic":1}`},
		isolationCase{name: "B's topic ID", cmd: million + "create_topic", body: `{"GroupId":"@TGS#_comm","TopicId":"` + fixtureTopic + `","TopicName":"A's"}`},
		isolationCase{name: "A's own topic of B's ID", cmd: grp + "send_group_msg", body: `{"GroupId":"@TGS#_comm","TopicId":"` + fixtureTopic + `","Random":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"A"}}]}`},
		isolationCase{name: "A's own topic of B's ID", cmd: million + "destroy_topic", body: `{"GroupId":"@TGS#_comm","TopicIdList":["` + fixtureTopic + `"]}`,
			check: wantEach("DestroyResultItem", "ErrorCode", "0")},
		isolationCase{name: "A's own of B's ID", cmd: grp + "destroy_group", body: `{"GroupId":"@TGS#_comm"}`},
		isolationCase{name: "A's own", cmd: grp + "get_appid_group_list", body: `{}`, check: wantEach("GroupIdList", "GroupId", "pub", "victim")},
		isolationCase{name: "A's own", cmd: grp + "get_joined_group_list", body: `{"Member_Account":"m1"}`, check: wantEach("GroupIdList", "GroupId", "pub")},
	)
}

// wantEach returns a check that the list field of an answer has, in each entry, key with
// the values given (the last one repeated for entries beyond them).
func wantEach(field, key string, values ...string) func(testing.TB, map[string]any) {
	return func(tb testing.TB, answer map[string]any) {
		tb.Helper()
		entries := list(answer[field])
		if len(entries) == 0 || len(entries) < len(values) {
			tb.Fatalf("%s: got %v, want entries with %s %v", field, answer[field], key, values)
		}
		for i, e := range entries {
			want := values[min(i, len(values)-1)]
			if got, _ := e.(map[string]any)[key]; got == nil || fmt.Sprint(got) != want {
				tb.Errorf("%s[%d].%s: got %v, want %s", field, i, key, got, want)
			}
		}
	}
}

// wantEmptyList returns a check that the list field of an answer is empty.
func wantEmptyList(field string) func(testing.TB, map[string]any) {
	return func(tb testing.TB, answer map[string]any) {
		tb.Helper()
		if l, ok := answer[field].([]any); !ok || len(l) != 0 {
			tb.Errorf("%s: got %v, want []", field, answer[field])
		}
	}
}
