package paging

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/timdhq/timd/internal/im"
)

func TestDeep(t *testing.T) {
	const span = 1 << BucketBits
	for _, tc := range []struct {
		name string
		q    im.MemberQuery
		want bool
	}{
		{"no offset", im.MemberQuery{}, false},
		{"offset inside the first span", im.MemberQuery{Offset: span - 1, Limit: 100}, false},
		{"offset of one span", im.MemberQuery{Offset: span}, true},
		{"deep offset with a limit", im.MemberQuery{Offset: 5 * span, Limit: 100}, true},
		{"negative offset", im.MemberQuery{Offset: -span}, false},
		{"role filter", im.MemberQuery{Offset: 5 * span, Roles: []im.Role{im.RoleAdmin}}, false},
		{"cursor", im.MemberQuery{Offset: 5 * span, AfterSeq: 7}, false},
	} {
		if got := Deep(tc.q); got != tc.want {
			t.Errorf("%s: Deep(%+v): got %v, want %v", tc.name, tc.q, got, tc.want)
		}
	}
}

func TestSeekOffset(t *testing.T) {
	// Buckets 0, 1 and 3 hold members; bucket 2 was emptied, and bucket 4's count is 0.
	buckets := []Bucket{{0, 1023}, {1, 500}, {2, 0}, {3, 1024}, {4, 0}}
	const total = 1023 + 500 + 1024
	for _, tc := range []struct {
		name               string
		buckets            []Bucket
		offset             int64
		wantFrom, wantSkip int64
		wantOK             bool
	}{
		{"offset 0", buckets, 0, 0, 0, true},
		{"inside the first bucket", buckets, 1000, 0, 1000, true},
		{"last of the first bucket", buckets, 1022, 0, 1022, true},
		{"at the first boundary", buckets, 1023, 1 << BucketBits, 0, true},
		{"inside the second bucket", buckets, 1023 + 499, 1 << BucketBits, 499, true},
		{"over the emptied bucket", buckets, 1023 + 500, 3 << BucketBits, 0, true},
		{"last member", buckets, total - 1, 3 << BucketBits, 1023, true},
		{"one past the last member", buckets, total, 0, 0, false},
		{"far past the last member", buckets, math.MaxInt64, 0, 0, false},
		{"negative offset", buckets, -5, 0, 0, true},
		{"no buckets", nil, 0, 0, 0, false},
		{"only empty buckets", []Bucket{{0, 0}, {1, 0}}, 0, 0, 0, false},
		{"first bucket not 0", []Bucket{{7, 3}}, 2, 7 << BucketBits, 2, true},
	} {
		from, skip, ok := SeekOffset(tc.buckets, tc.offset)
		if from != tc.wantFrom || skip != tc.wantSkip || ok != tc.wantOK {
			t.Errorf("%s: SeekOffset(offset %d): got from %d, skip %d, ok %v; want %d, %d, %v",
				tc.name, tc.offset, from, skip, ok, tc.wantFrom, tc.wantSkip, tc.wantOK)
		}
	}
}

func TestRewrite(t *testing.T) {
	q := im.MemberQuery{Offset: 5000, Limit: 100}
	if d := cmp.Diff(im.MemberQuery{AfterSeq: 41, Limit: 100}, StartAt(q, 42)); d != "" {
		t.Errorf("StartAt(q, 42) (-want +got):\n%s", d)
	}
	if d := cmp.Diff(im.MemberQuery{AfterSeq: math.MaxInt64, Limit: 100}, PastEnd(q)); d != "" {
		t.Errorf("PastEnd(q) (-want +got):\n%s", d)
	}
}
