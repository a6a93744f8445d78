package server

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/timdhq/timd/internal/httpapi"
)

// ids returns the RequestID of each entry, in order.
func ids(es []httpapi.JournalEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.RequestID
	}
	return out
}

func TestJournalRing(t *testing.T) {
	j := newJournal(4)
	for i := range 6 {
		j.add(httpapi.JournalEntry{RequestID: fmt.Sprint(i), SDKAppID: uint64(1 + i%2)})
	}
	// 0 and 1 have been dropped; app 1 has 2 and 4, app 2 has 3 and 5.
	if got, want := ids(j.last(1, 10)), []string{"2", "4"}; !slices.Equal(got, want) {
		t.Errorf("app 1: got %q, want %q", got, want)
	}
	if got, want := ids(j.last(2, 1)), []string{"5"}; !slices.Equal(got, want) {
		t.Errorf("app 2, limit 1: got %q, want %q", got, want)
	}
	j.forget(1)
	j.add(httpapi.JournalEntry{RequestID: "6", SDKAppID: 2})
	j.add(httpapi.JournalEntry{RequestID: "7", SDKAppID: 2})
	j.add(httpapi.JournalEntry{RequestID: "8", SDKAppID: 2})
	if got := j.last(1, 10); len(got) != 0 {
		t.Errorf("app 1 after forget: got %q, want none", ids(got))
	}
	if got, want := ids(j.last(2, 10)), []string{"5", "6", "7", "8"}; !slices.Equal(got, want) {
		t.Errorf("app 2 after forget and more calls: got %q, want %q", got, want)
	}
}

func TestJournalClipsBodies(t *testing.T) {
	j := newJournal(2)
	big := bytes.Repeat([]byte("x"), journalBodyMax+10)
	j.add(httpapi.JournalEntry{SDKAppID: 1, Request: big, Answer: []byte("{}")})
	e := j.last(1, 1)[0]
	if !bytes.HasPrefix(e.Request, big[:journalBodyMax]) || !bytes.HasSuffix(e.Request, []byte("(10 more bytes)")) {
		t.Errorf("clipped request: got %d bytes ending %q", len(e.Request), e.Request[len(e.Request)-20:])
	}
	if cap(e.Request) > journalBodyMax+64 {
		t.Errorf("clipped request keeps %d bytes of capacity, want a copy of about %d", cap(e.Request), journalBodyMax)
	}
	if string(e.Answer) != "{}" {
		t.Errorf("short answer: got %q, want it as is", e.Answer)
	}
}
