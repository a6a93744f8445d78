package console_test

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/timdhq/timd/internal/usersig"
	"github.com/timdhq/timd/timtest"
)

// testKey is the secret key of the tests' app.
const testKey = "0123456789abcdef0123456789abcdef"

// newServer starts timd for a browser test.
func newServer(t *testing.T) *timtest.Server {
	t.Helper()
	return timtest.NewServer(t, &timtest.Options{SecretKey: testKey})
}

// open loads the console of s in tb and waits for the sign-in form.
func (tb *tab) open(s *timtest.Server) {
	tb.t.Helper()
	tb.do("open the console", chromedp.Navigate(s.URL+"/console/"), chromedp.WaitVisible(chromedp.ID("signin")))
}

// signInWithKey signs in as the admin with the secret key, typed and submitted with the
// keyboard alone.
func (tb *tab) signInWithKey(s *timtest.Server) {
	tb.t.Helper()
	tb.do("sign in with the secret key",
		setValue("#signin [name=sdkappid]", strconv.FormatUint(s.SDKAppID(), 10)),
		setValue("#signin [name=identifier]", s.Admin()),
		chromedp.Click(chromedp.CSS("#signin [name=method][value=key]")),
		chromedp.WaitVisible(chromedp.CSS("#signin [name=key]")),
		chromedp.SendKeys(chromedp.CSS("#signin [name=key]"), s.SecretKey()+kb.Enter),
		chromedp.WaitVisible(chromedp.ID("group-search")),
	)
}

// go navigates the console to a route, such as "#/accounts", and waits for sel.
func (tb *tab) goTo(route, sel string) {
	tb.t.Helper()
	tb.do("go to "+route, chromedp.Evaluate[chromedp.Void]("location.hash = "+strconv.Quote(route)), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// submit fills the named fields of the form sel, submits it and waits for the answer.
func (tb *tab) submit(form string, fields map[string]string) {
	tb.t.Helper()
	tb.submitOnly(form, fields)
	// The form is busy until its calls are answered (or gone, with its dialog).
	tb.waitFor(form+" answered", `!document.querySelector(`+strconv.Quote(form)+`)?.hasAttribute('aria-busy')`)
}

// submitOnly fills the named fields of the form sel and submits it, for a form that asks
// for a confirmation before it calls timd.
func (tb *tab) submitOnly(form string, fields map[string]string) {
	tb.t.Helper()
	steps := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS(form))}
	for name, v := range fields {
		steps = append(steps, setValue(form+" [name='"+name+"']", v))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS(form+" button[type=submit]")))
	tb.do("submit "+form, steps...)
}

