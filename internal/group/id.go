package group

import (
	"context"
	"fmt"

	"github.com/timdhq/timd/internal/im"
)

// base32 is the alphabet of the random part of minted group IDs: A-Z and 2-7.
const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// communityIDLen is the length of a minted Community ID: "@TGS#_@TGS#c" and 10 characters.
const communityIDLen = 22

// typeChar is the character after "@TGS#" in a minted ID (docs/compatibility.md §6).
var typeChar = map[im.GroupType]byte{
	im.TypePrivate: '1', im.TypePublic: '2', im.TypeChatRoom: '3', im.TypeAVChatRoom: 'a', im.TypeCommunity: 'c',
}

// mintGroupID returns a fresh random ID for a group of type t.
func (s *Service) mintGroupID(t im.GroupType) string {
	n, prefix := 8, autoPrefix
	if t == im.TypeCommunity {
		n, prefix = 10, communityPrefix+autoPrefix
	}
	b := make([]byte, n)
	s.rand(b)
	out := make([]byte, 0, len(prefix)+1+n)
	out = append(out, prefix...)
	out = append(out, typeChar[t])
	for _, c := range b {
		out = append(out, base32[c&31])
	}
	return string(out)
}

// unusedGroupID mints IDs until one was never used by a live or destroyed group. With
// 2^40 IDs per type a second try is already rare; the unique key in the store catches
// the race between replicas that mint the same ID at once.
func (s *Service) unusedGroupID(ctx context.Context, tx im.Tx, app uint64, t im.GroupType) (string, error) {
	for range 8 {
		id := s.mintGroupID(t)
		used, err := tx.GroupIDUsed(ctx, app, id)
		if err != nil {
			return "", fmt.Errorf("check group id: %w", err)
		}
		if !used {
			return id, nil
		}
	}
	return "", fmt.Errorf("no unused group id after 8 tries")
}
