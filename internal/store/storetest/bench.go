package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

// BenchUpdateMember measures Updates of s that each read one of 1000 members of a group
// (locking it) and write it back with a unique NameCard, from many goroutines
// (parallelism 32 per GOMAXPROCS). A store's BenchmarkUpdateMember calls it, so that the
// stores' numbers compare. It calls start, unless nil, when the group is filled and the
// timed Updates are about to begin, for a store to take its own counts from there.
func BenchUpdateMember(b *testing.B, s im.Store, start func()) {
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
				m, err := tx.GetMember(ctx, app1, "g", fmt.Sprintf("u%04d", n%members))
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