// setValue sets the value of the control sel selects as typing would, with input and
// change events. (chromedp.SetValue cannot set an empty value.)
func setValue(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => {
		const el = document.querySelector(` + strconv.Quote(sel) + `);
		el.value = ` + strconv.Quote(v) + `;
		el.dispatchEvent(new Event('input', { bubbles: true }));
		el.dispatchEvent(new Event('change', { bubbles: true }));
		if (el.value !== ` + strconv.Quote(v) + `) throw new Error('cannot set ' + el.name);
	})()`)
}

// TestConsole walks an admin's session: sign in with the secret key, declare a custom
// member field, import accounts, create a group, add members, make one Admin with a
// custom value, mute another and read the mute back in the members table, see a refused
// action's ErrorCode next to its field, look at the callbacks, and sign out.
func TestConsole(t *testing.T) {
	s := newServer(t)
	tb := newTab(t)
	start := time.Now()
	tb.open(s)
	tb.snap("signin")
	tb.signInWithKey(s)
	tb.snap("groups-empty")

	tb.goTo("#/fields", "#declare-field")
	tb.submit("#declare-field", map[string]string{"Kind": "Member", "Key": "Level"})
	tb.waitFor("the declared key", `document.querySelector('tr[data-kind=Member][data-key=Level]')`)
	tb.snap("fields")

	tb.goTo("#/accounts", "#import-many")
	tb.submit("#import-many", map[string]string{"Accounts": "alice, bob carol"})
	tb.waitFor("the import", `document.getElementById('import-many-result').textContent.startsWith('3 imported')`)
	tb.snap("accounts")

	tb.goTo("#/groups", "#create-group")
	tb.do("open the create form", chromedp.Click(chromedp.CSS("details summary")))
	tb.submit("#create-group", map[string]string{"Type": "Public", "Name": "Team", "Owner_Account": "alice"})
	tb.waitFor("the new group's page", `document.querySelector('#members tr[data-account=alice]')`)
	group := eval[string](tb, `decodeURIComponent(location.hash.slice('#/group/'.length))`)
	if !strings.HasPrefix(group, "@TGS#") {
		t.Fatalf("group page of %q, want a minted @TGS# ID", group)
	}

	tb.submit("#add-members", map[string]string{"MemberList": "bob carol"})
	tb.waitFor("bob and carol in the table", `document.querySelector('#members tr[data-account=bob]') && document.querySelector('#members tr[data-account=carol]')`)

	// Edit bob: the dialog opens from the keyboard, Role and the declared field change.
	tb.do("open bob's editor with the keyboard",
		chromedp.Focus(chromedp.CSS("#members tr[data-account=bob] button.edit")),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.ID("edit-member")))
	tb.submit("#edit-member", map[string]string{"Role": "Admin", "NameCard": "Bob B.", "AppMemberDefinedData.Level": "7"})
	tb.waitFor("bob as Admin with a name card and Level 7", `(() => { const r = document.querySelector('#members tr[data-account=bob]');
		return r && r.querySelector('td.role').textContent === 'Admin' && r.querySelector('td.namecard').textContent === 'Bob B.'
			&& r.querySelector('td.custom-Level').textContent === '7'; })()`)

	tb.do("open carol's mute dialog", chromedp.Click(chromedp.CSS("#members tr[data-account=carol] button.mute")), chromedp.WaitVisible(chromedp.ID("mute-member")))
	tb.submit("#mute-member", map[string]string{"MuteTime": "3600"})
	tb.waitFor("carol's mute in the table", `+document.querySelector('#members tr[data-account=carol] [data-mute-until]').dataset.muteUntil > 0`)
	until := eval[int64](tb, `+document.querySelector('#members tr[data-account=carol] [data-mute-until]').dataset.muteUntil`)
	if want := s.Now().Unix() + 3600; until < want-60 || until > want+60 {
		t.Errorf("carol's MuteUntil in the table: got %d, want about %d", until, want)
	}
	if cell := tb.text("#members tr[data-account=carol] td.mute"); !strings.HasPrefix(cell, "until ") {
		t.Errorf("carol's mute cell: got %q, want \"until <time>\"", cell)
	}
	r := s.MustOK(t, "group_open_http_svc/get_group_muted_account", map[string]any{"GroupId": group})
	if !strings.Contains(string(r.Raw), `"carol"`) {
		t.Errorf("get_group_muted_account after the console muted carol: %s", r.Raw)
	}
	tb.snap("group")
	if path := os.Getenv("TIMD_CONSOLE_README_SHOT"); path != "" {
		tb.writeMembersShot(path)
	}

	// A refused action: the API's ErrorCode and ErrorInfo show next to the field.
	refused := s.MustCall(t, "group_open_http_svc/change_group_owner", map[string]any{"GroupId": group, "NewOwner_Account": "nobody"})
	if refused.ErrorCode == 0 {
		t.Fatalf("change_group_owner to nobody succeeded: %s", refused.Raw)
	}
	tb.submit("#transfer", map[string]string{"NewOwner_Account": "nobody"})
	tb.waitFor("the refusal", `!document.querySelector('#transfer [data-error-for=NewOwner_Account]').hidden`)
	want := "ErrorCode " + strconv.Itoa(refused.ErrorCode) + ": " + refused.ErrorInfo
	if got := tb.text("#transfer [data-error-for=NewOwner_Account]"); got != want {
		t.Errorf("error next to NewOwner_Account: got %q, want %q", got, want)
	}
	if focused := eval[string](tb, `document.activeElement.name`); focused != "NewOwner_Account" {
		t.Errorf("focus after the refusal: on %q, want the field NewOwner_Account", focused)
	}
	tb.snap("group-refused")

	tb.goTo("#/callbacks", "#outbox-depth")
	tb.snap("callbacks")

	tb.do("sign out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("signin")))
	stored := eval[map[string]string](tb, `Object.fromEntries(Object.entries(localStorage))`)
	if len(stored) != 1 || stored["timd.console.sdkappid"] != strconv.FormatUint(s.SDKAppID(), 10) {
		t.Errorf("localStorage after the session: got %v, want the SDKAppID only", stored)
	}
	if nav := eval[bool](tb, `document.getElementById('nav').hidden`); !nav {
		t.Error("the navigation is still shown after signing out")
	}
	t.Logf("session of %d steps in the browser took %v", 14, time.Since(start).Round(time.Millisecond))
}

// TestConsoleUserSig signs in with a UserSig, is refused with a forged one, and checks
// that the UserSigs the page mints with WebCrypto and CompressionStream verify as
// internal/usersig's own.
func TestConsoleUserSig(t *testing.T) {
	s := newServer(t)
	tb := newTab(t)
	tb.open(s)

	forged := usersig.Mint(s.SDKAppID(), s.Admin(), "not the key", 3600, s.Now())
	tb.submit("#signin", map[string]string{"usersig": forged})
	tb.waitFor("the refusal", `!document.querySelector('#signin [data-error-for=usersig]').hidden`)
	if got := tb.text("#signin [data-error-for=usersig]"); !strings.HasPrefix(got, "ErrorCode 70009: ") {
		t.Errorf("a forged UserSig: got %q next to the UserSig, want ErrorCode 70009", got)
	}
	tb.submit("#signin", map[string]string{"usersig": s.UserSig(s.Admin())})
	tb.do("sign in with a UserSig", chromedp.WaitVisible(chromedp.ID("group-search")))

	tb.goTo("#/usersig", "#mint")
	tb.submit("#mint", map[string]string{"identifier": "alice", "expire": "600", "key": s.SecretKey()})
	tb.do("mint", chromedp.WaitVisible(chromedp.ID("sig-output")))
	sig := eval[string](tb, `document.getElementById('sig-output').value`)
	got, err := usersig.Verify(sig, s.SDKAppID(), "alice", s.SecretKey(), time.Now())
	if err != nil {
		t.Fatalf("usersig.Verify of the UserSig the page minted: %v\n%s", err, sig)
	}
	if got.Expire != 600 || got.Identifier != "alice" {
		t.Errorf("minted sig: %+v, want alice for 600 s", got)
	}

	// The page's mint for the admin is accepted by timd itself.
	adminSig := eval[string](tb, `import('./js/usersig.js').then((m) => m.mintUserSig(`+
		strconv.FormatUint(s.SDKAppID(), 10)+`, 'administrator', '`+s.SecretKey()+`', 60))`)
	resp, err := s.Client().Post(s.URL+"/v4/im_open_login_svc/account_check?sdkappid="+
		strconv.FormatUint(s.SDKAppID(), 10)+"&identifier=administrator&usersig="+adminSig, "application/json",
		strings.NewReader(`{"CheckItem":[{"UserID":"x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct{ ErrorCode int }
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.ErrorCode != 0 {
		t.Errorf("a REST call with the page's UserSig: ErrorCode %d (%v), want 0", env.ErrorCode, err)
	}
}

// TestConsolePhoneWidth checks that the main pages, and a message of one long word, fit a
// phone's width: nothing but a table scrolls sideways.
func TestConsolePhoneWidth(t *testing.T) {
	s := newServer(t)
	s.MustImportAccounts(t, "alice", "bob")
	group := s.MustCreateGroup(t, "Public", "alice", "bob")
	s.MustOK(t, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": group, "From_Account": "bob", "Random": 1,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": strings.Repeat("unbroken", 40)}}}})
	tb := newTab(t)
	tb.do("emulate a phone", chromedp.EmulateViewport(375, 740))
	tb.open(s)
	tb.signInWithKey(s)
	for _, page := range []struct{ route, sel, also string }{
		{"#/groups", "#group-results table", ""},
		{groupRoute(group), "#members tr[data-account=bob]", "#message-list li[data-seq]"},
		{"#/accounts", "#import-one", ""},
		{"#/fields", "#declare-field", ""},
		{"#/callbacks", "#outbox-depth", ""},
		{"#/usersig", "#mint", ""},
	} {
		tb.goTo(page.route, page.sel)
		if page.also != "" {
			tb.do("wait for "+page.also, chromedp.WaitVisible(chromedp.CSS(page.also)))
		}
		tb.snap("phone-" + strings.TrimPrefix(strings.SplitN(page.route, "/", 3)[1], "#"))
		if w := eval[int](tb, `document.documentElement.scrollWidth`); w > 375 {
			t.Errorf("%s is %d px wide at a 375 px viewport", page.route, w)
		}
	}
}

