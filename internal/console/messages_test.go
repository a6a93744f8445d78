package console_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// shownMessage is one item of the messages list as the page shows it.
type shownMessage struct {
	Seq              int
	Kind, From, Body string
	Recall           bool // has a Recall button
}

// messagesShown returns the items of the messages list, top to bottom.
func (tb *tab) messagesShown() []shownMessage {
	tb.t.Helper()
	return eval[[]shownMessage](tb, `[...document.querySelectorAll('#message-list > li[data-seq]')].map((li) => ({
		Seq: +li.dataset.seq, Kind: li.dataset.kind, From: li.querySelector('.from').textContent,
		Body: li.querySelector('.body').textContent, Recall: !!li.querySelector('button.recall') }))`)
}

// groupRoute is the console's route to a group's page.
func groupRoute(id string) string { return "#/group/" + strings.ReplaceAll(id, "#", "%23") }

// TestConsoleMessages drives the messages of a group's page: the history newest first and
// its older page, markup in a text shown as text, a tip as a sentence, two texts sent as
// members, a muted member refused with 10017 next to the From field, a recall made with
// the keyboard (the message goes, and shows as recalled with the toggle), a recall's
// RetCode next to a message recalled meanwhile, the tip of a member added on the page,
// the sentence of every kind of tip, and an AVChatRoom's lack of history.
func TestConsoleMessages(t *testing.T) {
	s := newServer(t)
	s.MustImportAccounts(t, "alice", "bob", "carol", "dave")
	group := s.MustCreateGroup(t, "Public", "alice", "bob", "carol")
	room := s.MustCreateGroup(t, "AVChatRoom", "alice")
	// MsgSeq 1 is the tip of carol's mute, 2 to 22 are alice's: one page and two more.
	s.MustOK(t, "group_open_http_svc/forbid_send_msg", map[string]any{"GroupId": group, "Members_Account": []string{"carol"}, "MuteTime": 600})
	// The first of them is markup in a text, and a face: text, and a MsgType.
	markup := `<img src=x onerror="window.owned=1">`
	s.MustOK(t, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": group, "From_Account": "alice", "Random": 1,
		"MsgBody": []any{
			map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": markup}},
			map[string]any{"MsgType": "TIMFaceElem", "MsgContent": map[string]any{"Index": 1, "Data": "smile"}},
		}})
	for i := 2; i <= 21; i++ {
		s.MustOK(t, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": group, "From_Account": "alice", "Random": i,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": fmt.Sprintf("seed %d", i)}}}})
	}
	tb := newTab(t)
	tb.open(s)
	tb.signInWithKey(s)

	// The newest page, then the older one from the smallest MsgSeq - 1.
	tb.goTo(groupRoute(group), "#message-list li[data-seq]")
	tb.waitFor("the newest page", `document.querySelectorAll('#message-list > li[data-seq]').length === 20`)
	shown := tb.messagesShown()
	if first, last := shown[0], shown[19]; first.Seq != 22 || first.Body != "seed 21" || first.From != "alice" || !first.Recall || last.Seq != 3 {
		t.Errorf("newest page: first %+v, last %+v; want seqs 22 (alice: seed 21) to 3", first, last)
	}
	tb.do("page to the older messages", chromedp.Click(chromedp.ID("messages-older")))
	tb.waitFor("the older page", `document.querySelectorAll('#message-list > li[data-seq]').length === 22`)
	shown = tb.messagesShown()
	for i, m := range shown {
		if m.Seq != 22-i {
			t.Fatalf("after paging, item %d is MsgSeq %d, want %d: %+v", i, m.Seq, 22-i, shown)
		}
	}
	if m := shown[20]; m.Body != markup+"TIMFaceElem" {
		t.Errorf("a text of markup and a face: %q, want %q", m.Body, markup+"TIMFaceElem")
	}
	if n := eval[int](tb, `document.querySelectorAll('#message-list img').length + (window.owned ? 100 : 0)`); n != 0 {
		t.Errorf("a message's text became markup: %d", n)
	}
	if tip := shown[21]; tip.Kind != "tip" || tip.Body != "carol muted for 600 s (by administrator)" || tip.From != "group tip" || tip.Recall {
		t.Errorf("the mute's tip: %+v", tip)
	}
	if older := eval[bool](tb, `document.getElementById('messages-older').hidden`); !older {
		t.Error("the Older button is still shown after MsgSeq 1")
	}
	tb.snap("messages")

	// Two texts as members, listed newest first.
	tb.submit("#send-message", map[string]string{"From_Account": "bob", "Text": "hello from bob"})
	tb.waitFor("bob's text", `document.querySelector('#message-list > li[data-seq="23"]')`)
	if got := tb.text("#send-result"); got != "Sent: MsgSeq 23." {
		t.Errorf("send result: %q", got)
	}
	tb.submit("#send-message", map[string]string{"From_Account": "alice", "Text": "hi from alice"})
	tb.waitFor("alice's text", `document.querySelector('#message-list > li[data-seq="24"]')`)
	shown = tb.messagesShown()
	if len(shown) != 20 || shown[0] != (shownMessage{24, "message", "alice", "hi from alice", true}) ||
		shown[1] != (shownMessage{23, "message", "bob", "hello from bob", true}) {
		t.Errorf("after two sends the list starts %+v, want alice's text then bob's, on a page of 20", shown[:min(3, len(shown))])
	}
	if text := eval[string](tb, `document.querySelector('#send-message [name=Text]').value`); text != "" {
		t.Errorf("the Text field after a send holds %q", text)
	}
	stored := s.Messages(t, group)
	bob, alice := stored[22], stored[23]
	if bob.From != "bob" || alice.From != "alice" || !strings.Contains(string(bob.Body), `"Text":"hello from bob"`) || bob.Random == alice.Random {
		t.Errorf("stored: %+v %+v; want bob's and alice's texts with their own Randoms", bob, alice)
	}

	// carol is muted: 10017 next to the From field, with the focus, and nothing stored.
	refused := s.MustCall(t, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": group, "From_Account": "carol", "Random": 1,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "x"}}}})
	tb.submit("#send-message", map[string]string{"From_Account": "carol", "Text": "am I muted?"})
	tb.waitFor("the refusal", `!document.querySelector('#send-message [data-error-for=From_Account]').hidden`)
	if got, want := tb.text("#send-message [data-error-for=From_Account]"), "ErrorCode 10017: "+refused.ErrorInfo; got != want {
		t.Errorf("next to From: %q, want %q", got, want)
	}
	if focused := eval[string](tb, `document.activeElement.name`); focused != "From_Account" {
		t.Errorf("focus after the refusal: %q, want From_Account", focused)
	}
	if n := len(s.Messages(t, group)); n != 24 {
		t.Errorf("%d messages stored after the refusal, want 24", n)
	}
	tb.snap("messages-refused")

	// Recall bob's text with the keyboard: it leaves the list, and comes back as recalled
	// with the toggle.
	tb.do("open the recall of bob's text with the keyboard", chromedp.Focus(chromedp.CSS(`#message-list li[data-seq="23"] button.recall`)),
		chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("dialog")))
	if focused := eval[string](tb, `document.activeElement.closest('dialog') ? document.activeElement.textContent : ''`); focused != "Recall" {
		t.Fatalf("focus in the recall dialog: %q, want its Recall button", focused)
	}
	tb.do("confirm with the keyboard", chromedp.KeyEvent(kb.Enter))
	tb.waitFor("bob's text gone", `!document.querySelector('#message-list li[data-seq="23"]') && document.querySelector('#message-list li[data-seq="24"]')`)
	if m := s.Messages(t, group)[22]; !m.Recalled {
		t.Errorf("MsgSeq 23 after the console recalled it: %+v", m)
	}
	tb.do("include recalled messages", chromedp.Click(chromedp.ID("messages-recalled")))
	tb.waitFor("bob's text as recalled", `document.querySelector('#message-list li[data-seq="23"][data-kind=recalled]')`)
	if m := tb.messagesShown()[1]; m != (shownMessage{23, "recalled", "bob", "Recalled.", false}) {
		t.Errorf("the recalled message: %+v", m)
	}

	// alice's text recalled meanwhile: the RetCode shows next to it.
	s.MustOK(t, "group_open_http_svc/group_msg_recall", map[string]any{"GroupId": group, "MsgSeqList": []any{map[string]any{"MsgSeq": 24}}})
	tb.do("recall alice's text again", chromedp.Click(chromedp.CSS(`#message-list li[data-seq="24"] button.recall`)),
		chromedp.Click(chromedp.CSS("dialog button.danger")))
	tb.waitFor("the RetCode", `!document.querySelector('#message-list li[data-seq="24"] .error').hidden`)
	if got, want := tb.text(`#message-list li[data-seq="24"] .error`), "RetCode 10032: a tip, or recalled already"; got != want {
		t.Errorf("next to a message recalled meanwhile: %q, want %q", got, want)
	}

	// Adding a member on the page writes a tip the list shows.
	tb.submit("#add-members", map[string]string{"MemberList": "dave"})
	tb.waitFor("the tip of dave's arrival", `document.querySelector('#message-list li[data-seq="25"][data-kind=tip]')`)
	if m := tb.messagesShown()[0]; m.Body != "administrator added dave" || m.Recall {
		t.Errorf("the add tip: %+v", m)
	}

	// Every tip's sentence.
	for _, tc := range []struct{ content, want string }{
		{`{"OpType":1,"Operator_Account":"bob","MemberList_Account":["bob"]}`, "bob joined"},
		{`{"OpType":2,"Operator_Account":"administrator","MemberList_Account":["bob","carol"]}`, "administrator added bob, carol"},
		{`{"OpType":3,"Operator_Account":"bob","MemberList_Account":["bob"]}`, "bob left"},
		{`{"OpType":4,"Operator_Account":"alice","MemberList_Account":["bob"]}`, "alice removed bob"},
		{`{"OpType":5,"Operator_Account":"alice","MemberList_Account":["bob"]}`, "alice made bob admin"},
		{`{"OpType":6,"Operator_Account":"alice","MemberList_Account":["bob"]}`, "alice made bob an ordinary member"},
		{`{"OpType":7,"Operator_Account":"administrator","GroupInfoChange":{"Name":"renamed","Notification":"n"}}`, "administrator set Name to “renamed”, set Notification to “n”"},
		{`{"OpType":7,"Operator_Account":"administrator","GroupInfoChange":{"Owner_Account":"bob"}}`, "administrator made bob the owner"},
		{`{"OpType":8,"Operator_Account":"administrator","MemberList_Account":["bob","carol"],"MemberInfoChange":[{"Member_Account":"bob","MuteTime":60},{"Member_Account":"carol","MuteTime":0}]}`,
			"bob muted for 60 s, carol unmuted (by administrator)"},
		{`{"OpType":8,"Operator_Account":"administrator","MemberList_Account":["bob"],"MemberInfoChange":[{"Member_Account":"bob","MuteTime":4294967295}]}`,
			"bob muted with no end (by administrator)"},
		{`{"OpType":9,"Operator_Account":"administrator","MemberList_Account":["bob"]}`, "tip of OpType 9: administrator, bob"},
	} {
		if !json.Valid([]byte(tc.content)) {
			t.Fatalf("bad test content %s", tc.content)
		}
		if got := eval[string](tb, `import('./js/messages.js').then((m) => m.tipText(`+tc.content+`))`); got != tc.want {
			t.Errorf("tipText(%s) = %q, want %q", tc.content, got, tc.want)
		}
	}

	// An AVChatRoom keeps no history; a send to it still answers its MsgSeq.
	tb.goTo(groupRoute(room), "#messages-note")
	if got := tb.text("#messages-note"); !strings.HasPrefix(got, "An AVChatRoom keeps no history") || !strings.Contains(got, "ErrorCode 10007") {
		t.Errorf("an AVChatRoom's messages: %q", got)
	}
	if shown := eval[[]bool](tb, `['message-list', 'messages-error'].map((id) => document.getElementById(id).hidden)`); !slices.Equal(shown, []bool{true, true}) {
		t.Errorf("an AVChatRoom's list and error hidden: %v, want both", shown)
	}
	tb.submit("#send-message", map[string]string{"From_Account": "alice", "Text": "live only"})
	tb.waitFor("the send result", `document.getElementById('send-result').textContent !== ''`)
	if got := tb.text("#send-result"); got != "Sent: MsgSeq 1." {
		t.Errorf("send to an AVChatRoom: %q", got)
	}
	tb.snap("messages-avchatroom")
}

// TestConsoleLiveMessages checks that the messages of a group's page show, at the top of
// the list and once, a message sent elsewhere while the page is open: the page watches
// the group on timd's event stream, which its Content-Security-Policy allows.
func TestConsoleLiveMessages(t *testing.T) {
	s := newServer(t)
	s.MustImportAccounts(t, "alice", "bob")
	group := s.MustCreateGroup(t, "Public", "alice", "bob")
	send := func(random int, text string) {
		s.MustOK(t, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": group, "From_Account": "bob", "Random": random,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}})
	}
	send(1, "before")
	tb := newTab(t)
	tb.open(s)
	tb.signInWithKey(s)
	tb.goTo(groupRoute(group), "#message-list li[data-seq]")
	tb.waitFor("the stream", `document.getElementById('messages-live').textContent === 'Live'`)
	send(2, "while open")
	tb.waitFor("the live message", `document.querySelectorAll('#message-list > li[data-seq]').length === 2`)
	shown := tb.messagesShown()
	if len(shown) != 2 || shown[0].Body != "while open" || shown[0].From != "bob" || shown[1].Body != "before" {
		t.Errorf("after a message sent elsewhere: %+v, want it above the one before", shown)
	}
}
