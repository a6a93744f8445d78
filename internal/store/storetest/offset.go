package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/timdhq/timd/internal/im"
)

var offsetScenarios = []scenario{
	{"ListMembers/DeepOffsetsAfterLeavesAndJoins", testDeepOffsets},
	{"ListMembers/DeepOffsetsAfterBulkAdds", testDeepOffsetsBulk},
}

// testDeepOffsetsBulk is testDeepOffsets with the members added by AddMembers, in
// batches that end inside, at and across the stores' blocks of 1024.
func testDeepOffsetsBulk(t *testing.T, s im.Store) {
	deepOffsets(t, s, func(ms []im.Member) {
		MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
			for _, n := range []int{1, 1022, 1, 1000, 976} {
				if err := tx.AddMembers(ctx, app1, "deep", ms[:n]); err != nil {
					return err
				}
				ms = ms[n:]
			}
			return tx.AddMembers(ctx, app1, "deep", ms)
		})
	})
}

// testDeepOffsets pages a group that members have left and joined, at offsets deep
// enough for a store to skip ahead (past a thousand members), and checks every page
// against the full member list: the same members, in the same order, with no gap at any
// boundary a store's index may have.
func testDeepOffsets(t *testing.T, s im.Store) {
	deepOffsets(t, s, func(ms []im.Member) { mustAddMembers(t, s, app1, ms...) })
}

// deepOffsets does testDeepOffsets with the first 3000 members added by add.
func deepOffsets(t *testing.T, s im.Store, add func(ms []im.Member)) {
	mustCreateGroup(t, s, newGroup(app1, "deep"))
	const n = 3000
	ms := make([]im.Member, n)
	for i := range ms {
		ms[i] = newMember("deep", fmt.Sprintf("u%04d", i), im.RoleMember)
	}
	add(ms)
	// Every seventh member leaves, and some rejoin at the end.
	MustUpdate(t, s, func(ctx context.Context, tx im.Tx) error {
		for i := 0; i < n; i += 7 {
			if err := tx.DeleteMember(ctx, app1, "deep", ms[i].Account); err != nil {
				return err
			}
		}
		for i := 0; i < n; i += 70 {
			if err := tx.AddMember(ctx, app1, ms[i]); err != nil {
				return err
			}
		}
		return nil
	})
	all := listAccounts(t, s, im.MemberQuery{})
	if len(all) != n-n/7-1+n/70+1 {
		t.Fatalf("group has %d members after leaves and rejoins", len(all))
	}
	for _, offset := range []int{0, 1, 1023, 1024, 1025, 2047, 2048, 2500, len(all) - 100, len(all) - 1, len(all), len(all) + 5} {
		for _, limit := range []int{0, 1, 100} {
			got := listAccounts(t, s, im.MemberQuery{Offset: offset, Limit: limit})
			want := all[min(offset, len(all)):]
			if limit > 0 && len(want) > limit {
				want = want[:limit]
			}
			if !slices.Equal(got, want) {
				t.Errorf("Offset %d Limit %d: got %d members starting %v, want %d starting %v",
					offset, limit, len(got), head(got), len(want), head(want))
			}
		}
	}
}

// listAccounts returns the accounts ListMembers answers for q on group "deep".
func listAccounts(tb testing.TB, s im.Store, q im.MemberQuery) []string {
	tb.Helper()
	var out []string
	MustView(tb, s, func(ctx context.Context, tx im.Tx) error {
		ms, err := tx.ListMembers(ctx, app1, "deep", q)
		for _, m := range ms {
			out = append(out, m.Account)
		}
		return err
	})
	return out
}

func head(s []string) []string { return s[:min(len(s), 3)] }
