package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/timdhq/timd/internal/im"
)

// BenchUpdateMember measures Updates of s that each read one of 1000 members of a group
// (locking it) and write it back with a unique NameCard, from many goroutines
// (parallelism 32 per GOMAXPROCS). A store's BenchmarkUpdateMember calls it, so that the
// stores' numbers compare. It calls start, unless nil, when the group is filled and the
// timed Updates are about to begin, for a store to take its own counts from there.
func BenchUpdateMember(b *testing.B, s im.Store, start func()) {
	benchMemberWrites(b, s, start, func(ctx context.Context, tx im.Tx, account string) (im.Member, error) {
		return tx.GetMember(ctx, app1, "g", account)
	})
}

// BenchModifyNameCard is BenchUpdateMember with the member read as a modify of its
// NameCard reads it: with its group, holding the group with KeepGroup.
func BenchModifyNameCard(b *testing.B, s im.Store, start func()) {
	benchMemberWrites(b, s, start, func(ctx context.Context, tx im.Tx, account string) (im.Member, error) {
		_, m, found, err := tx.GetGroupMember(ctx, app1, "g", account, im.KeepGroup)
		if err == nil && !found {
			err = fmt.Errorf("member %q not found", account)
		}
		return m, err
	})
}

// benchMemberWrites is BenchUpdateMember with the member read by read.
func benchMemberWrites(b *testing.B, s im.Store, start func(), read func(ctx context.Context, tx im.Tx, account string) (im.Member, error)) {
	const members = 1000
	MustUpdate(b, s, func(ctx context.Context, tx im.Tx) error {
		if err := tx.CreateGroup(ctx, newGroup(app1, "g")); err != nil {
			return err
		}
		for i := range members {
			m := im.Member{Group: "g", Account: fmt.Sprintf("u%04d", i), Role: im.RoleMember}
			if err := tx.AddMember(ctx, app1, m); err != nil {
				return err
			}
		}
		return nil
	})
	if start != nil {
		start()
	}

	var next atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1)
			err := s.Update(context.Background(), func(ctx context.Context, tx im.Tx) error {
				m, err := read(ctx, tx, fmt.Sprintf("u%04d", n%members))
				if err != nil {
					return err
				}
				m.NameCard = fmt.Sprintf("card %d", n)
				return tx.UpdateMember(ctx, app1, m)
			})
			if err != nil {
				b.Error(err)
			}
		}
	})
	b.StopTimer()
}

// BenchText is the MsgBody of BenchAppendMessage's messages as send_group_msg keeps it:
// the JSON text as sent, one TIMTextElem of a 100-byte Text.
const BenchText = `[{"MsgType":"TIMTextElem","MsgContent":{"Text":"` +
	`Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore e` + `"}}]`

// BenchAppendMessage measures Updates of s that each store one message as send_group_msg
// does: read the group (locking it), append a 100-byte text (BenchText) at its NextMsgSeq,
// which advances the group, from many goroutines (parallelism 32 per GOMAXPROCS). Each
// message goes to one of groups groups at random; group IDs and senders have the length
// timd gives them ("@TGS#2" and 8 characters; accounts of 8), Randoms are random. It calls
// start, unless nil, when the groups exist and the timed Updates are about to begin, so a
// store can measure its growth per message from there (BenchmarkAppendMessage in
// internal/store/sqlite reports bytes/msg).
func BenchAppendMessage(b *testing.B, s im.Store, groups int, start func()) {
	ids := make([]string, groups)
	MustUpdate(b, s, func(ctx context.Context, tx im.Tx) error {
		for i := range ids {
			ids[i] = fmt.Sprintf("@TGS#2B%07d", i)
			g := newGroup(app1, ids[i])
			g.NextMsgSeq = 1
			if err := tx.CreateGroup(ctx, g); err != nil {
				return err
			}
		}
		return nil
	})
	if start != nil {
		start()
	}
	now := time.Now().Unix()
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		for pb.Next() {
			id, from, random := ids[rng.IntN(groups)], fmt.Sprintf("user%04d", rng.IntN(10000)), rng.Uint32()
			err := s.Update(context.Background(), func(ctx context.Context, tx im.Tx) error {
				g, err := tx.GetGroup(ctx, app1, id)
				if err != nil {
					return err
				}
				return tx.AppendMessage(ctx, im.Message{
					App: app1, Group: id, Seq: g.NextMsgSeq, From: from, Random: random, Priority: im.PriorityNormal,
					Time: now, Body: []byte(BenchText), Unread: true,
				})
			})
			if err != nil {
				b.Error(err)
			}
		}
	})
	b.StopTimer()
}
