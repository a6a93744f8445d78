package timtest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/timdhq/timd/timtest"
)

// This is the life of a group, told through the REST API: import accounts, create a
// group, add members, make one an admin, mute another for a minute, and move the
// server's clock past the mute to see it end.
//
// In a test, start the server with timtest.NewServer(t, nil), which stops it when the
// test ends, and seed data with the Must helpers (MustImportAccounts, MustCreateGroup,
// MustAddMembers, MustOK). An example has no *testing.T, so this one uses Start and Close
// and checks answers itself.
func ExampleNewServer() {
	s, err := timtest.Start(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	call := func(command string, body any) *timtest.Response {
		r, err := s.Call(context.Background(), command, body)
		if err != nil {
			log.Fatal(err)
		}
		if r.ErrorCode != 0 {
			log.Fatalf("%s: ErrorCode %d: %s", command, r.ErrorCode, r.ErrorInfo)
		}
		return r
	}
	muted := func() []string {
		var answer struct {
			MutedAccountList []struct{ Member_Account string }
		}
		r := call("group_open_http_svc/get_group_muted_account", map[string]any{"GroupId": "team"})
		if err := r.Decode(&answer); err != nil {
			log.Fatal(err)
		}
		var ids []string
		for _, m := range answer.MutedAccountList {
			ids = append(ids, m.Member_Account)
		}
		return ids
	}

	call("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob", "carol"}})
	call("group_open_http_svc/create_group", map[string]any{
		"Type": "Public", "Name": "team", "GroupId": "team", "Owner_Account": "alice",
	})
	call("group_open_http_svc/add_group_member", map[string]any{
		"GroupId": "team", "MemberList": []map[string]string{{"Member_Account": "bob"}, {"Member_Account": "carol"}},
	})
	call("group_open_http_svc/modify_group_member_info", map[string]any{"GroupId": "team", "Member_Account": "bob", "Role": "Admin"})
	call("group_open_http_svc/forbid_send_msg", map[string]any{"GroupId": "team", "Members_Account": []string{"carol"}, "MuteTime": 60})
	fmt.Println("muted:", muted())

	s.Advance(61 * time.Second)
	fmt.Println("muted a minute later:", muted())
	// Output:
	// muted: [carol]
	// muted a minute later: []
}

// Reset drops every account and group: a TestMain can share one server between tests
// and reset it between them.
func ExampleServer_Reset() {
	s, err := timtest.Start(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	check := map[string]any{"CheckItem": []map[string]string{{"UserID": "alice"}}}
	status := func() string {
		var answer struct {
			ResultItem []struct{ AccountStatus string }
		}
		r, err := s.Call(ctx, "im_open_login_svc/account_check", check)
		if err != nil {
			log.Fatal(err)
		}
		if err := r.Decode(&answer); err != nil {
			log.Fatal(err)
		}
		return answer.ResultItem[0].AccountStatus
	}

	if _, err := s.Call(ctx, "im_open_login_svc/account_import", map[string]string{"UserID": "alice"}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("before Reset:", status())
	if err := s.Reset(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("after Reset:", status())
	// Output:
	// before Reset: Imported
	// after Reset: NotImported
}

// Call sends one REST call as the app admin, signed with a fresh UserSig. A Tencent error
// is an answer, not a Go error: look at ErrorCode. Fields holds the whole answer, and
// Decode unmarshals it into a struct of your own.
func ExampleServer_Call() {
	s, err := timtest.Start(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	r, err := s.Call(ctx, "group_open_http_svc/create_group", map[string]any{"Type": "ChatRoom", "Name": "lobby", "GroupId": "lobby"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.ActionStatus, r.ErrorCode, r.Fields["GroupId"])

	r, err = s.Call(ctx, "group_open_http_svc/destroy_group", `{"GroupId":"no-such-group"}`)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.ActionStatus, r.ErrorCode)
	// Output:
	// OK 0 lobby
	// FAIL 10010
}

// A fault makes timd answer as Tencent does when it fails: here the next two
// create_group calls answer 10002 (a system error, which Tencent asks clients to retry)
// without creating anything, and the client under test must retry until it succeeds.
// FaultHits tells how many calls the rule failed.
func ExampleServer_AddFault() {
	s, err := timtest.Start(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	id, err := s.AddFault(timtest.Fault{
		Command: "group_open_http_svc/create_group", Action: timtest.FaultError, ErrorCode: 10002, Times: 2,
	})
	if err != nil {
		log.Fatal(err)
	}

	// createWithRetry is the client code under test: it retries on 10002, up to 5 times.
	createWithRetry := func(body map[string]any) (attempts int, code int) {
		for attempts = 1; ; attempts++ {
			r, err := s.Call(context.Background(), "group_open_http_svc/create_group", body)
			if err != nil {
				log.Fatal(err)
			}
			if r.ErrorCode != 10002 || attempts == 5 {
				return attempts, r.ErrorCode
			}
		}
	}
	attempts, code := createWithRetry(map[string]any{"Type": "Public", "Name": "team", "GroupId": "team"})
	fmt.Println("attempts:", attempts, "final ErrorCode:", code, "faulted:", s.FaultHits(id))
	// Output:
	// attempts: 3 final ErrorCode: 0 faulted: 2
}