// TestConsoleGroupLifecycle drives the rest of the console's actions on seeded data:
// search groups by name and type, edit base info and a group custom field, unmute,
// remove a member, transfer ownership, see an account's joined groups, check and delete
// an account, and destroy the group after typing its ID.
func TestConsoleGroupLifecycle(t *testing.T) {
	s := timtest.NewServer(t, &timtest.Options{SecretKey: testKey, GroupFields: []string{"Topic"}})
	s.MustImportAccounts(t, "alice", "bob", "carol", "dave")
	group := s.MustCreateGroup(t, "Public", "alice", "bob", "carol")
	other := s.MustCreateGroup(t, "Private", "alice")
	s.MustOK(t, "group_open_http_svc/forbid_send_msg", map[string]any{"GroupId": group, "Members_Account": []string{"carol"}, "MuteTime": 600})
	s.MustOK(t, "group_open_http_svc/modify_group_base_info", map[string]any{"GroupId": other, "Name": "private room"})
	tb := newTab(t)
	tb.open(s)
	tb.signInWithKey(s)

	tb.waitFor("both groups listed", `document.querySelectorAll('#group-results tbody tr').length === 2`)
	tb.submit("#group-search", map[string]string{"q": "ROOM", "GroupType": ""})
	tb.waitFor("the name search", `(() => { const rows = document.querySelectorAll('#group-results tbody tr');
		return rows.length === 1 && rows[0].textContent.includes('private room'); })()`)
	tb.submit("#group-search", map[string]string{"q": "", "GroupType": "Public"})
	tb.waitFor("the type filter", `(() => { const rows = document.querySelectorAll('#group-results tbody tr');
		return rows.length === 1 && rows[0].textContent.includes('Public'); })()`)
	tb.submit("#group-search", map[string]string{"q": group, "GroupType": ""})
	tb.waitFor("the ID search", `(() => { const rows = document.querySelectorAll('#group-results tbody tr');
		return rows.length === 1 && rows[0].textContent.includes(`+strconv.Quote(group)+`); })()`)
	tb.do("open the group", chromedp.Click(chromedp.CSS("#group-results tbody a")), chromedp.WaitVisible(chromedp.CSS("#members tr[data-account=carol]")))

	tb.do("open the base info", chromedp.Click(chromedp.CSS("#base summary")))
	tb.submit("#base-info", map[string]string{"Name": "renamed", "AppDefinedData.Topic": "go", "MuteAllMember": "On"})
	tb.waitFor("the new name", `document.getElementById('group-title').textContent === 'renamed'`)
	r := s.MustOK(t, "group_open_http_svc/get_group_info", map[string]any{"GroupIdList": []string{group}})
	for _, want := range []string{`"Name":"renamed"`, `"MuteAllMember":"On"`, `{"Key":"Topic","Value":"go"}`} {
		if !strings.Contains(string(r.Raw), want) {
			t.Errorf("get_group_info after the edit lacks %s: %s", want, r.Raw)
		}
	}

	tb.do("unmute carol", chromedp.Click(chromedp.CSS("#members tr[data-account=carol] button.unmute")))
	tb.waitFor("carol unmuted", `document.querySelector('#members tr[data-account=carol] [data-mute-until]').dataset.muteUntil === '0'`)
	tb.do("remove carol", chromedp.Click(chromedp.CSS("#members tr[data-account=carol] button.remove")),
		chromedp.Click(chromedp.CSS("dialog button.danger")))
	tb.waitFor("carol gone", `!document.querySelector('#members tr[data-account=carol]') && document.querySelector('#members tr[data-account=bob]')`)

	tb.submit("#transfer", map[string]string{"NewOwner_Account": "bob"})
	tb.waitFor("bob the owner", `document.querySelector('#members tr[data-account=bob] td.role').textContent === 'Owner'`)

	tb.do("open alice's account", chromedp.Click(chromedp.CSS("#members tr[data-account=alice] td.account a")))
	tb.waitFor("alice's groups", `document.querySelectorAll('#joined tbody tr').length === 2`)
	if got := tb.text("#joined h2"); got != "Groups of alice" {
		t.Errorf("joined groups heading: %q", got)
	}
	tb.submit("#check", map[string]string{"CheckItem": "dave nobody"})
	tb.waitFor("the check", `document.querySelector('#check-result tr[data-user=nobody] td.status')`)
	if got := tb.text("#check-result tr[data-user=nobody] td.status"); got != "NotImported" {
		t.Errorf("account_check of nobody: %q, want NotImported", got)
	}
	tb.submitOnly("#delete", map[string]string{"DeleteItem": "dave"})
	tb.do("confirm the delete", chromedp.Click(chromedp.CSS("dialog button.danger")))
	tb.waitFor("the delete", `document.querySelector('#delete-result tbody td')`)
	r = s.MustOK(t, "im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "dave"}}})
	if !strings.Contains(string(r.Raw), "NotImported") {
		t.Errorf("dave after the console deleted him: %s", r.Raw)
	}

	tb.goTo(groupRoute(group), "#destroy-open")
	tb.do("open the destroy dialog", chromedp.Click(chromedp.ID("destroy-open")), chromedp.WaitVisible(chromedp.ID("destroy")))
	tb.submit("#destroy", map[string]string{"GroupId": "wrong"})
	tb.waitFor("the mismatch", `!document.querySelector('#destroy [data-error-for=GroupId]').hidden`)
	tb.submit("#destroy", map[string]string{"GroupId": group})
	tb.do("back to the groups", chromedp.WaitVisible(chromedp.ID("group-search")))
	r = s.MustOK(t, "group_open_http_svc/get_group_info", map[string]any{"GroupIdList": []string{group}})
	if !strings.Contains(string(r.Raw), `"ErrorCode":10010`) {
		t.Errorf("the group after the console destroyed it: %s", r.Raw)
	}
}

// writeMembersShot writes the picture of the members table that README shows, as PNG,
// at a desktop width: TIMD_CONSOLE_README_SHOT=$PWD/docs/console-members.png go test
// -run 'TestConsole$' ./internal/console
func (tb *tab) writeMembersShot(path string) {
	tb.t.Helper()
	tb.do("a desktop width", chromedp.EmulateViewport(1000, 800))
	buf, err := chromedp.Run(tb.ctx, chromedp.Screenshot(chromedp.CSS("#members")))
	if err != nil {
		tb.t.Fatalf("screenshot of the members: %v", err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.do("back to the window's width", chromedp.ResetViewport())
}
