// Package paging turns a deep Offset of a member list into a seek position, so that a
// page of ListMembers at any Offset costs about what the first page costs instead of
// reading every member before it.
//
// A store counts each group's members in buckets of join sequence numbers (its
// member_buckets table). Deep says when a query is worth the seek, SeekOffset walks the
// counts to the bucket that holds the member at the Offset, and the store then steps over
// the rest of the Offset inside that bucket on its index, and rewrites the query with
// StartAt or PastEnd. The statements stay in each store.
package paging

import (
	"math"

	"github.com/timdhq/timd/internal/im"
)

// BucketBits is log2 of the number of join sequence numbers one bucket spans: a member
// with Seq s counts in bucket s >> BucketBits. Both stores' member_buckets migrations
// count members by this shift.
const BucketBits = 10

// Bucket is one count of a group's members: N of them have a Seq from Index<<BucketBits
// to (Index+1)<<BucketBits - 1.
type Bucket struct {
	Index int64
	N     int64
}

// Deep reports whether q is worth a seek through the buckets: its Offset skips at least
// a bucket's span of members, and it has neither a role filter (the buckets count every
// role) nor an AfterSeq cursor (the buckets count from the first member).
func Deep(q im.MemberQuery) bool {
	return q.Offset >= 1<<BucketBits && len(q.Roles) == 0 && q.AfterSeq == 0
}

// SeekOffset finds the member at position offset (from 0, in Seq order) of a group whose
// members are counted by buckets, in increasing Index order: it is the member after skip
// others among those with Seq >= from. ok is false when offset is at or past the last
// member counted. A negative offset counts as 0.
func SeekOffset(buckets []Bucket, offset int64) (from, skip int64, ok bool) {
	skip = max(offset, 0)
	for _, b := range buckets {
		if skip < b.N {
			return b.Index << BucketBits, skip, true
		}
		skip -= b.N
	}
	return 0, 0, false
}

// StartAt returns q rewritten to list from the member with Seq seq on.
func StartAt(q im.MemberQuery, seq int64) im.MemberQuery {
	q.AfterSeq, q.Offset = seq-1, 0
	return q
}

// PastEnd returns q rewritten to list nothing: its Offset is past the last member.
func PastEnd(q im.MemberQuery) im.MemberQuery {
	q.AfterSeq, q.Offset = math.MaxInt64, 0
	return q
}
