package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// concurrencyScenarios check concurrent Updates and a large group.
var concurrencyScenarios = []scenario{
	{"Concurrency/ReadModifyWrite", testConcurrentReadModifyWrite},
	{"Concurrency/ReadModifyWriteWithGroup", testConcurrentGroupMemberWrites},
	{"Concurrency/ReadModifyWriteKeepGroup", testConcurrentKeepGroupWrites},
	{"Concurrency/CreateGroupSameID", testConcurrentCreateGroup},
	{"Large/Paging", testLargePaging},
}

// testConcurrentReadModifyWrite has 50 Updates each read one member and write it back with
// one more AppData key: with rows locked until commit, no key is lost.
func testConcurrentReadModifyWrite(t *testing.T, s im.Store) {
	concurrentMemberWrites(t, s, func(ctx context.Context, tx im.Tx, i int) (im.Member, error) {
		return tx.GetMember(ctx, app1, "g", "a")
	})
}

// testConcurrentGroupMemberWrites is testConcurrentReadModifyWrite with the member read
// the way the group commands read it: half of the Updates lock the group with GetGroup
// and then read the member, the other half read both with GetGroupMember. A
// GetGroupMember that waited for the group's lock must still see the member as the Update
// that held it left it.
func testConcurrentGroupMemberWrites(t *testing.T, s im.Store) {
	concurrentMemberWrites(t, s, func(ctx context.Context, tx im.Tx, i int) (im.Member, error) {
		if i%2 == 0 {
			if _, err := tx.GetGroup(ctx, app1, "g"); err != nil {
				return im.Member{}, err
			}
			return tx.GetMember(ctx, app1, "g", "a")
		}
		_, m, found, err := tx.GetGroupMember(ctx, app1, "g", "a", im.WriteGroup)
		if err == nil && !found {
			err = errors.New("GetGroupMember did not find the member")
		}
		return m, err
	})
}

// testConcurrentKeepGroupWrites is testConcurrentGroupMemberWrites with a third of the
// Updates holding the group with KeepGroup and a third with WriteGroup: whatever the
// group's lock, the member's own lock keeps every write.
func testConcurrentKeepGroupWrites(t *testing.T, s im.Store) {
	concurrentMemberWrites(t, s, func(ctx context.Context, tx im.Tx, i int) (im.Member, error) {
		if i%3 == 0 {
			if _, err := tx.GetGroup(ctx, app1, "g"); err != nil {
				return im.Member{}, err
			}
			return tx.GetMember(ctx, app1, "g", "a")
		}
		lock := im.KeepGroup
		if i%3 == 1 {
			lock = im.WriteGroup
		}
		_, m, found, err := tx.GetGroupMember(ctx, app1, "g", "a", lock)
		if err == nil && !found {
			err = errors.New("GetGroupMember did not find the member")
		}
		return m, err
	})
}

// concurrentMemberWrites runs 50 Updates at once, each reading member a of group g with
// read and adding its own AppData key; afterwards every key must be there.
func concurrentMemberWrites(t *testing.T, s im.Store, read func(ctx context.Context, tx im.Tx, i int) (im.Member, error)) {
	const n = 50
	mustCreateGroup(t, s, newGroup(app1, "g"))
	m := newMember("g", "a", im.RoleMember)
	m.AppData = nil
	mustAddMembers(t, s, app1, m)

	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
				m, err := read(ctx, tx, i)
				if err != nil {
					return err
				}
				data := map[string]string{fmt.Sprintf("k%02d", i): "v"}
				for k, v := range m.AppData {
					data[k] = v
				}
				m.AppData = data
				return tx.UpdateMember(ctx, app1, m)
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Update %d: %v", i, err)
		}
	}
	got := mustGetMember(t, s, app1, "g", "a").AppData
	for i := range n {
		if k := fmt.Sprintf("k%02d", i); got[k] != "v" {
			t.Errorf("AppData key %s lost: got %d keys, want %d", k, len(got), n)
		}
	}
}

// testConcurrentCreateGroup creates one ID from 20 Updates at once: one wins, the others get
// ErrConflict, and the winner's group is stored.
func testConcurrentCreateGroup(t *testing.T, s im.Store) {
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			g := newGroup(app1, "g")
			g.Name = fmt.Sprintf("creator %d", i)
			errs[i] = s.Update(t.Context(), func(ctx context.Context, tx im.Tx) error {
				return tx.CreateGroup(ctx, g)
			})
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("CreateGroup %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, im.ErrConflict):
			t.Errorf("CreateGroup %d: got %v, want nil or ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no CreateGroup succeeded")
	}
	if got, want := mustGetGroup(t, s, app1, "g").Name, fmt.Sprintf("creator %d", winner); got != want {
		t.Errorf("Name of the created group: got %q, want %q", got, want)
	}
}

// testLargePaging pages through 2000 members by Offset and by AfterSeq: each way lists
// every member exactly once, in join order.
func testLargePaging(t *testing.T, s im.Store) {
	const n, page = 2000, 300
	mustCreateGroup(t, s, newGroup(app1, "g"))
	var all []im.Member
	for i := range n {
		all = append(all, newMember("g", fmt.Sprintf("u%04d", (i*7919)%n), im.RoleMember))
	}
	for i := 0; i < n; i += 500 {
		mustAddMembers(t, s, app1, all[i:i+500]...)
	}
	if got := mustGetGroup(t, s, app1, "g").MemberNum; got != n {
		t.Fatalf("MemberNum: got %d, want %d", got, n)
	}

	var byOffset []im.Member
	for off := 0; ; off += page {
		ms := mustListMembers(t, s, app1, "g", im.MemberQuery{Offset: off, Limit: page})
		byOffset = append(byOffset, ms...)
		if len(ms) < page {
			break
		}
	}
	checkPaged(t, "Offset", all, byOffset)

	var bySeq []im.Member
	for after := int64(0); ; {
		ms := mustListMembers(t, s, app1, "g", im.MemberQuery{AfterSeq: after, Limit: page})
		if len(ms) == 0 {
			break
		}
		bySeq = append(bySeq, ms...)
		after = ms[len(ms)-1].Seq
	}
	checkPaged(t, "AfterSeq", all, bySeq)
}

// checkPaged checks that paged lists every member of all once, in join order and with
// increasing Seq.
func checkPaged(t *testing.T, how string, all, paged []im.Member) {
	t.Helper()
	if len(paged) != len(all) {
		t.Fatalf("pages by %s: got %d members, want %d", how, len(paged), len(all))
	}
	for i := range all {
		if paged[i].Account != all[i].Account {
			t.Fatalf("pages by %s, member %d: got %s, want %s", how, i, paged[i].Account, all[i].Account)
		}
		if i > 0 && paged[i].Seq <= paged[i-1].Seq {
			t.Fatalf("pages by %s, member %d: Seq %d not after %d", how, i, paged[i].Seq, paged[i-1].Seq)
		}
	}
}
