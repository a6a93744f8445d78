package httpapi_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/timdhq/timd/timtest"
)

// TestModifyConcurrent has 50 goroutines modify one member at once, each touching one
// field or one custom key, and checks that every acknowledged change is visible: no
// call's read-modify-write may undo another's.
func TestModifyConcurrent(t *testing.T) {
	keys := []string{"K1", "K2", "K3", "K4", "K5"}
	s := newServer(t, timtest.Options{MemberFields: keys})
	s.MustImportAccounts(t, "owner", "bob", "carol", "dave")

	// Each change sets one field to a value other than the member's initial one.
	changes := []map[string]any{
		{"NameCard": "card"}, {"MsgFlag": "Discard"}, {"Role": "Admin"}, {"MuteTime": muteForever},
	}
	for i, k := range keys {
		changes = append(changes, map[string]any{"AppMemberDefinedData": kvs(k, fmt.Sprintf("v%d", i+1))})
	}

	for _, target := range []string{"bob", "carol", "dave"} {
		t.Run(target, func(t *testing.T) {
			g := s.MustCreateGroup(t, "Public", "owner", target)
			const n = 50
			codes := make([]int, n)
			errs := make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := s.Call(context.Background(), cmdModify, modify(g, target, changes[i%len(changes)]))
					if err != nil {
						errs[i] = err
						return
					}
					codes[i] = r.ErrorCode
				}()
			}
			close(start)
			wg.Wait()

			acked := map[int]bool{}
			for i := range n {
				switch {
				case errs[i] != nil:
					t.Errorf("call %d: %v", i, errs[i])
				case codes[i] != codeOK:
					t.Errorf("call %d (%v): ErrorCode %d, want 0", i, changes[i%len(changes)], codes[i])
				default:
					acked[i%len(changes)] = true
				}
			}
			m := mustMember(t, s, g, target)
			want := map[string]any{"NameCard": "card", "MsgFlag": "Discard", "Role": "Admin"}
			for j, f := range []string{"NameCard", "MsgFlag", "Role"} {
				if acked[j] && m[f] != want[f] {
					t.Errorf("%s: got %v, want %v (lost update)", f, m[f], want[f])
				}
			}
			if acked[3] && num(t, m, "MuteUntil") != muteForever {
				t.Errorf("MuteUntil: got %v, want %d (lost update)", m["MuteUntil"], muteForever)
			}
			wantData := map[string]string{}
			for i, k := range keys {
				if acked[4+i] {
					wantData[k] = fmt.Sprintf("v%d", i+1)
				}
			}
			if diff := cmp.Diff(wantData, customData(t, m)); diff != "" {
				t.Errorf("custom data (-want +got), lost updates:\n%s", diff)
			}
		})
	}
}
